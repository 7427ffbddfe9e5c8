// One-time upload tickets, asked for on the chat WebSocket. An upload is a separate HTTP
// request that the server cannot tie to this page's chat user by itself; the page sends `TICKET`
// on its chat connection and hands the answer to the POST (X-Netchat-Ticket), so the server
// announces the file under our name and counts it against our transfers. Answers come in the
// order asked, so the oldest waiting upload takes the next ticket.
const WAIT_MS = 10_000;

export class UploadTickets {
  private readonly waiting: Array<(token: string | undefined) => void> = [];

  /** `send` puts one line on the chat socket; false when it is not open. */
  constructor(private readonly send: (line: string) => boolean) {}

  /** A ticket, or undefined (not connected, no answer in time): the upload then goes as a guest's. */
  request(): Promise<string | undefined> {
    return new Promise((resolve) => {
      if (!this.send('TICKET')) return resolve(undefined);
      let settled = false;
      const settle = (token: string | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const at = this.waiting.indexOf(settle);
        if (at !== -1) this.waiting.splice(at, 1);
        resolve(token);
      };
      const timer = setTimeout(() => settle(undefined), WAIT_MS);
      this.waiting.push(settle);
    });
  }

  /** A `TICKET <token> <ttl>` line arrived. */
  received(token: string): void {
    this.waiting[0]?.(token);
  }

  /** The chat connection dropped: its tickets are gone with it. */
  dropped(): void {
    for (const settle of [...this.waiting]) settle(undefined);
  }
}
