/**
 * Progress on stderr, so stdout carries only the results table. On a terminal one line is
 * redrawn every second; elsewhere (CI logs, pipes) each phase prints one line when it starts
 * and one when it ends.
 */
export class ProgressDisplay {
  private readonly live: boolean;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.live = Boolean(out.isTTY);
  }

  note(message: string): void {
    this.out.write(`${message}\n`);
  }

  /** Shows a timed phase; `completed` is polled once a second. Call the returned function when done. */
  phase(label: string, seconds: number, completed: () => number): (summary: string) => void {
    const started = process.hrtime.bigint();
    const line = (): string => {
      const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
      return `${label}: ${Math.min(elapsed, seconds).toFixed(0)}/${seconds} s, ${completed().toLocaleString('en-US')} done`;
    };
    if (!this.live) this.out.write(`${label}: ${seconds} s ...\n`);
    const timer = this.live ? setInterval(() => this.out.write(`\r\x1b[2K${line()}`), 1000) : undefined;
    return (summary) => {
      if (timer) clearInterval(timer);
      this.out.write(`${this.live ? '\r\x1b[2K' : ''}${label}: ${summary}\n`);
    };
  }
}
