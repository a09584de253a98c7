/**
 * Agent checkpoints: a header (agent name, config, step, random-stream states, conditioner state,
 * optimiser steps, library version) plus every variable's values, written with the core column
 * store (a manifest and one checksummed binary file, saved atomically: a failed save leaves the
 * previous one intact). Variables are stored by role and position (`actor/0`, `critic/3`, ...),
 * not by tfjs's process-unique names, so a checkpoint loads into a freshly built agent. The
 * layout is described in `docs/formats.md`, "Agent checkpoints".
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ColumnToWrite, MANIFEST_FILE, readColumnStore, writeColumnStore } from '../../core/column-store.js';
import { CheckpointError, ConfigError, DivergenceError } from '../../core/errors.js';
import { MANIFEST_MAX_BYTES, readRegularTextSync } from '../../core/safe-files.js';
import { type Adam, type AdamState } from '../../nets/adam.js';

/** Format name of agent checkpoints. */
export const AGENT_CHECKPOINT_FORMAT = 'llmdpd.agent';
/**
 * The checkpoint format version this code writes. Version 1 (library 0.1.0: prompt networks
 * under `prompt`/`promptEma`, text embeddings at the top of the header) is still read.
 */
export const AGENT_CHECKPOINT_FORMAT_VERSION = 2;

/** Format versions this code reads. */
export const READABLE_AGENT_CHECKPOINT_VERSIONS: readonly number[] = Object.freeze([1, 2]);

/**
 * The format version of the checkpoint in `dir`, when it is one this code reads; otherwise the
 * current version, so that the column store's reader reports the mismatch in its usual words.
 */
function versionToRead(dir: string): number {
  try {
    // Through safe-files: a FIFO or a device in place of the manifest must not block or flood this peek.
    const text = readRegularTextSync(join(dir, MANIFEST_FILE), {
      what: MANIFEST_FILE,
      context: 'agent checkpoint',
      maxBytes: MANIFEST_MAX_BYTES,
    });
    const v = (JSON.parse(text) as { formatVersion?: unknown }).formatVersion;
    if (typeof v === 'number' && READABLE_AGENT_CHECKPOINT_VERSIONS.includes(v)) return v;
  } catch {
    // the reader below reports a missing or damaged manifest
  }
  return AGENT_CHECKPOINT_FORMAT_VERSION;
}

/**
 * The library's version, recorded in every checkpoint (read from the package's own
 * package.json, three folders above this module in both `src/` and `dist/`).
 */
export const LIBRARY_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
})();

/** Named groups of variables to save, e.g. `{ actor: [...], critic: [...] }`. */
export type VariableGroups = Readonly<Record<string, readonly tf.Variable[]>>;

/** Named optimisers to save with their moments. */
export type OptimizerGroups = Readonly<Record<string, Adam>>;

function columnsOf(groups: VariableGroups, optimizers: OptimizerGroups): ColumnToWrite[] {
  const columns: ColumnToWrite[] = [];
  for (const [group, vars] of Object.entries(groups)) {
    vars.forEach((v, i) =>
      columns.push({
        name: `${group}/${i}`,
        dtype: 'float32',
        shape: [...v.shape],
        data: Float32Array.from(v.dataSync() as Float32Array),
      }),
    );
  }
  for (const [name, opt] of Object.entries(optimizers)) {
    const state = opt.getState();
    opt.variables.forEach((v, i) => {
      columns.push({
        name: `optimizer/${name}/m/${i}`,
        dtype: 'float32',
        shape: [...v.shape],
        data: state.firstMoments[i],
      });
      columns.push({
        name: `optimizer/${name}/v/${i}`,
        dtype: 'float32',
        shape: [...v.shape],
        data: state.secondMoments[i],
      });
    });
  }
  return columns;
}

/** Whether a column holds Adam second moments (finite and >= 0). */
const isSecondMoment = (name: string): boolean => /^optimizer\/.+\/v\/\d+$/.test(name);

/**
 * Writes a checkpoint, after checking that every weight and optimiser moment is finite (and
 * every Adam second moment >= 0): a checkpoint holding anything else is refused and nothing is
 * written, so the checkpoint already in `dir`, if any, stays.
 * @param header - JSON fields saved in the manifest (config, step, rng states, ...).
 * @throws {@link DivergenceError} naming the variable and the value when one is not finite;
 * {@link SaveConflictError} when `dir` holds a save of another kind; {@link DatasetError} when
 * the files cannot be written.
 */
