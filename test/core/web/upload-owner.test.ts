// Who an HTTP upload is from: a ticket's owner once, from the ticket's address only, before it
// expires; otherwise refused; no ticket is a guest, where the accounts let guests upload.
import { describe, expect, it } from 'vitest';
import type { AccountService } from '../../../src/core/accounts/account-service.ts';
import { TransferTickets } from '../../../src/core/files/transfer-tickets.ts';
import { checkUploader, TICKET_HEADER } from '../../../src/core/web/upload-owner.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const TTL_MS = 30_000;
let counter = 0;
const setup = () => {
  const clock = new FakeClock();
  const tickets = new TransferTickets(clock, TTL_MS, () => (counter++).toString(16).padStart(32, '0'));
  return { clock, files: { tickets } };
};
const request = (address: string, ticket?: string) => ({
  headers: ticket === undefined ? {} : { [TICKET_HEADER]: ticket },
  remote: { address, port: 50_000, family: 'IPv4' as const },
});
type Accounts = Pick<AccountService, 'bans' | 'refuseAnonymous'>;
const accounts = (refusal: 'PASSWORD_REQUIRED' | 'ACCOUNT_REQUIRED' | undefined, banned: string[] = []): Accounts => ({
  bans: { addressBanned: (address: string) => banned.includes(address) } as unknown as Accounts['bans'],
  refuseAnonymous: () => (refusal ? { code: refusal, message: 'no', closes: true } : undefined),
});

describe('checkUploader', () => {
  it('names the ticket’s owner once; the same ticket again is TICKET_INVALID', () => {
    const { files } = setup();
    const token = files.tickets.issue({ name: 'alice', address: '10.0.0.1' });
    expect(checkUploader(request('10.0.0.1', token), files, undefined)).toEqual({ by: 'alice' });
    expect(checkUploader(request('10.0.0.1', token), files, undefined)).toMatchObject({ refused: { status: 403, code: 'TICKET_INVALID' } });
  });

  it('refuses a ticket from another address, a forged one and one past its time', () => {
    const { clock, files } = setup();
    const stolen = files.tickets.issue({ name: 'alice', address: '10.0.0.1' });
    expect(checkUploader(request('10.0.0.2', stolen), files, undefined)).toMatchObject({ refused: { code: 'TICKET_INVALID' } });
    expect(checkUploader(request('10.0.0.1', 'f'.repeat(32)), files, undefined)).toMatchObject({ refused: { code: 'TICKET_INVALID' } });
    const atLimit = files.tickets.issue({ name: 'alice', address: '10.0.0.1' });
    const pastLimit = files.tickets.issue({ name: 'alice', address: '10.0.0.1' });
    clock.advance(TTL_MS - 1);
    expect(checkUploader(request('10.0.0.1', atLimit), files, undefined)).toEqual({ by: 'alice' });
    clock.advance(1);
    expect(checkUploader(request('10.0.0.1', pastLimit), files, undefined)).toMatchObject({ refused: { code: 'TICKET_INVALID' } });
  });

  it('takes no name from anything but a ticket: without one the upload is a guest’s', () => {
    const { files } = setup();
    expect(checkUploader({ ...request('10.0.0.1'), headers: { 'x-netchat-user': 'alice' } }, files, undefined)).toEqual({ by: undefined });
    expect(checkUploader(request('10.0.0.1'), files, accounts(undefined))).toEqual({ by: undefined });
  });

  it('refuses a guest where the server asks for a password or an account, and a banned address always', () => {
    const { files } = setup();
    expect(checkUploader(request('10.0.0.1'), files, accounts('PASSWORD_REQUIRED'))).toMatchObject({ refused: { status: 403, code: 'PASSWORD_REQUIRED' } });
    expect(checkUploader(request('10.0.0.1'), files, accounts('ACCOUNT_REQUIRED'))).toMatchObject({ refused: { status: 403, code: 'ACCOUNT_REQUIRED' } });
    const token = files.tickets.issue({ name: 'alice', address: '10.0.0.9' });
    expect(checkUploader(request('10.0.0.9', token), files, accounts(undefined, ['10.0.0.9']))).toMatchObject({ refused: { code: 'BANNED' } });
  });
});
