// Every limit flag of every command, one row per limit: the flag, the limit it sets, its unit
// and what it limits. From the rows come the citty options, the defaults shown in --help (read
// from the core's defaults, so help cannot drift), the parsing of the values, and the wording of
// a refused value: it names the flag the user typed, never the core's field name. A new command
// or a new limit adds rows here.
import type { ArgsDef } from 'citty';
import type { ChatLimits } from '../core/chat/chat-limits.ts';
import type { EchoClientLimits, EchoLimits } from '../core/echo/echo-limits.ts';
import type { FilesLimits } from '../core/files/files-limits.ts';
import type { UdpTransferLimits } from '../core/udp-transfer/transfer-limits.ts';
import type { UdpChatClientLimits, UdpChatLimits } from '../core/udp-chat/udp-chat-limits.ts';
import { LimitError } from '../core/shared/limit-rules.ts';
import { parseBytes, parseCount, parseDecimal, parseSeconds, UsageError } from './_shared.ts';

/** A size the way it is typed: the largest of g, m, k that divides it. */
function showBytes(bytes: number): string {
  for (const [suffix, scale] of [['g', 1024 ** 3], ['m', 1024 ** 2], ['k', 1024]] as const) {
    if (bytes > 0 && bytes % scale === 0) return `${bytes / scale}${suffix}`;
  }
  return String(bytes);
}

/** How a value is typed on the command line, and how the core holds it. */
const UNITS = {
  /** A whole number. */
  count: { parse: parseCount, show: (value: number) => String(value), valueHint: 'n' },
  /** A number, fractions allowed. */
  decimal: { parse: parseDecimal, show: (value: number) => String(value), valueHint: 'n' },
  /** Typed in seconds (fractions allowed), held in milliseconds. */
  seconds: { parse: parseSeconds, show: (ms: number) => `${ms / 1000}`, valueHint: 'seconds' },
  /** Bytes, or with a k/m suffix. */
  bytes: { parse: parseBytes, show: showBytes, valueHint: 'size' },
} as const;

export interface LimitFlag<Limits> {
  /** The field of the core's limits object that the flag sets. */
  limit: keyof Limits & string;
  unit: keyof typeof UNITS;
  /** What it limits, for --help; `(default …)` is added from the core's defaults. */
  description: string;
}

/** Flag name (without `--`) → its row. */
export type LimitFlagTable<Limits> = Readonly<Record<string, LimitFlag<Limits>>>;