export function writeAgentCheckpoint(
  dir: string,
  header: Readonly<Record<string, unknown>>,
  groups: VariableGroups,
  optimizers: OptimizerGroups,
): void {
  const optimizerSteps: Record<string, number> = {};
  for (const [name, opt] of Object.entries(optimizers)) optimizerSteps[name] = opt.step;
  const columns = columnsOf(groups, optimizers);
  const bad = findBadColumn(
    columns.map((c) => ({
      name: c.name,
      shape: c.shape,
      values: c.data as Float32Array,
      nonNegative: isSecondMoment(c.name),
    })),
  );
  if (bad !== null) {
    const step = typeof header['step'] === 'number' ? header['step'] : NaN;
    throw new DivergenceError(
      `Refusing to save a checkpoint of step ${step} to ${dir}: ${bad.name} holds ${bad.detail}. The weights are not finite: training diverged (or non-finite values were assigned). Nothing was written; the checkpoint already there, if any, is unchanged. Fix: resume from that checkpoint with lower learning rates or gradient clipping (gradientClipNorm), or check the data's scale (rewards, observations).`,
      step,
      `weights ${bad.name}`,
    );
  }
  writeColumnStore(
    dir,
    {
      format: AGENT_CHECKPOINT_FORMAT,
      formatVersion: AGENT_CHECKPOINT_FORMAT_VERSION,
      libraryVersion: LIBRARY_VERSION,
      tfjsVersion: tf.version_core,
      ...header,
      optimizerSteps,
    },
    columns,
    {},
    'agent checkpoint',
  );
}

/**
 * Reads a checkpoint's header and, through `restore`, its variable values.
 * @returns the header fields.
 * @throws {@link DatasetError} on a missing, corrupted or foreign file.
 */
export function readAgentCheckpointHeader(dir: string, loader: string): Readonly<Record<string, unknown>> {
  return readColumnStore(
    dir,
    {
      format: AGENT_CHECKPOINT_FORMAT,
      formatVersion: versionToRead(dir),
      what: 'agent checkpoint',
      loader,
    },
    {},
    (r) => r.manifest,
  );
}

/**
 * Checks that a checkpoint header was written by the expected agent class.
 * @throws {@link ConfigError} naming the class that wrote it.
 */
export function expectAgent(header: Readonly<Record<string, unknown>>, agent: string, dir: string): void {
  if (header['agent'] !== agent) {
    const other = String(header['agent']);
    throw new ConfigError(
      `${dir} holds a ${other} checkpoint, not ${/^[AEIOU]/.test(agent) ? 'an' : 'a'} ${agent} one; load it with ${other}.load.`,
    );
  }
}

/** The first non-finite value of `values` (or negative one, with `nonNegative`), or -1. */
function firstBadValue(values: Float32Array, nonNegative: boolean): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // One comparison per value: false for NaN, ±Infinity and, with nonNegative, v < 0.
    if (!(nonNegative ? v >= 0 && v < Infinity : v - v === 0)) return i;
  }
  return -1;
}

/** `index` of a row-major array of `shape` as `[i, j, ...]`. */
function position(index: number, shape: readonly number[]): string {
  const at: number[] = [];
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    at.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return `[${at.join(', ')}]`;
}

/** What a variable or moment holds, for {@link checkFiniteColumns}. */
interface NamedValues {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
  /** Adam second moments are averages of squares: never negative. */
  readonly nonNegative: boolean;
}

/** The first column holding a non-finite (or, for second moments, negative) value, described; null when all are fine. */
function findBadColumn(columns: readonly NamedValues[]): { name: string; detail: string } | null {
  for (const c of columns) {
    const i = firstBadValue(c.values, c.nonNegative);
    if (i >= 0)
      return { name: c.name, detail: `${String(c.values[i])} at ${position(i, c.shape)} of [${c.shape.join(', ')}]` };
  }
  return null;
}

/**
 * Assigns saved values to the variables of a freshly built agent and restores optimiser state.
 * Everything is checked before anything is assigned: every group's and optimiser's columns
 * must exist with the shapes of the agent built from the header's config (and no stored column
 * may be left over), every weight and moment must be finite and every Adam second moment >= 0.
 * @param storedAs - group names under which older checkpoints stored a group (e.g. the 0.1.0
 * LLMDPD's `prompt` for today's `conditioner`).
 * @throws {@link CheckpointError} naming the column (or the optimiser step) at fault;
 * {@link DatasetError} when the column store cannot be read.
 */
