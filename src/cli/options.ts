/**
 * Parsing and checking command-line values: numbers, seed lists and output paths. Every check
 * runs before any work starts (no dataset is loaded for a run whose output folder would be
 * refused), and every failure is a {@link UsageError}: one line, exit code 2.
 *
 * @module
 */
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A mistake on the command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An integer >= `min` from an option's text. @throws {@link UsageError} otherwise. */
export function parseInteger(option: string, value: string, min: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${option} must be an integer >= ${min}, got "${value}".`);
  return n;
}

/**
 * A comma-separated list of distinct integers >= 0 (`0,1,2`).
 * @throws {@link UsageError} on an empty list or item, a non-integer or a repeated value.
 */
export function parseSeedList(option: string, value: string): number[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === ''))
    throw new UsageError(
      `${option} must be a comma-separated list of integers >= 0 with no empty item, got "${value}".`,
    );
  const seeds = items.map((s) => parseInteger(option, s, 0));
  const repeated = seeds.filter((s, i) => seeds.indexOf(s) !== i);
  if (repeated.length > 0)
    throw new UsageError(`${option} lists ${repeated[0]} more than once ("${value}"); give each seed once.`);
  return seeds;
}

/** A comma-separated list of distinct non-empty names. @throws {@link UsageError} on an empty or repeated item. */
export function parseNameList(option: string, value: string): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === ''))
    throw new UsageError(`${option} must be a comma-separated list with no empty item, got "${value}".`);
  const repeated = items.filter((s, i) => items.indexOf(s) !== i);
  if (repeated.length > 0) throw new UsageError(`${option} lists "${repeated[0]}" more than once; give each once.`);
  return items;
}

/** The nearest existing folder at or above `path`. */
function existingAncestor(path: string): string {
  let p = resolve(path);
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  return p;
}

function checkWritable(option: string, path: string): void {
  const ancestor = existingAncestor(path);
  if (!statSync(ancestor).isDirectory())
    throw new UsageError(`${option} ${path}: ${ancestor} is a file, so the folder cannot be created there.`);
  try {
    accessSync(ancestor, constants.W_OK);
  } catch {
    throw new UsageError(`${option} ${path}: ${ancestor} is not writable; choose another place.`);
  }
}

/**
 * Checks that `path` can become a new output folder: missing or empty (or, with `existing:
 * 'allow'`, any folder), not a file, and creatable where it would go.
 * @throws {@link UsageError} otherwise.
 */
export function checkOutputFolder(option: string, path: string, existing: 'refuse' | 'allow' = 'refuse'): void {
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) throw new UsageError(`${option} ${path} is a file; give a folder.`);
    if (existing === 'refuse' && readdirSync(path).length > 0)
      throw new UsageError(
        `${option} ${path} already exists and is not empty; choose a new folder (nothing on disk is overwritten), or pass --resume to continue the run in it.`,
      );
  }
  checkWritable(option, path);
}

/**
 * Checks that `path` can be written as an output file: not a folder, not an existing file
 * unless `overwrite`, and creatable where it would go.
 * @throws {@link UsageError} otherwise.
 */
export function checkOutputFile(option: string, path: string, overwrite: boolean): void {
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) throw new UsageError(`${option} ${path} is a folder; give a file name.`);
    if (!overwrite) throw new UsageError(`${option} ${path} already exists; pass --force to replace it.`);
  }
  checkWritable(option, dirname(resolve(path)));
}
