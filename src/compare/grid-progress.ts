/**
 * The progress display of a whole comparison grid: runs done, running, queued and failed,
 * steps done of all steps, elapsed time and an ETA from the steps trained in this session
 * (runs skipped or resumed do not inflate the rate). A redrawn line on a terminal, one plain
 * line per change of a run's state (and at most one every 10 s otherwise) elsewhere.
 *
 * @module
 */
import { formatDuration, type ProgressStream } from '../core/progress.js';
import type { RunOutcome, RunProgress } from './execute-run.js';

/** A run of the grid as the display starts. */
export interface GridRun {
  /** Run id. */
  readonly id: string;
  /** Steps the run takes. */
  readonly targetSteps: number;
  /** Steps done before this session (finished or resumable runs). */
  readonly doneSteps: number;
}

/** Options of {@link GridProgress}. */
export interface GridProgressOptions {
  /** Every run of the grid with its target steps and the steps already done before this session. */
  readonly runs: readonly GridRun[];
  /** `'auto'` (bar on a TTY, lines otherwise), `'bar'`, `'lines'` or `'off'`. @defaultValue `'auto'` */
  readonly mode?: 'auto' | 'bar' | 'lines' | 'off';
  /** Output. @defaultValue `process.stderr` */
  readonly stream?: ProgressStream;
  /** Clock in ms, for tests. @defaultValue `performance.now` */
  readonly now?: () => number;
}

type RunView = { target: number; step: number; state: 'queued' | 'running' | 'done' | 'failed' | 'stopped' };

/** Progress of a comparison grid. */
export class GridProgress {
  private readonly runs = new Map<string, RunView>();
  private readonly stream: ProgressStream | null;
  private readonly bar: boolean;
  private readonly now: () => number;
  private readonly start: number;
  private readonly initialSteps: number;
  private lastDraw = -Infinity;
  private finished = false;

  /** @param options - see {@link GridProgressOptions}. */
  constructor(options: GridProgressOptions) {
    const mode = options.mode ?? 'auto';
    const stream = options.stream ?? process.stderr;
    this.stream = mode === 'off' ? null : stream;
    this.bar = mode === 'bar' || (mode === 'auto' && stream.isTTY === true);
    this.now = options.now ?? (() => performance.now());
    this.start = this.now();
    for (const r of options.runs)
      this.runs.set(r.id, {
        target: r.targetSteps,
        step: r.doneSteps,
        state: r.doneSteps >= r.targetSteps ? 'done' : 'queued',
      });
    this.initialSteps = this.steps().done;
  }

  /** A run reported progress. */
  update(progress: RunProgress): void {
    const run = this.runs.get(progress.id);
    if (run === undefined) return;
    const changed = run.state !== 'running';
    run.state = 'running';
    run.step = Math.max(run.step, progress.step);
    this.draw(changed);
  }

  /** A run ended. */
  finish(outcome: RunOutcome): void {
    const run = this.runs.get(outcome.id);
    if (run === undefined) return;
    run.state = outcome.state === 'completed' ? 'done' : outcome.state === 'failed' ? 'failed' : 'stopped';
    if (outcome.state === 'completed') run.step = run.target;
    this.draw(true);
  }

  /** Ends the display. */
  done(): void {
    if (this.stream === null || this.finished) return;
    this.finished = true;
    this.stream.write(this.bar ? `\r${this.render()}\u001b[K\n` : `${this.render()}\n`);
  }

  /** The current line. */
  render(): string {
    const counts = { queued: 0, running: 0, done: 0, failed: 0, stopped: 0 };
    for (const r of this.runs.values()) counts[r.state]++;
    const { done, total } = this.steps();
    const elapsed = (this.now() - this.start) / 1000;
    const rate = elapsed > 0 ? (done - this.initialSteps) / elapsed : 0;
    const eta = rate > 0 ? (total - done) / rate : NaN;
    const parts = [
      `runs ${counts.done}/${this.runs.size} done`,
      `${counts.running} running`,
      `${counts.queued} queued`,
      ...(counts.failed > 0 ? [`${counts.failed} failed`] : []),
      ...(counts.stopped > 0 ? [`${counts.stopped} stopped`] : []),
      `steps ${done}/${total} (${total > 0 ? ((100 * done) / total).toFixed(0) : 100}%)`,
      `${formatDuration(elapsed)} elapsed`,
      `ETA ${counts.running + counts.queued === 0 ? '0.0s' : formatDuration(eta)}`,
    ];
    return `compare: ${parts.join(' | ')}`;
  }

  private steps(): { done: number; total: number } {
    let done = 0;
    let total = 0;
    for (const r of this.runs.values()) {
      done += Math.min(r.step, r.target);
      total += r.target;
    }
    return { done, total };
  }

  private draw(changed: boolean): void {
    if (this.stream === null || this.finished) return;
    const t = this.now();
    if (this.bar) {
      if (!changed && t - this.lastDraw < 100) return;
      this.lastDraw = t;
      this.stream.write(`\r${this.render()}\u001b[K`);
    } else if (changed || t - this.lastDraw >= 10_000) {
      this.lastDraw = t;
      this.stream.write(`${this.render()}\n`);
    }
  }
}