export const LIMIT_FLAGS = {
  serve: {
    'max-line-bytes': { limit: 'maxLineBytes', unit: 'count', description: 'Longest line in bytes' },
    'max-unterminated-bytes': {
      limit: 'maxUnterminatedBytes',
      unit: 'count',
      description: 'Bytes without a newline before disconnecting',
    },
    'max-send-queue': {
      limit: 'maxSendQueueBytes',
      unit: 'bytes',
      description: 'Unsent bytes for a client that stopped reading, e.g. 64k, 1m',
    },
    'flood-burst': { limit: 'floodBurst', unit: 'count', description: 'Lines at once before delaying; 0 = no flood control' },
    'flood-rate': { limit: 'floodLinesPerSecond', unit: 'decimal', description: 'Lines per second after the burst' },
    'flood-max-delayed': {
      limit: 'floodMaxDelayedLines',
      unit: 'count',
      description: 'Delayed lines before disconnecting for flood',
    },
    'registration-timeout': {
      limit: 'registrationTimeoutMs',
      unit: 'seconds',
      description: 'Seconds to send JOIN; 0 = no limit',
    },
    'ping-interval': { limit: 'pingIntervalMs', unit: 'seconds', description: 'Idle seconds before PING; 0 = never' },
    'ping-timeout': { limit: 'pingTimeoutMs', unit: 'seconds', description: 'Seconds to answer PING; 0 = never disconnect' },
    'max-connections': { limit: 'maxConnections', unit: 'count', description: 'Connections in total' },
    'max-per-ip': { limit: 'maxConnectionsPerIp', unit: 'count', description: 'Connections from one address' },
    'connect-rate': {
      limit: 'connectRatePerIp',
      unit: 'decimal',
      description: 'New connections per second from one address after a burst of max-per-ip; 0 = no limit',
    },
    'max-name-length': { limit: 'maxNameLength', unit: 'count', description: 'Longest user or group name' },
    'max-groups-per-user': { limit: 'maxGroupsPerUser', unit: 'count', description: 'Groups one user may be in at once' },
    'max-groups': { limit: 'maxGroups', unit: 'count', description: 'Groups on the server at once' },
    // One --list-page pages every listing: this row sets the chat's, the serveFiles row the files'.
    'list-page': { limit: 'listPageEntries', unit: 'count', description: 'Entries per LIST_USERS, LIST_GROUPS or LIST_FILES reply' },
    'group-announce-limit': {
      limit: 'groupAnnounceMaxMembers',
      unit: 'count',
      description: 'Announce group joins and leaves only up to this many members; 0 = always',
    },
    'announce-limit': {
      limit: 'announceMaxUsers',
      unit: 'count',
      description: 'Announce joins and leaves only up to this many users online; 0 = always',
    },
    'announce-rate': {
      limit: 'announceMaxPerSecond',
      unit: 'count',
      description: 'Join and leave notices per second for the whole server, the rest summed up; 0 = no limit',
    },
  },
  serveFiles: {
    'max-upload-size': { limit: 'maxUploadBytes', unit: 'bytes', description: 'Largest upload, e.g. 512m, 10g' },
    'min-free-disk': { limit: 'minFreeDiskBytes', unit: 'bytes', description: 'Free disk space an upload must leave' },
    'max-transfers-per-user': {
      limit: 'maxTransfersPerUser',
      unit: 'count',
      description: 'File transfers at once for one user (or one address without a name)',
    },
    'max-transfers': { limit: 'maxTransfers', unit: 'count', description: 'File transfers at once in total' },
    'list-page': { limit: 'listPageEntries', unit: 'count', description: 'Entries per LIST_USERS, LIST_GROUPS or LIST_FILES reply' },
    'transfer-idle-timeout': {
      limit: 'transferIdleTimeoutMs',
      unit: 'seconds',
      description: 'Seconds a file transfer may stall before it is dropped',
    },
  },
  serveUdp: {
    'max-udp-transfers': { limit: 'maxConcurrentTransfers', unit: 'count', description: 'DOWNLOAD_UDP transfers at once' },
    'udp-datagram': {
      limit: 'maxDatagramBytesRemote',
      unit: 'count',
      description: 'Largest UDP transfer datagram toward a non-loopback peer (no IP fragmentation)',
    },
  },
  echoServer: {
    'max-clients': { limit: 'maxClients', unit: 'count', description: 'Server: TCP clients at once' },
    'max-line-bytes': { limit: 'maxLineBytes', unit: 'bytes', description: 'Server, --lines: longest line echoed' },
    'max-pending-replies': { limit: 'maxPendingReplies', unit: 'count', description: 'Server, --udp: replies waiting to be sent' },
    'max-replies-per-address': {
      limit: 'maxRepliesPerAddress',
      unit: 'count',
      description: 'Server, --udp: replies to one address per second; 0 = no cap',
    },
    'max-replies-per-second': {
      limit: 'maxRepliesPerSecond',
      unit: 'count',
      description: 'Server, --udp: replies to everyone per second; 0 = no cap',
    },
  },
  echoClient: {
    interval: { limit: 'intervalMs', unit: 'seconds', description: 'Client: seconds from one probe to the next' },
    timeout: { limit: 'timeoutMs', unit: 'seconds', description: 'Client: seconds to wait to connect and for each reply' },
  },
  join: {
    timeout: { limit: 'connectTimeoutMs', unit: 'seconds', description: 'Seconds to wait for the connection, and for the server to answer the login and JOIN' },
  },
  udpServe: {
    'max-datagram-bytes': { limit: 'maxDatagramBytes', unit: 'count', description: 'Largest datagram accepted, 128 to 65504 less --max-name-length (a relayed message must fit in one datagram)' },
    'flood-burst': { limit: 'floodBurst', unit: 'count', description: 'Datagrams from one address at once; 0 = no rate limit' },
    'flood-rate': { limit: 'floodDatagramsPerSecond', unit: 'decimal', description: 'Datagrams per second from one address after the burst' },
    'max-clients': { limit: 'maxClients', unit: 'count', description: 'Users in the chat' },
    'max-send-rate': {
      limit: 'maxSendBytesPerSecond',
      unit: 'bytes',
      description: 'Bytes sent per second to everyone together, e.g. 512k, 4m; 0 = no cap',
    },
    'idle-timeout': { limit: 'idleTimeoutMs', unit: 'seconds', description: 'Seconds of silence before a user leaves the chat; 0 = never' },
    'registration-timeout': { limit: 'registrationTimeoutMs', unit: 'seconds', description: 'Seconds to send the join code back' },
    'max-name-length': { limit: 'maxNameLength', unit: 'count', description: 'Longest user name' },
  },
  udpJoin: {
    timeout: { limit: 'replyTimeoutMs', unit: 'seconds', description: 'Seconds to wait for the server to answer' },
    'server-timeout': { limit: 'serverTimeoutMs', unit: 'seconds', description: 'Seconds of silence after which the server is taken for gone' },
  },
} as const satisfies {
  serve: LimitFlagTable<ChatLimits>;
  serveFiles: LimitFlagTable<FilesLimits>;
  serveUdp: LimitFlagTable<UdpTransferLimits>;
  echoServer: LimitFlagTable<EchoLimits>;
  echoClient: LimitFlagTable<EchoClientLimits>;
  join: LimitFlagTable<{ connectTimeoutMs: number }>;
  udpServe: LimitFlagTable<UdpChatLimits>;
  udpJoin: LimitFlagTable<UdpChatClientLimits>;
};

