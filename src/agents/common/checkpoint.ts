/**
 * Agent checkpoints: a header (config, step, random-stream states, optimiser steps, library
 * version) plus every variable's values, written with the core column store (a manifest and
 * one checksummed binary file, saved atomically: a failed save leaves the previous one intact).
 * Variables are stored by role and position (`actor/0`, `critic/3`, ...), not by tfjs's
 * process-unique names, so a checkpoint loads into a freshly built agent.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { type ColumnToWrite, readColumnStore, writeColumnStore } from '../../core/column-store.js';
import { ShapeError } from '../../core/errors.js';
import { type Adam, type AdamState } from '../../nets/adam.js';

/** Format name of agent checkpoints. */
export const AGENT_CHECKPOINT_FORMAT = 'llmdpd.agent';
/** The checkpoint format version this code writes and reads. */
export const AGENT_CHECKPOINT_FORMAT_VERSION = 1;

/**
 * The library's version, recorded in every checkpoint (read from the package's own
 * package.json, three folders above this module in both `src/` and `dist/`).
 */
export const LIBRARY_VERSION: string = (() => {
  try {
    return String(
      (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown })
        .version ?? 'unknown',
    );
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
      formatVersion: AGENT_CHECKPOINT_FORMAT_VERSION,
      what: 'agent checkpoint',
      loader,
    },
    {},
    (r) => r.manifest,
  );
}

/**
 * Assigns saved values to the variables of a freshly built agent and restores optimiser state.
 * @throws {@link ShapeError} when a saved shape differs from the agent's.
 */
export function restoreAgentCheckpoint(
  dir: string,
  loader: string,
  groups: VariableGroups,
  optimizers: OptimizerGroups,
): void {
  readColumnStore(
    dir,
    {
      format: AGENT_CHECKPOINT_FORMAT,
      formatVersion: AGENT_CHECKPOINT_FORMAT_VERSION,
      what: 'agent checkpoint',
      loader,
    },
    {},
    (r) => {
      const steps = (r.manifest['optimizerSteps'] ?? {}) as Record<string, number>;
      tf.tidy(() => {
        for (const [group, vars] of Object.entries(groups)) {
          vars.forEach((v, i) => v.assign(tf.tensor(r.column(`${group}/${i}`, 'float32', v.shape), v.shape)));
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
