// What cluster nodes tell each other over the backplane: packets of JSON, on the sender's own
// subject, so that NATS keeps each sender's packets in order. A packet carries every message a
// node had to say in one turn of its event loop (a burst of broadcasts costs one NATS message,
// not one each), and names its node, the node's incarnation (`boot`, new at each start) and a
// sequence number that counts the packets of that incarnation: a gap means something was lost
// and the receiver asks again for the sender's whole state.
//
// Nothing a peer sends is trusted: names go through the chat's name rules, texts and lists are
// bounded, and anything malformed decodes to undefined (and is dropped).
import { checkGroupName, checkUserName } from '../shared/names.ts';

/** A user as a node's state lists it: the name's spelling and the groups the user is in. */
export interface ClusterUser {
  name: string;
  groups: string[];
}

export type ClusterBody =
  /** Still here; `seq` lets a receiver see that it missed the last messages. */
  | { t: 'hb' }
  /** Please publish your whole state (sent at start, after a reconnect, and on a gap). */
  | { t: 'sync' }
  /** The sender's whole state: replaces whatever a receiver knew of that node. */
  | { t: 'state'; users: ClusterUser[] }
  /** The node stops; its users are gone. */
  | { t: 'bye' }
  | { t: 'join'; name: string }
  | { t: 'leave'; name: string; reason: string }
  | { t: 'bcast'; from: string; text: string }
  | { t: 'priv'; from: string; to: string; text: string }
  | { t: 'gjoin'; group: string; name: string }
  | { t: 'gleave'; group: string; name: string }
  | { t: 'gmsg'; group: string; from: string; text: string }
  /** The name now belongs to the sender: `loser` must let its user of that name go. */
  | { t: 'evict'; name: string; loser: string };

export interface ClusterPacket {
  node: string;
  boot: string;
  seq: number;
  /** In the order they were sent; at least one. */
  items: ClusterBody[];
}

/** Bounds on what a peer may send, so one bad node cannot exhaust another. */
export interface ClusterMessageLimits {
  maxNameLength: number;
  /** Texts longer than this (in UTF-16 units) are refused. */
  maxTextLength: number;
  maxStateUsers: number;
  maxGroupsPerUser: number;
  /** The most messages one packet may carry. */
  maxPacketItems: number;
}

const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const BOOT_ID = /^[0-9a-z]{1,16}-[0-9a-f]{1,32}$/;
const MAX_REASON_LENGTH = 512;

/** Whether `id` may name a node: it becomes part of a NATS subject. */
export function isNodeId(id: string): boolean {
  return NODE_ID.test(id);
}

/** An incarnation id: its start time (base 36, comparable) and a random part. */
export function makeBootId(wallMs: number, randomHex: string): string {
  return `${Math.floor(wallMs).toString(36)}-${randomHex}`;
}

