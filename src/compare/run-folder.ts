/**
 * One training run's folder, in the library's run-folder format (`docs/compare.md`, "Run
 * folders"): `params.json`, `metrics.jsonl` + `metrics.csv` (one row per log interval, appended
 * as training goes), `evaluations.jsonl` + `evaluations.csv` (one row per evaluation),
 * `checkpoint/` (the latest resumable checkpoint), `best/` (optional) and `status.json`.
 * JSON files are replaced atomically; rows are appended one line per write, so a crash leaves
 * at most one partial last line, which readers report instead of trusting.
 *
 * @module
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { EngineInfo } from '../engine/index.js';

/** The `format` field of `params.json`. */
export const RUN_FOLDER_FORMAT = 'llmdpd-run';
/** The run-folder format version this code writes and reads. */
export const RUN_FOLDER_VERSION = 1;

/** `params.json`: everything that defines the run, and where it ran. */
export interface RunParams {
  /** Always {@link RUN_FOLDER_FORMAT}. */
  readonly format: typeof RUN_FOLDER_FORMAT;
  /** Always {@link RUN_FOLDER_VERSION}. */
  readonly version: number;
  /** The agent's name in the comparison (or its class name). */
  readonly agent: string;
  /** The agent's config fields (defaults aside). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The run's seed. */
  readonly seed: number;
  /** A description of the training data. */
  readonly data: Readonly<Record<string, unknown>>;
  /** The training schedule. */
  readonly fit: Readonly<Record<string, unknown>>;
  /** The library that trained it. */
  readonly library: { readonly name: string; readonly version: string };
  /** The git commit of the library's checkout, or null. */
  readonly commit: string | null;
  /** The tensor engine. */
  readonly engine: EngineInfo | null;
  /** ISO time of the first start. */
  readonly createdAt: string;
  /** Extra namespaced fields (e.g. `comparison`). */
  readonly [extra: string]: unknown;
}

/** State of a run. Only `completed` counts as finished. */
export type RunState = 'running' | 'completed' | 'stopped' | 'failed';

/** `status.json`. */
export interface RunStatus {
  /** The state. */
  readonly state: RunState;
  /** Gradient steps done (as of the last checkpoint while running). */
  readonly step: number;
  /** Gradient steps the run is meant to take. */
  readonly targetSteps: number;
  /** ISO time of the first start. */
  readonly startedAt: string;
  /** ISO time of this write. */
  readonly updatedAt: string;
  /** What went wrong (failed runs). */
  readonly error?: string;
}

/** A metrics or evaluation row: `step`, `epoch` and namespaced numbers. */
export type RunRow = Readonly<Record<string, number>>;

/** Rows read back, with what was wrong with the file (empty when intact). */
export interface RowsRead {
  /** The well-formed rows, in file order. */
  readonly rows: RunRow[];
  /** Problems found (partial or malformed lines). */
  readonly problems: string[];
}

/** The two row files of a run folder. */
export type RowFile = 'metrics' | 'evaluations';

function formatCsvValue(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? '' : String(v);
}

/** Reads and writes one run folder. */
export class RunFolder {
  private readonly headers = new Map<RowFile, string[]>();

  /** @param dir - the run's folder (created on first write). */
  constructor(readonly dir: string) {}

  /** The latest resumable checkpoint. */
  get checkpointDir(): string {
    return join(this.dir, 'checkpoint');
  }

  /** The best checkpoint (when kept). */
  get bestDir(): string {
    return join(this.dir, 'best');
  }

