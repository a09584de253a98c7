/**
 * Writing and reading exported policies on disk (Node): the artefact is a column-store folder
 * (`src/core/column-store.ts`) of format {@link POLICY_FORMAT}: `manifest.json` (the acting rule,
 * scalers, condition and random state; `docs/export.md`) and one checksummed `data-<hash>.bin`
 * of float32 weights, written atomically, so a failed export leaves the previous one in force.
 * The runtime (`runtime.ts`) reads the same two files in a browser.
 *
 * @module
 */
import { readColumnStore, writeColumnStore, type ColumnToWrite } from '../core/column-store.js';
import {
  createPolicy,
  POLICY_FORMAT,
  POLICY_FORMAT_VERSION,
  type PolicyManifest,
  type RuntimePolicy,
} from './runtime.js';

/** A weight tensor of an exported policy. */
export interface PolicyTensor {
  /** Shape; the product is `data.length`. */
  readonly shape: readonly number[];
  /** Row-major values. */
  readonly data: Float32Array;
}

/** The manifest fields the exporter writes (the column store adds the file fields). */
export type PolicyHeader = Omit<
  PolicyManifest,
  'format' | 'formatVersion' | 'dataFile' | 'dataBytes' | 'byteOrder' | 'columns'
>;

/** What an export wrote. */
export interface PolicyExportSummary {
  /** The folder. */
  readonly dir: string;
  /** The agent class. */
  readonly agent: string;
  /** The acting rule's kind. */
  readonly acting: string;
  /** Number of weight tensors. */
  readonly tensors: number;
  /** Number of float32 values in them. */
  readonly values: number;
  /** Size of the weights file in bytes (before alignment padding). */
  readonly bytes: number;
}

/**
 * Writes an exported policy to `dir`, atomically.
 * @throws {@link SaveConflictError} when `dir` holds a save of another kind (a checkpoint, a run
 * folder, ...); {@link DatasetError} when writing fails (the previous export stays in force).
 */
export function writePolicyArtefact(
  dir: string,
  header: PolicyHeader,
  tensors: Readonly<Record<string, PolicyTensor>>,
): PolicyExportSummary {
  const columns: ColumnToWrite[] = Object.entries(tensors).map(([name, t]) => ({
    name,
    dtype: 'float32',
    shape: [...t.shape],
    data: t.data,
  }));
  writeColumnStore(
    dir,
    { format: POLICY_FORMAT, formatVersion: POLICY_FORMAT_VERSION, ...header },
    columns,
    {},
    'the exported policy',
  );
  const values = columns.reduce((n, c) => n + c.data.length, 0);
  return { dir, agent: header.agent, acting: header.acting.kind, tensors: columns.length, values, bytes: 4 * values };
}

/**
 * Loads an exported policy from its folder in Node, with every column's checksum checked, and
 * returns the runtime's policy (the same object `loadPolicy(url)` gives in a browser).
 * @throws {@link DatasetError} when the folder holds no policy, or a file is damaged;
 * `PolicyRuntimeError` when the manifest and the weights do not fit together.
 */
export function loadExportedPolicy(dir: string): RuntimePolicy {
  const { manifest, bytes } = readColumnStore(
    dir,
    {
      format: POLICY_FORMAT,
      formatVersion: POLICY_FORMAT_VERSION,
      what: 'an exported policy',
      loader: 'loadExportedPolicy',
    },
    {},
    (r) => {
      // The column store has checked the columns list and the data file's size.
      const m = r.manifest as unknown as PolicyManifest;
      const out = new Uint8Array(m.dataBytes);
      for (const c of m.columns) {
        const values = r.column(c.name, 'float32', c.shape);
        out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), c.byteOffset);
      }
      return { manifest: m, bytes: out };
    },
  );
  return createPolicy(manifest, bytes);
}