/** Negative when `a` started before `b`; incarnations of one node are ordered by start time, then id. */
export function compareBoots(a: string, b: string): number {
  const at = Number.parseInt(a.split('-')[0]!, 36);
  const bt = Number.parseInt(b.split('-')[0]!, 36);
  if (at !== bt) return at - bt;
  return a < b ? -1 : a > b ? 1 : 0;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** One message as it goes into a packet (encoded once, when it is sent). */
export function encodeClusterBody(body: ClusterBody): string {
  // A QUIT message may be as long as a line: the reason is cut to what every node takes, so that
  // it never costs the packet it travels in.
  if (body.t === 'leave' && body.reason.length > MAX_REASON_LENGTH) {
    return JSON.stringify({ ...body, reason: `${[...body.reason.slice(0, MAX_REASON_LENGTH - 1)].filter(isWholeCharacter).join('')}…` });
  }
  return JSON.stringify(body);
}

/** Not half of a surrogate pair (what cutting a string by UTF-16 units can leave at its end). */
function isWholeCharacter(char: string): boolean {
  return char.length === 2 || !/[\uD800-\uDFFF]/.test(char);
}

/** A packet of messages already encoded by encodeClusterBody. */
export function encodeClusterPacket(envelope: Omit<ClusterPacket, 'items'>, encodedItems: string[]): Uint8Array {
  const head = JSON.stringify({ node: envelope.node, boot: envelope.boot, seq: envelope.seq });
  return encoder.encode(`${head.slice(0, -1)},"items":[${encodedItems.join(',')}]}`);
}

/** The packet, or undefined when the bytes are not a well-formed packet within `limits`. */
export function decodeClusterPacket(bytes: Uint8Array, limits: ClusterMessageLimits): ClusterPacket | undefined {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  if (typeof m.node !== 'string' || !isNodeId(m.node)) return undefined;
  if (typeof m.boot !== 'string' || !BOOT_ID.test(m.boot)) return undefined;
  if (typeof m.seq !== 'number' || !Number.isSafeInteger(m.seq) || m.seq < 1) return undefined;
  if (!Array.isArray(m.items) || m.items.length === 0 || m.items.length > limits.maxPacketItems) return undefined;
  const items: ClusterBody[] = [];
  for (const item of m.items as unknown[]) {
    if (typeof item !== 'object' || item === null) return undefined;
    const body = decodeBody(item as Record<string, unknown>, limits);
    if (!body) return undefined;
    items.push(body);
  }
  return { node: m.node, boot: m.boot, seq: m.seq, items };
}

function decodeBody(m: Record<string, unknown>, limits: ClusterMessageLimits): ClusterBody | undefined {
  const user = (v: unknown): v is string => typeof v === 'string' && checkUserName(v, limits.maxNameLength) === undefined;
  const group = (v: unknown): v is string => typeof v === 'string' && checkGroupName(v, limits.maxNameLength) === undefined;
  const text = (v: unknown): v is string => typeof v === 'string' && v.length <= limits.maxTextLength;
  switch (m.t) {
    case 'hb':
    case 'sync':
    case 'bye':
      return { t: m.t };
    case 'state': {
      const users = decodeUsers(m.users, limits, user, group);
      return users && { t: 'state', users };
    }
    case 'join':
      return user(m.name) ? { t: 'join', name: m.name } : undefined;
    case 'leave':
      return user(m.name) && typeof m.reason === 'string' && m.reason.length <= MAX_REASON_LENGTH
        ? { t: 'leave', name: m.name, reason: m.reason }
        : undefined;
    case 'bcast':
      return user(m.from) && text(m.text) ? { t: 'bcast', from: m.from, text: m.text } : undefined;
    case 'priv':
      return user(m.from) && user(m.to) && text(m.text) ? { t: 'priv', from: m.from, to: m.to, text: m.text } : undefined;
    case 'gjoin':
    case 'gleave':
      return group(m.group) && user(m.name) ? { t: m.t, group: m.group, name: m.name } : undefined;
    case 'gmsg':
      return group(m.group) && user(m.from) && text(m.text) ? { t: 'gmsg', group: m.group, from: m.from, text: m.text } : undefined;
    case 'evict':
      return user(m.name) && typeof m.loser === 'string' && isNodeId(m.loser) ? { t: 'evict', name: m.name, loser: m.loser } : undefined;
    default:
      return undefined;
  }
}

function decodeUsers(
  value: unknown,
  limits: ClusterMessageLimits,
  user: (v: unknown) => v is string,
  group: (v: unknown) => v is string,
): ClusterUser[] | undefined {
  if (!Array.isArray(value) || value.length > limits.maxStateUsers) return undefined;
  const users: ClusterUser[] = [];
  for (const entry of value as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return undefined;
    const { name, groups } = entry as Record<string, unknown>;
    if (!user(name) || !Array.isArray(groups) || groups.length > limits.maxGroupsPerUser) return undefined;
    if (!groups.every(group)) return undefined;
    users.push({ name, groups: groups as string[] });
  }
  return users;
}

/** A name lease as stored in the KV bucket: who holds it, since when (wall ms), and the spelling. */
export interface LeaseValue {
  node: string;
  boot: string;
  name: string;
  at: number;
}

export function encodeLease(lease: LeaseValue): Uint8Array {
  return encoder.encode(JSON.stringify(lease));
}

export function decodeLease(bytes: Uint8Array): LeaseValue | undefined {
  try {
    const v = JSON.parse(decoder.decode(bytes)) as Record<string, unknown>;
    if (typeof v.node !== 'string' || typeof v.boot !== 'string' || typeof v.name !== 'string' || typeof v.at !== 'number') return undefined;
    return { node: v.node, boot: v.boot, name: v.name, at: v.at };
  } catch {
    return undefined;
  }
}

/**
 * Deterministic winner of a name claimed on two nodes during a partition: the earlier claim,
 * then the smaller node id. Negative when `a` wins.
 */
export function compareClaims(a: LeaseValue, b: LeaseValue): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.node < b.node ? -1 : a.node > b.node ? 1 : 0;
}

/** The KV key of a name: hex of its lower-case form, since KV keys allow fewer characters than names and may not end in a dot. */
export function leaseKey(nameKey: string): string {
  let hex = 'n';
  for (let i = 0; i < nameKey.length; i++) hex += nameKey.charCodeAt(i).toString(16).padStart(2, '0');
  return hex;
}
