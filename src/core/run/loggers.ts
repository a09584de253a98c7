/**
 * Training loggers: where `fit` sends its metric rows, evaluation rows and epoch summaries.
 * {@link JsonlLogger} and {@link CsvLogger} write a folder's `metrics.*` and `evaluations.*`
 * files as training goes (the run folder uses both), {@link ConsoleLogger} prints one line per
 * epoch. Pass your own {@link TrainingLogger} in `fit`'s `loggers` to send the same rows
 * elsewhere (a database, an experiment tracker).
 *
 * @module
 */
import { join } from 'node:path';
import { fitLine, formatDuration, formatMetric, type ProgressStream } from '../progress.js';
import type { LogRow } from './format.js';
import { CsvRowFile, JsonlRowFile } from './rows.js';

/** What a {@link TrainingLogger} receives at the end of every epoch. */
export interface EpochSummary {
  /** The agent's label, e.g. `Diffusion-QL`. */
  readonly label: string;
  /** The epoch just finished (1-based over the whole run). */
  readonly epoch: number;
  /** The epoch at which the run will end. */
  readonly epochs: number;
  /** The agent's total gradient steps. */
  readonly step: number;
  /** The step count the run ends at. */
  readonly targetSteps: number;
  /** Seconds since this `fit` call started. */
  readonly seconds: number;
  /** Estimated seconds left (NaN when unknown). */
  readonly etaSeconds: number;
  /** The epoch's mean training metrics and its evaluation results (`eval/<name>`). */
  readonly values: Readonly<Record<string, number>>;
}

/**
 * A destination for training logs. Every method is called synchronously by the training loop,
 * in order: `metrics` once per log interval, `evaluation` once per epoch with evaluators,
 * `epoch` at the end of every epoch, `close` once at the end (also after an error).
 */
export interface TrainingLogger {
  /** One row of training metrics (`loss/critic`, ...). */
  metrics(row: LogRow): void;
  /** One row of evaluation results (`eval/<name>`). */
  evaluation(row: LogRow): void;
  /** The end of an epoch. */
  epoch?(summary: EpochSummary): void;
  /** Training ended; flush and release files. */
  close?(): void;
}

/** Rows a {@link JsonlLogger} or {@link CsvLogger} continues from (a resumed run). */
export interface ContinuedRows {
  /** Rows `metrics.*` already holds; the file is rewritten with exactly these first. */
  readonly metrics: readonly LogRow[];
  /** Rows `evaluations.*` already holds. */
  readonly evaluations: readonly LogRow[];
}

/**
 * Writes `metrics.jsonl` and `evaluations.jsonl` in a folder, one JSON object per line,
 * appended as rows come.
 *
 * @example
 * ```ts
 * const logger = new JsonlLogger('runs/hopper');   // the folder must exist
 * logger.metrics({ step: 100, epoch: 1, seconds: 2.5, values: { 'loss/critic': 0.41 } });
 * ```
 */
export class JsonlLogger implements TrainingLogger {
  private readonly metricsFile: JsonlRowFile;
  private readonly evaluationsFile: JsonlRowFile;

  /**
   * @param dir - an existing folder.
   * @param continued - rows to keep when continuing a run; without it the files must not exist.
   * @throws {@link ConfigError} when a file exists and `continued` is not given.
   */
  constructor(dir: string, continued?: ContinuedRows) {
    this.metricsFile = new JsonlRowFile(join(dir, 'metrics.jsonl'), rowsOption(continued?.metrics));
    this.evaluationsFile = new JsonlRowFile(join(dir, 'evaluations.jsonl'), rowsOption(continued?.evaluations));
  }

  /** Appends a metrics row. */
  metrics(row: LogRow): void {
    this.metricsFile.append(row);
  }

  /** Appends an evaluation row. */
  evaluation(row: LogRow): void {
    this.evaluationsFile.append(row);
  }
}

/**
 * Writes `metrics.csv` and `evaluations.csv` in a folder (header `step,epoch,seconds,...`),
 * appended as rows come; ready for pandas' `read_csv` or a spreadsheet.
 */
export class CsvLogger implements TrainingLogger {
  private readonly metricsFile: CsvRowFile;
  private readonly evaluationsFile: CsvRowFile;

  /**
   * @param dir - an existing folder.
   * @param continued - rows to keep when continuing a run; without it the files must not exist.
   * @throws {@link ConfigError} when a file exists and `continued` is not given.
   */
  constructor(dir: string, continued?: ContinuedRows) {
    this.metricsFile = new CsvRowFile(join(dir, 'metrics.csv'), rowsOption(continued?.metrics));
    this.evaluationsFile = new CsvRowFile(join(dir, 'evaluations.csv'), rowsOption(continued?.evaluations));
  }

  /** Appends a metrics row. */
  metrics(row: LogRow): void {
    this.metricsFile.append(row);
  }

  /** Appends an evaluation row. */
  evaluation(row: LogRow): void {
    this.evaluationsFile.append(row);
  }
}

function rowsOption(rows: readonly LogRow[] | undefined): { rows?: readonly LogRow[] } {
  return rows === undefined ? {} : { rows };
}

/**
 * The one-line summary of an epoch: the label, epoch and step, then the evaluation results
 * (what a run is judged by), the time so far and the ETA, then the training metrics. With
 * `columns`, items that do not fit are left out from the end and the line ends in `…`; without
 * it the line is complete.
 */
export function formatEpochLine(summary: EpochSummary, columns?: number): string {
  const head = `${summary.label} epoch ${summary.epoch}/${summary.epochs} step ${summary.step}/${summary.targetSteps}`;
  const entries = Object.entries(summary.values);
  const item = ([k, v]: [string, number]) => `${k}=${formatMetric(v)}`;
  return fitLine(
    head,
    [
      ...entries.filter(([k]) => k.startsWith('eval/')).map(item),
      `time=${formatDuration(summary.seconds)}`,
      `eta=${formatDuration(summary.etaSeconds)}`,
      ...entries.filter(([k]) => !k.startsWith('eval/')).map(item),
    ],
    columns,
  );
}

/** Prints one line per epoch ({@link formatEpochLine}); metric and evaluation rows are not printed. */
export class ConsoleLogger implements TrainingLogger {
  private readonly stream: ProgressStream;

  /** @param stream - where lines go. @defaultValue `process.stdout` */
  constructor(stream?: ProgressStream) {
    this.stream = stream ?? process.stdout;
  }

  /** Ignored (the epoch line carries the epoch's means). */
  metrics(): void {}

  /** Ignored (the epoch line carries the evaluation). */
  evaluation(): void {}

  /** Prints the epoch line, cut to the terminal's width on a TTY. */
  epoch(summary: EpochSummary): void {
    const columns = this.stream.isTTY === true ? (this.stream.columns ?? 80) : undefined;
    this.stream.write(`${formatEpochLine(summary, columns)}\n`);
  }
}
