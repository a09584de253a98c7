/**
 * The shape of a corpus case and the helpers the case files share. A case builds its bad input
 * from a valid file in a fresh folder, runs one library call on it, and states the outcome:
 * an error of a given class whose message contains a given fragment, or a correct load
 * (checked by the case). The issue classes are those of the reliability issue: 1 data loss
 * between saves, 2 trusted headers (buffer saves and agent checkpoints), 3 non-finite values in
 * and out (act, policy, fit), 4 command-line arguments and output paths, 5 special files, 6 path
 * escapes, 7 smaller (HDF5 sizes and headers,
 * Minari spaces, infeasible suite tasks, wrong messages).
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RlError } from '../../src/core/errors.js';
import { MANIFEST_FILE } from '../../src/core/column-store.js';

/** The issue class a case belongs to (4: the command line). */
export type IssueClass = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** What a command-line case's `run` returns: the exit code and what was printed. */
export interface CliOutcome {
  /** Exit code. */
  readonly code: number;
  /** Standard output. */
  readonly out: string;
  /** Standard error. */
  readonly err: string;
}

/**
 * What a case must end in: a typed error, a correct load, or (command-line cases, whose `run`
 * returns a {@link CliOutcome}) an exit code with a one-line message on stderr.
 */
export type Expected =
  | { readonly error: new (...args: never[]) => RlError; readonly message: RegExp }
  | { readonly loads: true }
  | { readonly exitCode: number; readonly stderr: RegExp };

/** One corpus case. */
export interface CorpusCase {
  /** Unique id, `<class>-<slug>`. */
  readonly id: string;
  /** The issue class. */
  readonly issueClass: IssueClass;
  /** Needs POSIX special files (mkfifo, /dev/zero); skipped elsewhere. */
  readonly posixOnly?: boolean;
  /**
   * Builds the input in `dir` (a fresh folder) and runs the library call. For a `loads` case,
   * it also checks the result, throwing when it is wrong.
   */
  readonly run: (dir: string) => unknown;
  /** The expected outcome. */
  readonly expected: Expected;
}

/** Shorthand for an expected error. */
export function fails(error: new (...args: never[]) => RlError, message: RegExp): Expected {
  return { error, message };
}

/** Shorthand for a command that must exit with `exitCode` and one stderr line matching `stderr`. */
export function exits(exitCode: number, stderr: RegExp): Expected {
  return { exitCode, stderr };
}

/** Shorthand for an expected correct load. */
export const LOADS: Expected = { loads: true };

/** Whether the platform has FIFOs and /dev/zero. */
export const HAS_POSIX_SPECIAL_FILES = process.platform !== 'win32' && existsSync('/dev/zero');

/** Creates a FIFO (named pipe) at `path`. */
export function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

/** Makes `path` a symbolic link to /dev/zero, an endless character device. */
export function linkToDevZero(path: string): void {
  symlinkSync('/dev/zero', path);
}

/** A column store's manifest (as the cases edit it). */
export interface Manifest {
  dataFile: string;
  columns: { name: string; dtype: string; shape: number[]; byteOffset: number; byteLength: number; sha256: string }[];
  [key: string]: unknown;
}

/** Reads the manifest of the save in `dir`. */
export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
}

/** Writes `m` as the manifest of the save in `dir`; `raw` replaces values by literal JSON text. */
export function writeManifest(dir: string, m: Manifest, raw: Record<string, string> = {}): void {
  let text = JSON.stringify(m);
  for (const [placeholder, literal] of Object.entries(raw)) text = text.replace(JSON.stringify(placeholder), literal);
  writeFileSync(join(dir, MANIFEST_FILE), text);
}

/**
 * Edits one column of the save in `dir` in place and recomputes every checksum, so the damage
 * passes the checksum test and must be caught by validation.
 */
export function editColumn(dir: string, name: string, edit: (view: DataView, count: number) => void): void {
  const m = readManifest(dir);
  const dataPath = join(dir, m.dataFile);
  const data = readFileSync(dataPath);
  const c = m.columns.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no column ${name}`);
  const size = c.dtype === 'uint8' ? 1 : 4;
  edit(new DataView(data.buffer, data.byteOffset + c.byteOffset, c.byteLength), c.byteLength / size);
  for (const col of m.columns)
    col.sha256 = createHash('sha256')
      .update(data.subarray(col.byteOffset, col.byteOffset + col.byteLength))
      .digest('hex');
  writeFileSync(dataPath, data);
  writeManifest(dir, m);
}
