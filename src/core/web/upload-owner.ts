// Who an HTTP upload is from. The POST is a request of its own, not the page's WebSocket, so a
// name it merely claims is worth nothing: the page asks for a one-time `TICKET` on its chat
// WebSocket (the same tickets a terminal gets for a TRANSFER connection) and presents it in
// `X-Netchat-Ticket`. A valid ticket names the user; a ticket that is unknown, used, expired or
// from another address refuses the upload (it was meant to carry a name and cannot). Without a
// ticket the upload is a guest's — where the chat lets guests upload at all.
import type { HttpRequest } from '../../runtime/http-types.ts';
import type { AccountService } from '../accounts/account-service.ts';
import type { FileService } from '../files/file-service.ts';

export const TICKET_HEADER = 'x-netchat-ticket';

export interface UploaderRefusal {
  status: number;
  code: 'TICKET_INVALID' | 'PASSWORD_REQUIRED' | 'ACCOUNT_REQUIRED' | 'BANNED';
  message: string;
}

export type UploaderCheck = { by: string | undefined } | { refused: UploaderRefusal };

/** Redeems the request's ticket (used up whatever follows) or checks that a guest may upload. */
export function checkUploader(
  request: Pick<HttpRequest, 'headers' | 'remote'>,
  files: Pick<FileService, 'tickets'>,
  accounts: Pick<AccountService, 'bans' | 'refuseAnonymous'> | undefined,
): UploaderCheck {
  const address = request.remote.address;
  if (accounts?.bans.addressBanned(address)) {
    return { refused: { status: 403, code: 'BANNED', message: 'your address is banned from this server' } };
  }
  const token = request.headers[TICKET_HEADER];
  if (token !== undefined) {
    const owner = files.tickets.redeem(token.trim().toLowerCase(), address);
    if (!owner) return { refused: { status: 403, code: 'TICKET_INVALID', message: 'unknown, used or expired ticket (ask for one with TICKET on the chat)' } };
    return { by: owner.name };
  }
  const refusal = accounts?.refuseAnonymous({
    name: undefined,
    writable: false,
    remoteAddress: address,
    encrypted: false,
    account: undefined,
    serverPasswordOk: false,
    reply: () => {},
    replyError: () => {},
  });
  if (refusal) {
    const message = refusal.code === 'PASSWORD_REQUIRED'
      ? 'this server asks for a password: join the chat on the page first, then upload'
      : 'only account holders may upload to this server: log in on the page first, then upload';
    return { refused: { status: 403, code: refusal.code as 'PASSWORD_REQUIRED' | 'ACCOUNT_REQUIRED', message } };
  }
  return { by: undefined };
}
