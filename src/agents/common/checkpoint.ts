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
import { ConfigError, ShapeError } from '../../core/errors.js';
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
    const v = (JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as { formatVersion?: unknown }).formatVersion;
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

/**
 * Writes a checkpoint.
 * @param header - JSON fields saved in the manifest (config, step, rng states, ...).
 */
export function writeAgentCheckpoint(
  dir: string,
  header: Readonly<Record<string, unknown>>,
  groups: VariableGroups,
  optimizers: OptimizerGroups,
): void {
  const optimizerSteps: Record<string, number> = {};
  for (const [name, opt] of Object.entries(optimizers)) optimizerSteps[name] = opt.step;
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
    columnsOf(groups, optimizers),
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

/**
 * Assigns saved values to the variables of a freshly built agent and restores optimiser state.
 * @param storedAs - group names under which older checkpoints stored a group (e.g. the 0.1.0
 * LLMDPD's `prompt` for today's `conditioner`).
 * @throws {@link ShapeError} when a saved shape differs from the agent's.
 */
export function restoreAgentCheckpoint(
  dir: string,
  loader: string,
  groups: VariableGroups,
  optimizers: OptimizerGroups,
  storedAs: Readonly<Record<string, string>> = {},
): void {
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
      const steps = (r.manifest['optimizerSteps'] ?? {}) as Record<string, number>;
      tf.tidy(() => {
        for (const [group, vars] of Object.entries(groups)) {
          const stored = storedAs[group] ?? group;
          vars.forEach((v, i) => v.assign(tf.tensor(r.column(`${stored}/${i}`, 'float32', v.shape), v.shape)));
        }
      });
      for (const [name, opt] of Object.entries(optimizers)) {
        const state: AdamState = {
          step: steps[name] ?? 0,
          options: opt.options,
          firstMoments: opt.variables.map((v, i) => r.column(`optimizer/${name}/m/${i}`, 'float32', v.shape)),
          secondMoments: opt.variables.map((v, i) => r.column(`optimizer/${name}/v/${i}`, 'float32', v.shape)),
        };
        if (state.firstMoments.length !== opt.variables.length)
          throw new ShapeError(`Checkpoint optimizer ${name} does not match the agent.`);
        opt.setState(state);
      }
    },
  );
}
