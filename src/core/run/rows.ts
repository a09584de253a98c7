/**
 * Row files of a run folder: JSON Lines and CSV files that grow by one row at a time. A row is
 * appended (and handed to the operating system) as soon as it exists, so a process killed
 * mid-run leaves every earlier row readable; only the line being written can be cut short,
 * which the reader reports instead of failing. The CSV header is the union of the keys seen so
 * far: a key that appears late rewrites the file (atomically) with the wider header.
 *
 * @module
 */
import { appendFileSync, existsSync } from 'node:fs';
import { writeFileAtomic } from '../atomic-file.js';
import { ConfigError } from '../errors.js';
import type { LogRow } from './format.js';

/** The three columns every row has, in file order. */
export const ROW_BASE_KEYS = ['step', 'epoch', 'seconds'] as const;

/** A row as one JSON line (no newline); non-finite numbers become `null`. */
export function rowToJson(row: LogRow): string {
  const flat: Record<string, number | null> = {};
  const put = (k: string, v: number) => (flat[k] = Number.isFinite(v) ? v : null);
  put('step', row.step);
  put('epoch', row.epoch);
  put('seconds', row.seconds);
  for (const [k, v] of Object.entries(row.values)) if (!(ROW_BASE_KEYS as readonly string[]).includes(k)) put(k, v);
  return JSON.stringify(flat);
}

/** One CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A number as pandas and spreadsheets read it back: shortest round-trip text, `NaN`, `inf`, `-inf`. */
export function csvNumber(v: number | undefined): string {
  if (v === undefined) return '';
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

function refuseExisting(path: string, what: string): void {
  if (existsSync(path)) {
    throw new ConfigError(
      `${what}: ${path} already exists; pass the rows it holds (\`rows\`) to continue it, or choose a new file, so that no earlier log is lost.`,
    );
  }
}

/** Options of the row files. */
export interface RowFileOptions {
  /**
   * Rows the file already holds, for continuing a run: the file is rewritten (atomically) with
   * exactly these rows first. Without it the file must not exist yet.
   */
  readonly rows?: readonly LogRow[];
}

/** A JSON Lines file of {@link LogRow}s, one per line, appended as they come. */
export class JsonlRowFile {
  /**
   * Creates the file (with `options.rows`, if any).
   * @throws {@link ConfigError} when the file exists and no `rows` are given.
   */
  constructor(
    /** Path of the file. */
    readonly path: string,
    options: RowFileOptions = {},
  ) {
    if (options.rows === undefined) refuseExisting(path, 'JsonlRowFile');
    const rows = options.rows ?? [];
    writeFileAtomic(path, rows.map((r) => `${rowToJson(r)}\n`).join(''));
  }

  /** Appends one row. */
  append(row: LogRow): void {
    appendFileSync(this.path, `${rowToJson(row)}\n`);
  }
}

/** A CSV file of {@link LogRow}s with a header line; columns are `step,epoch,seconds` and then every key seen, in order of appearance. */
export class CsvRowFile {
  private readonly rows: LogRow[] = [];
  private readonly columns: string[] = [];

  /**
   * Creates the file (header and `options.rows`, if any).
   * @throws {@link ConfigError} when the file exists and no `rows` are given.
   */
  constructor(
    /** Path of the file. */
    readonly path: string,
    options: RowFileOptions = {},
  ) {
    if (options.rows === undefined) refuseExisting(path, 'CsvRowFile');
    for (const row of options.rows ?? []) {
      this.rows.push(row);
      this.addColumns(row);
    }
    this.rewrite();
  }

  /** Appends one row; a row with a new key rewrites the file with the wider header. */
  append(row: LogRow): void {
    this.rows.push(row);
    if (this.addColumns(row)) this.rewrite();
    else appendFileSync(this.path, this.line(row));
  }

  private addColumns(row: LogRow): boolean {
    let added = false;
    for (const k of Object.keys(row.values)) {
      if ((ROW_BASE_KEYS as readonly string[]).includes(k) || this.columns.includes(k)) continue;
      this.columns.push(k);
      added = true;
    }
    return added;
  }

  private line(row: LogRow): string {
    const cells = [row.step, row.epoch, row.seconds].map(csvNumber);
    for (const k of this.columns) cells.push(csvNumber(row.values[k]));
    return `${cells.join(',')}\n`;
  }

  private rewrite(): void {
    const header = [...ROW_BASE_KEYS, ...this.columns].map(csvField).join(',');
    writeFileAtomic(this.path, `${header}\n${this.rows.map((r) => this.line(r)).join('')}`);
  }
}
