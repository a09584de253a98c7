import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';

/** A temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'llmdpd-datasets-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * One dataset to write: values, shape, and the h5wasm dtype (`<f` float32, `<d` float64, `<B` uint8, `<i` int32, `<b`
 * int8, `S` string).
 */
export interface Column {
  readonly data: ArrayLike<number> | string | string[] | number;
  readonly shape?: number[];
  readonly dtype?: string;
}

/** Writes an HDF5 file whose datasets are `columns`, keyed by path (`infos/qpos` creates the group). */
export async function writeH5(
  path: string,
  columns: Record<string, Column>,
  attrs: Record<string, string | number> = {},
): Promise<void> {
  await h5wasm.ready;
  const file = new h5wasm.File(path, 'w');
  try {
    for (const [key, col] of Object.entries(columns)) {
      const parts = key.split('/');
      let group: InstanceType<typeof h5wasm.Group> = file;
      for (const part of parts.slice(0, -1)) {
        const existing = group.get(part);
        group = existing instanceof h5wasm.Group ? existing : group.create_group(part);
      }
      group.create_dataset({
        name: parts[parts.length - 1],
        data: col.data as never,
        ...(col.shape === undefined ? {} : { shape: col.shape }),
        ...(col.dtype === undefined ? {} : { dtype: col.dtype }),
      });
    }
    for (const [k, v] of Object.entries(attrs)) file.create_attribute(k, v);
  } finally {
    file.close();
  }
}

/** Row-major float32 values where row r, column c holds `r + c / 100` (distinct, exactly comparable). */
export function rows(n: number, dim: number, offset = 0): Float32Array {
  const out = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) for (let c = 0; c < dim; c++) out[r * dim + c] = offset + r + c / 100;
  return out;
}

/** Row `r` of a row-major array. */
export function row(values: ArrayLike<number>, r: number, dim: number): number[] {
  return Array.from({ length: dim }, (_, c) => values[r * dim + c]);
}

/**
 * The columns of a small D4RL file: `n` rows, obs dim 3, act dim 2, observations[r] = r + c/100,
 * next_observations[r] = observations[r] + 1000 (so a derived s' and a stored s' differ).
 */
export function d4rlColumns(
  n: number,
  flags: { terminals?: number[]; timeouts?: number[] } = {},
): Record<string, Column> {
  const terminals = new Uint8Array(n);
  const timeouts = new Uint8Array(n);
  for (const t of flags.terminals ?? []) terminals[t] = 1;
  for (const t of flags.timeouts ?? []) timeouts[t] = 1;
  return {
    observations: { data: rows(n, 3), shape: [n, 3], dtype: '<f' },
    next_observations: { data: rows(n, 3, 1000), shape: [n, 3], dtype: '<f' },
    actions: { data: rows(n, 2, 0.5), shape: [n, 2], dtype: '<f' },
    rewards: { data: Float32Array.from({ length: n }, (_, i) => i * 10), shape: [n], dtype: '<f' },
    terminals: { data: terminals, shape: [n], dtype: '<B' },
    timeouts: { data: timeouts, shape: [n], dtype: '<B' },
  };
}
