/**
 * Progress on long work: a bar with loss and steps/s on a TTY, plain log lines otherwise (CI logs,
 * files), so output stays readable in both.
 */
export interface ProgressOptions {
  total: number;
  label: string;
  mode: 'auto' | 'bar' | 'lines' | 'none';
  /** Plain-line mode prints every this many steps. */
  every: number;
  stream?: NodeJS.WriteStream;
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly bar: boolean;
  private readonly start = Date.now();
  private lastDraw = 0;
  private startStep = -1;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.bar = opts.mode === 'bar' || (opts.mode === 'auto' && this.stream.isTTY === true);
  }

  update(step: number, fields: Record<string, number>): void {
    if (this.opts.mode === 'none') return;
    if (this.startStep < 0) this.startStep = step - 1;
    const done = step;
    const elapsed = (Date.now() - this.start) / 1000;
    const rate = (done - this.startStep) / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (this.opts.total - done) / rate : 0;
    const text = Object.entries(fields).map(([k, v]) => `${k} ${fmt(v)}`).join(' ');
    if (this.bar) {
      const now = Date.now();
      if (now - this.lastDraw < 100 && done < this.opts.total) return;
      this.lastDraw = now;
      const width = 24;
      const filled = Math.round((width * done) / Math.max(1, this.opts.total));
      this.stream.write(`\r${this.opts.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.opts.total} ${text} ${rate.toFixed(2)} it/s eta ${clock(eta)}\x1b[K`);
      if (done >= this.opts.total) this.stream.write('\n');
    } else if (done % this.opts.every === 0 || done >= this.opts.total) {
      this.stream.write(`${this.opts.label} step ${done}/${this.opts.total} ${text} ${rate.toFixed(2)} it/s eta ${clock(eta)}\n`);
    }
  }

  finish(): void {
    if (this.bar) this.stream.write('\n');
  }
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

function clock(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
}
