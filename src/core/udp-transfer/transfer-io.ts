// What the transfer drivers are handed: the file's bytes, the place they go, and the TCP
// control channel. The chat connection implements the channel; file-adapters.ts implements the
// source and sink over the runtime's file store. SHA-256 is the runtime's `Sha256`.

/** The file's bytes read sequentially from the transfer's start offset. */
export interface ByteSource {
  /** Up to `maxBytes` next bytes; fewer only at the end of the file, empty after it. */
  read(maxBytes: number): Promise<Uint8Array>;
  /**
   * The caller is done with a block `read` returned and keeps no view of it: the source may read
   * into its memory again. Fresh memory for every block costs a page fault per 4 KiB, the
   * largest part of a sender's CPU time under Bun.
   */
  release?(block: Uint8Array): void;
  close(): Promise<void>;
}

/**
 * Where received bytes go: a hidden partial file that becomes visible only on `commit`. Bytes
 * are appended strictly in order, so the file is written sequentially.
 */
export interface ByteSink {
  /** Append the parts in order after everything appended before. */
  append(parts: readonly Uint8Array[]): Promise<void>;
  /** The whole file arrived and checked: make it visible under its real name. */
  commit(): Promise<void>;
  /** Remove the partial file (its bytes are wrong). */
  discard(): Promise<void>;
  /** Stop writing but keep the partial file, so a later transfer can resume it. */
  close(): Promise<void>;
}

/**
 * One side of the TCP connection the transfer is controlled over: control lines out, the
 * peer's lines in. Several transfers may share one channel; each ignores lines for other ids.
 */
export interface ControlChannel {
  /** The peer's IP address: datagrams go to it and nowhere else. */
  readonly remoteAddress: string;
  /** The channel runs inside TLS: a sealed transfer's key may travel on it (absent: it does not). */
  readonly encrypted?: boolean;
  /** Queue one line (without its LF). */
  sendLine(line: string): void;
  /** Call `listener` with each line from the peer; returns the way to stop. */
  onLine(listener: (line: string) => void): () => void;
  /** Call `listener` once when the channel closes; returns the way to stop. */
  onClose(listener: () => void): () => void;
}