type StringArgs<Table> = { [Flag in keyof Table]: { type: 'string'; description: string; valueHint: string } };

/** The flags of a table, for refusing those that belong to another mode of a command. */
export function flagsOf<Table extends object>(table: Table): Array<keyof Table & string> {
  return Object.keys(table) as Array<keyof Table & string>;
}

/** The citty options of a table's rows, each help text ending in its default. */
export function limitArgs<Limits, Table extends LimitFlagTable<Limits>>(table: Table, defaults: Readonly<Limits>): StringArgs<Table> {
  const args: Record<string, { type: 'string'; description: string; valueHint: string }> = {};
  for (const [flag, row] of Object.entries(table)) {
    const unit = UNITS[row.unit];
    const value = defaults[row.limit] as number;
    args[flag] = { type: 'string', description: `${row.description} (default ${unit.show(value)})`, valueHint: unit.valueHint };
  }
  return args as StringArgs<Table> satisfies ArgsDef;
}

/**
 * `resolve` (the core's merge-and-check) given the limits the user set by flag. A value that is
 * not a number of the flag's unit, or that the core refuses, is a UsageError naming the flag.
 */
export function limitsFromFlags<Limits>(
  table: LimitFlagTable<Limits>,
  args: Readonly<Record<string, unknown>>,
  resolve: (overrides: Partial<Limits>) => Limits,
): Limits {
  const overrides: Partial<Record<keyof Limits, number>> = {};
  for (const [flag, row] of Object.entries(table)) {
    const value = UNITS[row.unit].parse(args[flag], `--${flag}`);
    if (value !== undefined) overrides[row.limit] = value;
  }
  try {
    return resolve(overrides as Partial<Limits>);
  } catch (error) {
    if (error instanceof LimitError) throw new UsageError(inFlagWords(table, error));
    throw error;
  }
}

/** The core's refusal, said with the flags the user typed and in their units. */
function inFlagWords<Limits>(table: LimitFlagTable<Limits>, error: LimitError): string {
  const flagOf = new Map(Object.entries(table).map(([flag, row]) => [row.limit as string, { flag: `--${flag}`, row }]));
  const own = flagOf.get(error.option);
  if (own && error.rule && error.rule.value < error.rule.minimum) {
    const show = UNITS[own.row.unit].show;
    const unit = own.row.unit === 'seconds' ? ' seconds' : '';
    return `${own.flag} must be at least ${show(error.rule.minimum)}${unit}, got ${show(error.rule.value)}`;
  }
  // Any other refusal names fields in its text (`floodLinesPerSecond must be > 0 …`).
  return error.message.replace(/\b[a-z][A-Za-z]+\b/g, (word) => flagOf.get(word)?.flag ?? word);
}
