// Program output on its way to the client. A program may print every few instructions: one DAP event
// per line would flood the client and, when the client reads slower than the program prints, pile up
// unsent in the adapter's memory. Lines are batched into one event per flush, what waits is capped,
// and the lines that did not fit are counted and reported instead of shown.

/** The most text (UTF-16 units) waiting for the next flush; later lines are dropped and counted. */
export const MAX_BUFFERED_OUTPUT = 256 * 1024;
/** When the connection holds this many unsent bytes, new lines are dropped and counted. */
export const MAX_UNSENT_BYTES = 8 * 2 ** 20;
/** Output waits at most this long before it is sent (a stop or any other event sends it at once). */
export const OUTPUT_FLUSH_MS = 50;

export class ProgramOutput {
  private lines: string[] = [];
  private size = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | null = null;

  /**
   * `send` hands a batch on as one event; `unsent` tells how many bytes the connection has not
   * written yet (0 when the adapter runs inline).
   */
  constructor(private readonly send: (text: string) => void, private readonly unsent: () => number) {}

  /** A line of program output, with its newline. */
  add(text: string): void {
    if (this.size + text.length > MAX_BUFFERED_OUTPUT || this.unsent() > MAX_UNSENT_BYTES) this.dropped++;
    else { this.lines.push(text); this.size += text.length; }
    this.timer ??= setTimeout(() => this.flush(), OUTPUT_FLUSH_MS);
  }

  /** Sends what waits now, with a count of the lines dropped since the last flush. */
  flush(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.lines.length === 0 && this.dropped === 0) return;
    let text = this.lines.join('');
    if (this.dropped) text += `[${this.dropped} line${this.dropped === 1 ? '' : 's'} of program output not shown: the program prints faster than the debugger can show]\n`;
    this.lines = [];
    this.size = 0;
    this.dropped = 0;
    this.send(text);
  }
}
