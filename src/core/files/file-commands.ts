// The shared-files commands, as rows of the chat command table: the one dispatcher checks
// registration and arguments before any of these runs. An upload takes the rest of its
// connection, so it is accepted only as the first line of a connection or right after TRANSFER;
// the session lets such a line skip flood control (see ServerSession.received).
import type { FileProblem } from '../../protocol/files/file-error-codes.ts';
import { fileServerLine, parseListFilesArgs, parseUploadArgs } from '../../protocol/files/file-lines.ts';
import type { CommandSession, CommandSpec } from '../chat/command-table.ts';
import type { FileService, TransferSession } from './file-service.ts';
import type { TicketOwner } from './transfer-tickets.ts';

/** What the file commands need of a chat connection, beyond any command's needs. */
export interface FileCommandSession extends TransferSession {
  /** Absent on a server that shares no folder. */
  readonly files: FileService | undefined;
  /** How many lines this connection has sent, the current one included. */
  readonly linesReceived: number;
  /** How many AUTH/PASS lines opened the connection: an upload may follow them (a login before a guest's upload). */
  loginLines: number;
  /** Set by TRANSFER: whose ticket this connection carries. Nothing but its one transfer is allowed then. */
  transfer: TicketOwner | undefined;
  /** The one transfer of a TRANSFER connection has started. */
  transferStarted: boolean;
}

type Session = CommandSession & FileCommandSession;

export const FILE_VERBS = ['LIST_FILES', 'DOWNLOAD_TCP', 'DOWNLOAD_UDP', 'TICKET', 'TRANSFER', 'UPLOAD', 'UPLOAD_RAW'] as const;
export type FileVerb = (typeof FILE_VERBS)[number];

type PlaceSession = Pick<FileCommandSession, 'linesReceived' | 'loginLines' | 'transfer' | 'transferStarted'>;

/**
 * Whether the current line stands where an upload may start: first on its connection (logins
 * aside) or right after TRANSFER. A line there that is refused closes the connection, since the
 * bytes after it may be a file's and must never be read as commands.
 */
export function uploadMayStartHere(session: PlaceSession): boolean {
  return opensConnection(session) || (session.transfer !== undefined && !session.transferStarted);
}

/** Whether `line` starts an upload at a place where one is allowed (it then skips flood control). */
export function startsUpload(line: string, session: PlaceSession): boolean {
  return uploadMayStartHere(session) && /^\s*UPLOAD(_RAW)?(\s|$)/i.test(line);
}

function problem(session: Session, code: FileProblem['code'], message: string): void {
  session.replyProblem({ code, message });
}

/** The file service, or an ERROR saying this server shares nothing. */
function service(session: Session): FileService | undefined {
  if (!session.files) session.replyError('UNKNOWN_COMMAND', 'this server shares no files');
  return session.files;
}