  /** Writes `params.json` atomically. */
  writeParams(params: RunParams): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileAtomic(join(this.dir, 'params.json'), `${JSON.stringify(params, null, 2)}\n`);
  }

  /** Writes `status.json` atomically. */
  writeStatus(status: RunStatus): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileAtomic(join(this.dir, 'status.json'), `${JSON.stringify(status, null, 2)}\n`);
  }

  /** `params.json`, or null when absent or unreadable. */
  readParams(): RunParams | null {
    return this.readJson<RunParams>('params.json');
  }

  /** `status.json`, or null when absent or unreadable. */
  readStatus(): RunStatus | null {
    return this.readJson<RunStatus>('status.json');
  }

  /** Appends a row to `metrics.jsonl` and `metrics.csv`. */
  appendMetrics(row: RunRow): void {
    this.append('metrics', row);
  }

  /** Appends a row to `evaluations.jsonl` and `evaluations.csv`. */
  appendEvaluation(row: RunRow): void {
    this.append('evaluations', row);
  }

  /** Reads the rows of `metrics.jsonl` or `evaluations.jsonl` (none when absent). */
  readRows(file: RowFile): RowsRead {
    const path = join(this.dir, `${file}.jsonl`);
    if (!existsSync(path)) return { rows: [], problems: [] };
    const text = readFileSync(path, 'utf8');
    const rows: RunRow[] = [];
    const problems: string[] = [];
    const lines = text.split('\n');
    const last = lines.pop();
    if (last !== undefined && last !== '') problems.push(`${file}.jsonl ends with a partial line`);
    lines.forEach((line, i) => {
      try {
        const row = JSON.parse(line) as unknown;
        if (
          row === null ||
          typeof row !== 'object' ||
          Array.isArray(row) ||
          !Object.values(row).every((v) => typeof v === 'number' || v === null) ||
          typeof (row as Record<string, unknown>).step !== 'number'
        )
          problems.push(`${file}.jsonl line ${i + 1} is not a row of numbers with a step`);
        else rows.push(row as RunRow);
      } catch {
        problems.push(`${file}.jsonl line ${i + 1} is not JSON`);
      }
    });
    return { rows, problems };
  }

  /**
   * Drops the rows after `step` from both row files (the rows of steps a resumed run will
   * redo), rewriting them atomically; also drops malformed lines.
   */
  truncateAfter(step: number): void {
    for (const file of ['metrics', 'evaluations'] as const) {
      const { rows, problems } = this.readRows(file);
      const kept = rows.filter((r) => r.step <= step);
      if (kept.length === rows.length && problems.length === 0) continue;
      this.rewrite(file, kept);
    }
  }

  /** Replaces a row file's content with `rows` (JSONL and CSV, atomically). */
  rewrite(file: RowFile, rows: readonly RunRow[]): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileAtomic(join(this.dir, `${file}.jsonl`), rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const header: string[] = [];
    for (const r of rows) for (const k of Object.keys(r)) if (!header.includes(k)) header.push(k);
    this.headers.set(file, header);
    writeFileAtomic(join(this.dir, `${file}.csv`), this.csv(header, rows));
  }

  private csv(header: readonly string[], rows: readonly RunRow[]): string {
    if (header.length === 0) return '';
    return `${header.join(',')}\n${rows.map((r) => `${header.map((k) => formatCsvValue(r[k])).join(',')}\n`).join('')}`;
  }

  private append(file: RowFile, row: RunRow): void {
    mkdirSync(this.dir, { recursive: true });
    appendFileSync(join(this.dir, `${file}.jsonl`), `${JSON.stringify(row)}\n`);
    const csvPath = join(this.dir, `${file}.csv`);
    let header = this.headers.get(file);
    if (header === undefined) {
      const first = existsSync(csvPath) ? readFileSync(csvPath, 'utf8').split('\n', 1)[0] : '';
      header = first === '' ? [] : first.split(',');
      this.headers.set(file, header);
    }
    if (header.length > 0 && Object.keys(row).every((k) => header.includes(k))) {
      appendFileSync(csvPath, `${header.map((k) => formatCsvValue(row[k])).join(',')}\n`);
    } else {
      // A new column: write the whole CSV again from the JSONL, which holds every row.
      this.rewrite(file, this.readRows(file).rows);
    }
  }

  private readJson<T>(name: string): T | null {
    try {
      return JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as T;
    } catch {
      return null;
    }
  }
}
