/**
 * Where `llmdpd train` gets its data and `llmdpd eval` its tasks: a D4RL HDF5 file, a Minari
 * dataset (folder or id), a folder written by `llmdpd suite write`, or a built-in suite by name
 * (`pointmass-reach`, generated in memory). What was loaded is recorded in the run folder's
 * `params.json` (`data`), so evaluation and plots can find the env and tasks again.
 *
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JsonObject } from '../core/run/format.js';
import type { Trajectory, TransitionSource } from '../core/types.js';
import { loadD4rl } from '../datasets/d4rl.js';
import { loadMinari } from '../datasets/minari.js';
import type { Env } from '../envs/env.js';
import { makeEnv } from '../envs/registry.js';
import { loadPointMassRuntime } from '../suites/point-mass-env.js';
import { makeSuite } from '../suites/suite.js';
import { POINTMASS_REACH } from '../suites/tasks.js';
import { loadSuiteDatasets } from '../suites/write.js';
import { UsageError } from './options.js';

/** Built-in suites `--data` accepts by name. */
export const BUILTIN_SUITES: readonly string[] = [POINTMASS_REACH];

/** A task to evaluate on: its prompts and env (multi-task data). */
export interface EvalTask {
  /** Task name. */
  readonly name: string;
  /** Seen (trained on) or unseen. */
  readonly role: 'seen' | 'unseen';
  /** The text prompt. */
  readonly textPrompt: string;
  /** The trajectory prompt. */
  readonly trajectoryPrompt: Trajectory;
  /** Makes the task's env. */
  readonly makeEnv: () => Env<Float32Array, Float32Array>;
}

/** Training data and what to evaluate it on. */
export interface TrainingData {
  /** What the agent trains on. */
  readonly data: TransitionSource;
  /** For params.json: where the data came from. */
  readonly info: JsonObject;
  /** The env the data was collected on, when known (single-task data). */
  readonly envId: string | undefined;
  /** The tasks of multi-task data (seen and unseen), or `null`. */
  readonly tasks: readonly EvalTask[] | null;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/**
 * Loads `--data`.
 * @param suiteSeed - seed of a generated built-in suite.
 * @throws whatever the loaders throw (missing file, damaged data, unknown Minari id).
 */
export async function loadTrainingData(source: string, suiteSeed: number): Promise<TrainingData> {
  if (BUILTIN_SUITES.includes(source)) {
    const suite = await makeSuite(source, { seed: suiteSeed });
    return {
      data: suite.dataset,
      info: { kind: 'suite', suite: source, seed: suiteSeed, transitionsPerTask: suite.transitionsPerTask },
      envId: undefined,
      tasks: suite.tasks.map((t) => ({ ...t, makeEnv: () => t.makeEnv() })),
    };
  }
  if (isFile(source)) {
    const { buffer, info } = await loadD4rl(source);
    return {
      data: buffer,
      info: {
        kind: 'd4rl',
        path: resolve(source),
        datasetId: info.datasetId ?? null,
        envId: info.envId ?? null,
        transitions: info.transitions,
      },
      envId: info.envId,
      tasks: null,
    };
  }
  if (existsSync(join(source, 'suite.json'))) {
    const loaded = await loadSuiteDatasets(source);
    await loadPointMassRuntime();
    return {
      data: loaded.dataset,
      info: { kind: 'suite-folder', path: resolve(source), suite: loaded.spec.name, seed: loaded.manifest.seed },
      envId: undefined,
      tasks: loaded.manifest.tasks.map((t) => ({
        name: t.name,
        role: t.role,
        textPrompt: t.text,
        trajectoryPrompt: loaded.prompts.get(t.name)!,
        makeEnv: () => makeEnv<Float32Array, Float32Array>(t.env.id, { ...t.env.options }),
      })),
    };
  }
  const { buffer, info } = await loadMinari(source);
  return {
    data: buffer,
    info: {
      kind: 'minari',
      source,
      path: info.path,
      datasetId: info.datasetId ?? null,
      envId: info.envId ?? null,
      transitions: info.transitions,
    },
    envId: info.envId,
    tasks: null,
  };
}

/**
 * The tasks of the multi-task data a run trained on, from its params.json `data` (only the
 * prompts and envs: a built-in suite is regenerated with one episode per task).
 * @returns `null` for single-task data.
 */
export async function tasksOfRun(data: JsonObject): Promise<readonly EvalTask[] | null> {
  if (data['kind'] === 'suite' && typeof data['suite'] === 'string' && typeof data['seed'] === 'number') {
    const suite = await makeSuite(data['suite'], { seed: data['seed'], transitionsPerTask: 1 });
    return suite.tasks.map((t) => ({ ...t, makeEnv: () => t.makeEnv() }));
  }
  if (data['kind'] === 'suite-folder' && typeof data['path'] === 'string') {
    if (!existsSync(data['path']))
      throw new UsageError(
        `The run trained on the suite folder ${data['path']}, which no longer exists; evaluate with --env instead.`,
      );
    return (await loadTrainingData(data['path'], 0)).tasks;
  }
  return null;
}
