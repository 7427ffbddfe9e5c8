// In a pipe, a line the client refuses itself (an unknown /command, a line too long) is known
// at once, while the server's replies to the lines before it are still on their way: printed
// at once, the local error would come out before them, and a script reading the output could
// not tell which input line it belongs to. So a local error that follows lines sent to the
// server waits for a barrier: a LIMITS request queued behind those lines, which the server
// answers in order, after them. Its answer is swallowed, and the waiting errors are printed.

export class OrderedLocalErrors {
  private sentSinceBarrier = false;
  /** Per barrier in flight, in order: the reports waiting for its answer. */
  private readonly waiting: Array<Array<() => void>> = [];

  /** `sendBarrier` queues the request behind what was sent; false when it can no longer be sent. */
  constructor(private readonly sendBarrier: () => boolean) {}

  /** A line went to the server. */
  lineSent(): void {
    this.sentSinceBarrier = true;
  }

  /** Print a local error now, or once the server has answered every line sent before it. */
  report(print: () => void): void {
    if (this.sentSinceBarrier) {
      this.sentSinceBarrier = false;
      if (this.sendBarrier()) {
        this.waiting.push([print]);
        return;
      }
      // The connection is ending: nothing more will be answered.
      this.flush();
      print();
      return;
    }
    const last = this.waiting.at(-1);
    if (last) last.push(print);
    else print();
  }

  /** The answer to a LIMITS request came: true, after printing what waited, when it was a barrier's. */
  answered(): boolean {
    const reports = this.waiting.shift();
    if (!reports) return false;
    for (const print of reports) print();
    return true;
  }

  /** Print everything still waiting (the connection closed). */
  flush(): void {
    while (this.answered());
  }
}
