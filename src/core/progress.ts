/**
 * Progress reporting for long work (training, dataset generation, benchmarks): a bar redrawn
 * in place on a terminal, plain lines otherwise (CI logs, files), nothing when disabled. Writes
 * to a stream it is given, so tests can capture it.
 *
 * On a terminal every line is cut to the terminal's width (read at each draw, so a resized
 * window is followed): a line one column too long wraps, and the next `\r` then redraws only
 * its second half, leaving a new line on screen at every update. Items that do not fit are
 * dropped from the end and replaced by `…`; the label, the counts and the ETA come first.
 *
 * Why not cli-progress or log-update: both redraw well, but neither prints the
 * one-line-per-epoch log that training needs when the output is not a terminal, and this
 * module's whole job (a width-fitted line, `\r` and erase-to-end) is the 150 lines below with a
 * fake terminal test (`test/core/progress.test.ts`), where a dependency would add its own
 * stream handling and its own non-TTY behaviour.
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

/** Terminal width assumed when a TTY does not report one. */
export const DEFAULT_COLUMNS = 80;

/** Formats seconds as `1h02m`, `3m05s` or `12.3s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Formats a metric with 4 significant digits (`0.4100`, `-152.3`), in exponent form below 1e-3 or from 1e4 on. */
export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const a = Math.abs(value);
  return a >= 1e4 || (a < 1e-3 && a !== 0) ? value.toExponential(2) : value.toPrecision(4);
}

/**
 * Joins `head` and `items` with spaces. With `columns`, the result has at most `columns - 1`
 * characters: items that do not fit are left out from the first that does not fit on, and `…`
 * marks the cut (a head longer than the line is cut too). Without `columns`, nothing is cut.
 */
export function fitLine(head: string, items: readonly string[], columns?: number): string {
  const full = [head, ...items].join(' ');
  if (columns === undefined) return full;
  const max = Math.max(2, Math.floor(columns) - 1);
  if (full.length <= max) return full;
  if (head.length + 2 > max) return `${head.slice(0, max - 1)}…`;
  let line = head;
  for (const item of items) {
    if (line.length + 1 + item.length + 2 > max) break;
    line += ` ${item}`;
  }
  return `${line} …`;
}

/** `key=value` items, evaluation results (`eval/...`) first. */
function metricItems(metrics: Readonly<Record<string, number>>): string[] {
  const entries = Object.entries(metrics);
  return [...entries.filter(([k]) => k.startsWith('eval/')), ...entries.filter(([k]) => !k.startsWith('eval/'))].map(
    ([k, v]) => `${k}=${formatMetric(v)}`,
  );
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
  private shown: Readonly<Record<string, number>> = {};
  private drawn = false;
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

  /** True when this reporter redraws a bar in place (a terminal, or mode `'bar'`). */
  get drawsBar(): boolean {
    return this.stream !== null && this.bar;
  }

  /** Seconds since the reporter was created. */
  get elapsedSeconds(): number {
    return (this.now() - this.start) / 1000;
  }

  /** Estimated seconds left at the rate so far (NaN before any progress). */
  etaSeconds(done: number = this.current): number {
    const elapsed = this.elapsedSeconds;
    const rate = elapsed > 0 ? done / elapsed : 0;
    return rate > 0 ? Math.max(0, this.options.total - done) / rate : NaN;
  }

  /**
   * Reports that `done` units are complete, with metrics to show (evaluation results named
   * `eval/...` are shown first). On a TTY the bar is redrawn at most 10 times a second; in
   * line mode a line is printed for every call, so call it once per epoch there, or use
   * {@link Progress.log} for lines and call `update` only when {@link Progress.drawsBar}.
   */
  update(done: number, metrics: Readonly<Record<string, number>> = {}): void {
    if (this.stream === null || this.finished) return;
    this.current = done;
    this.shown = metrics;
    const t = this.now();
    if (this.bar && t - this.lastDraw < 100 && done < this.options.total) return;
    this.lastDraw = t;
    const line = this.render(done, metrics, t);
    if (this.bar) {
      this.stream.write(`\r${line}\u001b[K`);
      this.drawn = true;
    } else this.stream.write(`${line}\n`);
  }

  /**
   * Prints a line that stays (an epoch summary): above the bar on a TTY (the bar is redrawn
   * below it, and the line is cut to the width), as a plain line otherwise.
   */
  log(line: string): void {
    if (this.stream === null) return;
    if (!this.bar) {
      this.stream.write(`${line}\n`);
      return;
    }
    const [first = '', ...words] = line.split(' ');
    const fitted = fitLine(first, words, this.columns()); // cut between words, never inside a value
    const redraw = this.drawn && !this.finished ? `${this.render(this.current, this.shown, this.now())}\u001b[K` : '';
    this.stream.write(`\r${fitted}\u001b[K\n${redraw}`);
  }

  /** Finishes the bar (moves to a new line on a TTY). Further updates are ignored. */
  done(metrics: Readonly<Record<string, number>> = this.shown): void {
    if (this.stream === null || this.finished) return;
    if (this.bar && this.drawn) this.stream.write(`\r${this.render(this.current, metrics, this.now())}\u001b[K\n`);
    this.finished = true;
  }

  private columns(): number {
    const c = this.stream?.columns;
    return typeof c === 'number' && c > 0 ? c : DEFAULT_COLUMNS;
  }

  private render(done: number, metrics: Readonly<Record<string, number>>, t: number): string {
    const total = this.options.total;
    const elapsed = (t - this.start) / 1000;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? (total - done) / rate : NaN;
    const counts = `${done}/${total}`;
    const timing = `${formatDuration(elapsed)}<${formatDuration(eta)}, ${rate.toFixed(1)}/s`;
    const items = metricItems(metrics);
    if (!this.bar) return fitLine(`${this.options.label} ${counts} (${(fraction * 100).toFixed(0)}%) ${timing}`, items);
    const columns = this.columns();
    const text = `${counts} ${(fraction * 100).toFixed(0)}% ${timing}`;
    // Priority: label, counts and ETA, then evaluation results, then the bar (half of what is
    // left, 5 to 30 wide), then training metrics.
    const evalWidth = items.filter((i) => i.startsWith('eval/')).reduce((n, i) => n + 1 + i.length, 0);
    const free = columns - 1 - this.options.label.length - 1 - text.length - evalWidth;
    const width = Math.min(30, Math.floor((free - 3) / 2));
    const filled = Math.round(fraction * Math.max(0, width));
    const bar = width >= 5 ? ` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}]` : '';
    return fitLine(`${this.options.label}${bar} ${text}`, items, columns);
  }
}
