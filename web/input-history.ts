// What was sent, for Up and Down in the message box, as a shell keeps it.
const MAX_ENTRIES = 100;

export class InputHistory {
  private readonly entries: string[] = [];
  /** Position while browsing; entries.length means "the line being typed". */
  private position = 0;
  private draft = '';

  add(line: string): void {
    if (line !== this.entries.at(-1)) this.entries.push(line);
    if (this.entries.length > MAX_ENTRIES) this.entries.shift();
    this.position = this.entries.length;
    this.draft = '';
  }

  /** The older entry (Up), or undefined at the oldest. */
  older(current: string): string | undefined {
    if (this.position === 0) return undefined;
    if (this.position === this.entries.length) this.draft = current;
    return this.entries[--this.position];
  }

  /** The newer entry (Down), back to what was being typed. */
  newer(): string | undefined {
    if (this.position >= this.entries.length) return undefined;
    this.position++;
    return this.position === this.entries.length ? this.draft : this.entries[this.position];
  }
}
