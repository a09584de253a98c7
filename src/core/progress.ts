/**
 * Progress reporting for long work (training, dataset generation, benchmarks): a redrawn bar
 * with a rate and an ETA on a terminal, one plain line per update otherwise (CI logs, files),
 * and nothing when disabled. Writes to a stream it is given, so tests can capture it.
 *
 * @module
 */

/** Where progress text goes: anything with `write` and an optional TTY flag (e.g. `process.stderr`). */
export interface ProgressStream {
  /** Writes text. */
  write(text: string): unknown;
  /** True when the stream is a terminal (redraws are possible). */
  readonly isTTY?: boolean;
  /** Terminal width in columns, when known. */
  readonly columns?: number;
}

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** Total units of work (steps, episodes, ...). */
  readonly total: number;
  /** Label shown before the bar. */
  readonly label: string;
  /** Output stream. @defaultValue `process.stderr` */
  readonly stream?: ProgressStream;
  /**
   * `'auto'` draws a bar on a TTY and plain lines otherwise; `'bar'` and `'lines'` force one
   * style; `'off'` prints nothing. @defaultValue `'auto'`
   */
  readonly mode?: 'auto' | 'bar' | 'lines' | 'off';
  /** Clock in ms, for tests. @defaultValue `performance.now` */
  readonly now?: () => number;
}

/** Formats seconds as `1h02m`, `3m05s` or `12.3s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * A progress reporter.
 *
 * @example
 * ```ts
 * const progress = new Progress({ total: 1000, label: 'train' });
 * for (let step = 1; step <= 1000; step++) progress.update(step, { loss: 0.1 });
 * progress.done();
 * ```
 */
export class Progress {
  private readonly stream: ProgressStream | null;
  private readonly bar: boolean;
  private readonly now: () => number;
  private readonly start: number;
  private lastDraw = -Infinity;
  private current = 0;
  private finished = false;

  /** @param options - see {@link ProgressOptions}. */
  constructor(private readonly options: ProgressOptions) {
    const mode = options.mode ?? 'auto';
    const stream = options.stream ?? process.stderr;
    this.stream = mode === 'off' ? null : stream;
    this.bar = mode === 'bar' || (mode === 'auto' && stream.isTTY === true);
    this.now = options.now ?? (() => performance.now());
    this.start = this.now();
  }

  /**
   * Reports that `done` units are complete, with optional metrics to show. On a TTY the bar is
   * redrawn at most 10 times a second; in line mode a line is printed for every call, so call
   * it once per epoch there.
   */
  update(done: number, metrics: Record<string, number> = {}): void {
    if (this.stream === null || this.finished) return;
    this.current = done;
    const t = this.now();
    if (this.bar && t - this.lastDraw < 100 && done < this.options.total) return;
    this.lastDraw = t;
    const line = this.render(done, metrics, t);
    this.stream.write(this.bar ? `\r${line}\u001b[K` : `${line}\n`);
  }

  /** Finishes the bar (moves to a new line on a TTY). Further updates are ignored. */
  done(metrics: Record<string, number> = {}): void {
    if (this.stream === null || this.finished) return;
    if (this.bar) this.stream.write(`\r${this.render(this.current, metrics, this.now())}\u001b[K\n`);
    this.finished = true;
  }

  private render(done: number, metrics: Record<string, number>, t: number): string {
    const total = this.options.total;
    const elapsed = (t - this.start) / 1000;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? (total - done) / rate : NaN;
    const shown = Object.entries(metrics)
      .map(
        ([k, v]) =>
          `${k}=${Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(4)}`,
      )
      .join(' ');
    const counts = `${done}/${total}`;
    const timing = `${formatDuration(elapsed)}<${formatDuration(eta)}, ${rate.toFixed(1)}/s`;
    if (!this.bar)
      return `${this.options.label} ${counts} (${(fraction * 100).toFixed(0)}%) ${timing}${shown ? ` ${shown}` : ''}`;
    const width = Math.max(10, Math.min(30, (this.stream?.columns ?? 80) - 70));
    const filled = Math.round(fraction * width);
    return `${this.options.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${counts} ${timing}${shown ? ` ${shown}` : ''}`;
  }
}