export function restoreAgentCheckpoint(
  dir: string,
  loader: string,
  groups: VariableGroups,
  optimizers: OptimizerGroups,
  storedAs: Readonly<Record<string, string>> = {},
): void {
  const where = `${loader}(${dir})`;
  const damaged =
    'The manifest was damaged or edited after saving; restore the checkpoint from a good copy, or save it again from the agent that wrote it.';
  readColumnStore(
    dir,
    {
      format: AGENT_CHECKPOINT_FORMAT,
      formatVersion: versionToRead(dir),
      what: 'agent checkpoint',
      loader,
    },
    {},
    (r) => {
      // 1. The stored layout must be the built agent's, column for column.
      const stored = new Map<string, readonly number[]>();
      for (const c of r.manifest['columns'] as { name: string; shape: number[] }[]) stored.set(c.name, c.shape);
      const wanted: { name: string; shape: readonly number[] }[] = [];
      for (const [group, vars] of Object.entries(groups)) {
        const prefix = storedAs[group] ?? group;
        vars.forEach((v, i) => wanted.push({ name: `${prefix}/${i}`, shape: v.shape }));
      }
      const steps = r.manifest['optimizerSteps'];
      const optimizerSteps = (steps !== null && typeof steps === 'object' ? steps : {}) as Record<string, unknown>;
      for (const [name, opt] of Object.entries(optimizers)) {
        const count = optimizerSteps[name];
        if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0)
          throw new CheckpointError(
            `${where}: checkpoint header field 'optimizerSteps.${name}' must be an integer >= 0 (updates the agent's optimiser '${name}' has applied), found ${count === undefined ? 'nothing (the field is missing)' : JSON.stringify(count)}. ${damaged}`,
            `optimizerSteps.${name}`,
          );
        opt.variables.forEach((v, i) => {
          wanted.push({ name: `optimizer/${name}/m/${i}`, shape: v.shape });
          wanted.push({ name: `optimizer/${name}/v/${i}`, shape: v.shape });
        });
      }
      for (const w of wanted) {
        const shape = stored.get(w.name);
        if (shape === undefined || shape.length !== w.shape.length || shape.some((d, i) => d !== w.shape[i]))
          throw new CheckpointError(
            `${where}: the agent built from the header's config has a variable ${w.name} of shape [${w.shape.join(', ')}], but the checkpoint ${shape === undefined ? 'has no such column' : `stores [${shape.join(', ')}]`}: the header's config does not match the stored weights. ${damaged}`,
            'config',
          );
        stored.delete(w.name);
      }
      if (stored.size > 0) {
        const extra = [...stored.keys()].slice(0, 3).join(', ');
        throw new CheckpointError(
          `${where}: the checkpoint stores ${stored.size} column(s) that no variable of the agent built from the header's config takes (${extra}${stored.size > 3 ? ', ...' : ''}): the header's config does not match the stored weights. ${damaged}`,
          'config',
        );
      }
      // 2. Read everything and check the values before assigning any.
      const weights = Object.entries(groups).map(([group, vars]) =>
        vars.map((v, i) => r.column(`${storedAs[group] ?? group}/${i}`, 'float32', v.shape)),
      );
      const states: AdamState[] = Object.entries(optimizers).map(([name, opt]) => ({
        step: optimizerSteps[name] as number,
        options: opt.options,
        firstMoments: opt.variables.map((v, i) => r.column(`optimizer/${name}/m/${i}`, 'float32', v.shape)),
        secondMoments: opt.variables.map((v, i) => r.column(`optimizer/${name}/v/${i}`, 'float32', v.shape)),
      }));
      const named: NamedValues[] = [];
      Object.entries(groups).forEach(([group, vars], g) =>
        vars.forEach((v, i) =>
          named.push({
            name: `${storedAs[group] ?? group}/${i}`,
            shape: v.shape,
            values: weights[g][i],
            nonNegative: false,
          }),
        ),
      );
      Object.entries(optimizers).forEach(([name, opt], o) =>
        opt.variables.forEach((v, i) => {
          named.push({
            name: `optimizer/${name}/m/${i}`,
            shape: v.shape,
            values: states[o].firstMoments[i],
            nonNegative: false,
          });
          named.push({
            name: `optimizer/${name}/v/${i}`,
            shape: v.shape,
            values: states[o].secondMoments[i],
            nonNegative: true,
          });
        }),
      );
      const bad = findBadColumn(named);
      if (bad !== null) {
        const moment = /\/v\/\d+$/.test(bad.name) && bad.name.startsWith('optimizer/');
        throw new CheckpointError(
          `${where}: column '${bad.name}' holds ${bad.detail}; ${moment ? "Adam's second moments are averages of squares, finite and never negative" : 'weights and optimiser moments must be finite'}. The checkpoint comes from a run that diverged, or was damaged; it cannot be used. Fix: load an earlier checkpoint (fit never writes one like this).`,
          `column ${bad.name}`,
        );
      }
      // 3. Assign.
      tf.tidy(() => {
        Object.values(groups).forEach((vars, g) => vars.forEach((v, i) => v.assign(tf.tensor(weights[g][i], v.shape))));
      });
      Object.values(optimizers).forEach((opt, o) => opt.setState(states[o]));
    },
  );
}
