// What the sender knows about each chunk of its window — never sent, in flight (with the packet
// number and time of its latest transmission), reported received, or taken as lost and waiting
// to be resent — and when recent packets left, for round-trip samples. Rings indexed by number:
// the window never spans more chunks than there are slots.

export const UNSENT = 0;
export const IN_FLIGHT = 1;
export const RECEIVED = 2;
export const LOST = 3;
export type ChunkState = typeof UNSENT | typeof IN_FLIGHT | typeof RECEIVED | typeof LOST;

/** Packet numbers whose send time is remembered. */
const PACKET_TIMES = 1 << 16;

export class SentChunks {
  /** Chunks in flight: sent, neither reported received nor taken as lost. */
  inFlight = 0;
  private readonly mask: number;
  private readonly states: Uint8Array;
  private readonly packets: Float64Array;
  private readonly sentAts: Float64Array;
  private readonly packetTimes = new Float64Array(PACKET_TIMES);
  private readonly packetIds = new Float64Array(PACKET_TIMES).fill(-1);

  constructor(maxWindowChunks: number) {
    const slots = 2 ** Math.ceil(Math.log2(maxWindowChunks + 1));
    this.mask = slots - 1;
    this.states = new Uint8Array(slots);
    this.packets = new Float64Array(slots);
    this.sentAts = new Float64Array(slots);
  }

  state(chunk: number): ChunkState {
    return this.states[chunk & this.mask] as ChunkState;
  }

  /** The packet number of the chunk's latest transmission, and when it left. */
  packetOf(chunk: number): number {
    return this.packets[chunk & this.mask]!;
  }

  sentAtOf(chunk: number): number {
    return this.sentAts[chunk & this.mask]!;
  }

  /** When packet `packet` left, if it is recent enough to be remembered. */
  sentAtOfPacket(packet: number): number | undefined {
    const at = packet % PACKET_TIMES;
    return this.packetIds[at] === packet ? this.packetTimes[at] : undefined;
  }

  recordSend(chunk: number, packet: number, now: number): void {
    const slot = chunk & this.mask;
    if (this.states[slot] !== IN_FLIGHT) this.inFlight++;
    this.states[slot] = IN_FLIGHT;
    this.packets[slot] = packet;
    this.sentAts[slot] = now;
    this.packetTimes[packet % PACKET_TIMES] = now;
    this.packetIds[packet % PACKET_TIMES] = packet;
  }

  /** 1 when the chunk was in flight or taken as lost, and is now known received. */
  markReceived(chunk: number): number {
    const slot = chunk & this.mask;
    const was = this.states[slot];
    if (was === RECEIVED || was === UNSENT) return 0;
    if (was === IN_FLIGHT) this.inFlight--;
    this.states[slot] = RECEIVED;
    return 1;
  }

  markLost(chunk: number): void {
    const slot = chunk & this.mask;
    if (this.states[slot] === IN_FLIGHT) this.inFlight--;
    this.states[slot] = LOST;
  }

  /** The chunk left the window (received in order): free its slot. 1 as for markReceived. */
  forget(chunk: number): number {
    const newlyReceived = this.markReceived(chunk);
    this.states[chunk & this.mask] = UNSENT;
    return newlyReceived;
  }
}
