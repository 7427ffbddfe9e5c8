// One-time tickets that let a second connection carry a transfer for a user of the chat
// connection that asked. A ticket is 128 random bits, valid once, for a short time, and only
// from the address that asked: a ticket seen by someone else on the path is of no use from
// elsewhere, and a used one is gone.
import type { Clock } from '../shared/clock.ts';

export interface TicketOwner {
  /** The user's name on the chat connection. */
  name: string;
  /** The address of the chat connection; the transfer must come from the same one. */
  address: string;
}

interface Ticket {
  owner: TicketOwner;
  expiresAt: number;
}

/** Tickets one user may hold unused at once; more push out the oldest. */
const MAX_TICKETS_PER_USER = 16;

export class TransferTickets {
  private readonly tickets = new Map<string, Ticket>();
  /** Each user's unused tokens, oldest first: at most MAX_TICKETS_PER_USER. */
  private readonly byOwner = new Map<string, string[]>();

  constructor(
    private readonly clock: Clock,
    readonly ttlMs: number,
    private readonly randomHex: (bytes: number) => string,
  ) {}

  get outstanding(): number {
    return this.tickets.size;
  }

  issue(owner: TicketOwner): string {
    const now = this.clock.now();
    const mine = (this.byOwner.get(owner.name) ?? []).filter((token) => {
      const live = (this.tickets.get(token)?.expiresAt ?? now) > now;
      if (!live) this.tickets.delete(token);
      return live;
    });
    if (mine.length >= MAX_TICKETS_PER_USER) this.tickets.delete(mine.shift()!);
    const token = this.randomHex(16);
    this.tickets.set(token, { owner, expiresAt: now + this.ttlMs });
    mine.push(token);
    this.byOwner.set(owner.name, mine);
    return token;
  }

  /** The owner of a valid ticket presented from `address`; the ticket is used up either way. */
  redeem(token: string, address: string): TicketOwner | undefined {
    const ticket = this.tickets.get(token);
    if (!ticket) return undefined;
    this.tickets.delete(token);
    const mine = this.byOwner.get(ticket.owner.name);
    if (mine) {
      mine.splice(mine.indexOf(token), 1);
      if (mine.length === 0) this.byOwner.delete(ticket.owner.name);
    }
    if (this.clock.now() >= ticket.expiresAt || ticket.owner.address !== address) return undefined;
    return ticket.owner;
  }

  /** Forget every ticket of a user who left. */
  revoke(name: string): void {
    for (const token of this.byOwner.get(name) ?? []) this.tickets.delete(token);
    this.byOwner.delete(name);
  }
}