export const FILE_COMMANDS: Record<FileVerb, CommandSpec> = {
  LIST_FILES: {
    syntax: 'LIST_FILES [AFTER <name>]',
    summary: 'list the shared files, a page at a time',
    beforeRegistration: false,
    params: 1,
    minArgs: 0,
    handler(session: Session, [rest]) {
      // LIST_FILES [AFTER <name>]
      const files = service(session);
      if (!files) return;
      const args = parseListFilesArgs(rest ?? '');
      if (!args) return session.replyError('MISSING_ARGUMENT', 'usage: LIST_FILES [AFTER <name>]');
      for (const line of files.listing(args.after)) session.reply(line);
    },
  },
  DOWNLOAD_TCP: {
    syntax: 'DOWNLOAD_TCP <file> [offset]',
    summary: 'download a shared file on this connection: a FILE_START_TCP header, then its bytes',
    beforeRegistration: false,
    onTransferConnection: true,
    params: 1,
    minArgs: 1,
    handler(session: Session, [rest]) {
      // DOWNLOAD_TCP <file> [offset]
      return oneTransfer(session, (files) => files.download(session, rest!));
    },
  },
  DOWNLOAD_UDP: {
    syntax: 'DOWNLOAD_UDP <file> <udpPort> [options]',
    summary: 'download a shared file over UDP to that port, controlled from this connection (UDP_ lines)',
    beforeRegistration: false,
    onTransferConnection: true,
    params: 1,
    minArgs: 1,
    handler(session: Session, [rest]) {
      // DOWNLOAD_UDP <file> <udpPort> [id=<8 hex>] [offset=<bytes>] [datagram=<bytes>]
      // On the chat connection the command is over once the transfer started: chat goes on.
      return oneTransfer(session, async (files) => {
        const started = await files.downloadUdp(session, rest!);
        if (session.transfer) await started?.done;
      });
    },
  },
  TICKET: {
    syntax: 'TICKET',
    summary: 'a one-time ticket to move a file on a second connection (TRANSFER)',
    beforeRegistration: false,
    params: 0,
    minArgs: 0,
    handler(session: Session) {
      // TICKET
      const files = service(session);
      if (!files) return;
      const token = files.tickets.issue({ name: session.name!, address: session.remoteAddress });
      session.reply(fileServerLine.ticket(token, Math.round(files.tickets.ttlMs / 1000)));
    },
  },
  TRANSFER: {
    syntax: 'TRANSFER <ticket>',
    summary: 'first line of a second connection: carry one transfer for the ticket owner',
    beforeRegistration: true,
    params: 1,
    minArgs: 1,
    handler(session: Session, [token]) {
      // TRANSFER <ticket>
      const files = service(session);
      if (!files) return;
      // On a chat connection a user is in, the mistake costs no more than the line: the chat goes on.
      if (session.name !== undefined) return problem(session, 'TICKET_INVALID', 'TRANSFER must be the first line of a new connection');
      // Tickets are hex; as typed by hand they may be in capitals.
      const owner = session.linesReceived === 1 ? files.tickets.redeem(token!.trim().toLowerCase(), session.remoteAddress) : undefined;
      if (!owner) {
        problem(session, 'TICKET_INVALID', 'unknown, used or expired ticket (or TRANSFER not as the first line)');
        return session.finish();
      }
      session.transfer = owner;
    },
  },
  UPLOAD: {
    syntax: 'UPLOAD <size> <sha256|TRAILER> <name>',
    summary: 'first line of a connection: upload a file of that size and hash (UPLOAD_READY, then the bytes; with TRAILER, then SHA256 <hash>)',
    beforeRegistration: true,
    onTransferConnection: true,
    params: 1,
    // Checked by the handler: a refused upload closes its connection, which the dispatcher's check would not.
    minArgs: 0,
    async handler(session: Session, [rest]) {
      // UPLOAD <size> <sha256> <name>, or UPLOAD <size> TRAILER <name> with the hash after the bytes
      if (!placed(session)) return;
      const by = session.transfer?.name;
      session.transferStarted = true;
      const files = session.files;
      if (!files) return refuseUpload(session, 'UNKNOWN_COMMAND', 'this server shares no files');
      const declared = parseUploadArgs(rest ?? '');
      if (!declared) return refuseUpload(session, 'MISSING_ARGUMENT', 'usage: UPLOAD <size> <sha256|TRAILER> <name>');
      const { size, sha256 } = declared;
      await files.upload(session, { name: declared.name, declared: sha256 === undefined ? { size } : { size, sha256 } }, by);
    },
  },
  UPLOAD_RAW: {
    syntax: 'UPLOAD_RAW <name>',
    summary: 'first line of a connection: every byte after it until you half-close (nc -N) is the file',
    beforeRegistration: true,
    onTransferConnection: true,
    params: 1,
    minArgs: 0,
    async handler(session: Session, [name]) {
      // UPLOAD_RAW <name>
      if (!placed(session)) return;
      const by = session.transfer?.name;
      session.transferStarted = true;
      const files = session.files;
      if (!files) return refuseUpload(session, 'UNKNOWN_COMMAND', 'this server shares no files');
      const wanted = (name ?? '').replace(/\s+$/, '');
      if (wanted === '') return refuseUpload(session, 'MISSING_ARGUMENT', 'usage: UPLOAD_RAW <name>');
      await files.upload(session, { name: wanted }, by);
    },
  },
};

/**
 * Run a download. On a TRANSFER connection it is that connection's one transfer, and the
 * connection ends with it; on the chat connection the chat goes on afterwards.
 */
async function oneTransfer(session: Session, run: (files: FileService) => Promise<unknown>): Promise<void> {
  const files = service(session);
  if (!files) return;
  const carried = session.transfer !== undefined;
  session.transferStarted = carried;
  await run(files);
  if (carried && session.writable) session.finish();
}

/** The current line is the connection's first, logins (AUTH, PASS) aside. */
function opensConnection(session: Pick<FileCommandSession, 'linesReceived' | 'loginLines'>): boolean {
  return session.linesReceived === session.loginLines + 1;
}

/** The connection is already the upload's: refuse and close, as any refused upload. */
function refuseUpload(session: Session, code: 'UNKNOWN_COMMAND' | 'MISSING_ARGUMENT', message: string): void {
  session.replyError(code, message);
  session.finish();
}

/** An upload line must open its connection, after logins only (or follow TRANSFER); elsewhere it is refused. */
function placed(session: Session): boolean {
  if (uploadMayStartHere(session)) return true;
  problem(session, 'UPLOAD_MISPLACED', 'an upload must be the first line of a connection, logins aside (or follow TRANSFER)');
  return false;
}
