/**
 * The property every fuzz case checks: loading a damaged file ends, within a time limit, either
 * in a valid load or in an error of the library's hierarchy (`RlError`), never in a TypeError,
 * a RangeError, a raw HDF5 dump, a crash or a hang. Seeded and deterministic: set
 * `LLMDPD_FUZZ_SEED` to explore other cases and `LLMDPD_FUZZ_SCALE` (e.g. 10) to run more.
 */
import { existsSync, readdirSync } from 'node:fs';
import { RlError } from '../../src/core/errors.js';

/** The seed of every property (fixed, so CI runs the same cases every time). */
export const FUZZ_SEED = Number(process.env['LLMDPD_FUZZ_SEED'] ?? 20250916);

/** Multiplier of every case count. */
export const FUZZ_SCALE = Number(process.env['LLMDPD_FUZZ_SCALE'] ?? 1);

/** Longest a single case may take. A valid small file loads in milliseconds. */
export const CASE_TIME_LIMIT_MS = 5000;

/** `n` scaled by {@link FUZZ_SCALE}. */
export function runs(n: number): number {
  return Math.max(1, Math.round(n * FUZZ_SCALE));
}

/** Outcome counts of one property, for the summary line and the sanity checks. */
export class Tally {
  loaded = 0;
  refused = 0;
  slowestMs = 0;
  readonly errorClasses = new Map<string, number>();
  private readonly startedAt = performance.now();
  private readonly cpuAtStart = process.cpuUsage();

  /** `loaded N, refused M (DatasetError 12, ...), slowest case X ms, W s wall, C s CPU`. */
  summary(): string {
    const classes = [...this.errorClasses.entries()].map(([k, v]) => `${k} ${v}`).join(', ');
    const cpu = process.cpuUsage(this.cpuAtStart);
    const wall = (performance.now() - this.startedAt) / 1000;
    return (
      `loaded ${this.loaded}, refused ${this.refused} (${classes}), slowest case ${this.slowestMs.toFixed(0)} ms, ` +
      `${wall.toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`
    );
  }
}

/**
 * Runs `load` and records its outcome.
 * @param label - the case, printed when the property fails.
 * @param limitMs - the time limit of the case.
 * @throws Error when `load` throws anything but an `RlError`, or takes longer than the limit.
 */
export async function expectLoadOrTypedError(
  tally: Tally,
  label: string,
  load: () => unknown,
  limitMs = CASE_TIME_LIMIT_MS,
): Promise<void> {
  const started = performance.now();
  let error: unknown;
  try {
    await load();
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - started;
  tally.slowestMs = Math.max(tally.slowestMs, ms);
  if (ms > limitMs) throw new Error(`${label}: took ${ms.toFixed(0)} ms (limit ${limitMs} ms)`);
  if (error === undefined) {
    tally.loaded++;
    return;
  }
  if (!(error instanceof RlError)) {
    const field = (key: string): string => {
      const v: unknown = typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[key] : error;
      return typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined');
    };
    throw new Error(`${label}: threw ${field('name')} instead of an RlError: ${field('message')}\n${field('stack')}`);
  }
  tally.refused++;
  tally.errorClasses.set(error.name, (tally.errorClasses.get(error.name) ?? 0) + 1);
}

/** Open file descriptors of this process (Linux), or `undefined` elsewhere. */
export function openDescriptors(): number | undefined {
  return existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : undefined;
}
