/**
 * Opens a comparison's data sources: what a run trains on (plain transitions for single-task
 * agents, prompted multi-task data for prompted ones) and the tasks it is evaluated on, each
 * with its split (`seen` = trained on, `unseen` = held out), env factory, prompts and, for
 * D4RL data, the reference scores of the normalised score.
 *
 * - `suite`: a built-in suite (`pointmass-reach` from `makeSuite`, `pointmass-landmarks` from
 *   `makeLandmarkSuite`): trains on the seen tasks, evaluates on all of them, seen and unseen
 *   (the landmark suite's unseen groups are kept as subsets).
 * - `d4rl`: a local D4RL HDF5 file: trains on it, evaluates on the env it was collected on.
 * - `minari`: a local Minari dataset folder: the same.
 * - `metaworld`: a folder of Meta-World data (`writeMetaWorldDatasets`): trains on the seen
 *   tasks, evaluates on the seen and unseen ones on the user's Meta-World models.
 *
 * Opening is deterministic (a suite is a pure function of its seed), so every worker that
 * opens the same source trains on the same data. A worker opens each source once and keeps it
 * for the runs that follow ({@link DataCache}).
 *
 * @module
 */
import { MultiTaskDataset } from '../buffers/multi-task-dataset.js';
import type { ReplayBuffer } from '../buffers/replay-buffer.js';
import { ConfigError } from '../core/errors.js';
import type { PromptedTaskSource, TransitionSource } from '../core/types.js';
import { envIdForDataset, loadD4rl, loadMinari, referenceScores, type ReferenceScores } from '../datasets/index.js';
import type { Env } from '../envs/env.js';
import { makeEnv, makeEnvAsync } from '../envs/registry.js';
import type { PromptContext } from '../agents/index.js';
import { METAWORLD_ASSETS_ENV, type MetaWorldTaskName } from '../envs/metaworld/index.js';
import {
  loadMetaWorldDatasets,
  makeLandmarkSuite,
  makeSuite,
  METAWORLD_LLMDPD_SPLIT,
  POINTMASS_LANDMARKS,
} from '../suites/index.js';
import type { DataSpec } from './spec.js';

/** One task a run is evaluated on. */
export interface EvalTask {
  /** Task name (a column of the report). */
  readonly name: string;
  /** `seen` when the run trained on it, `unseen` when held out. */
  readonly split: 'seen' | 'unseen';
  /** A finer group within the split (e.g. `unseen-paraphrase`), reported on its own too. */
  readonly subset?: string;
  /** Builds the task's env. */
  readonly makeEnv: () => Env<Float32Array, Float32Array>;
  /** The task's prompts, for prompted agents. */
  readonly context: PromptContext;
  /** The task's numeric parameters (e.g. its goal), for a `features` conditioner with `paramKeys`. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Reference returns of the normalised score (D4RL), or null. */
  readonly referenceScore: ReferenceScores | null;
  /** True when the env reports `info.success` (success rates are measured). */
  readonly hasSuccess: boolean;
}

/** An opened data source. */
export interface OpenedData {
  /** The source's name in the comparison. */
  readonly name: string;
  /** Observation width. */
  readonly observationDim: number;
  /** Action width. */
  readonly actionDim: number;
  /** Transitions for single-task agents. */
  readonly transitions: TransitionSource;
  /** Prompted multi-task data for prompted agents. */
  readonly prompted: PromptedTaskSource;
  /** The evaluation tasks, seen first. */
  readonly tasks: readonly EvalTask[];
  /** A JSON description for `params.json`. */
  readonly description: Readonly<Record<string, unknown>>;
}

function singleTask(
  name: string,
  buffer: ReplayBuffer,
  text: string,
  envId: string,
  reference: ReferenceScores | null,
): Pick<OpenedData, 'transitions' | 'prompted' | 'tasks'> {
  if (buffer.numEpisodes === 0)
    throw new ConfigError(`Data source ${name} has no complete episode to use as a trajectory prompt.`);
  const trajectoryPrompt = buffer.trajectory(0);
  return {
    transitions: buffer,
    prompted: new MultiTaskDataset([{ name, buffer, textPrompt: text, trajectoryPrompt }]),
    tasks: [
      {
        name,
        split: 'seen',
        makeEnv: () => makeEnv(envId),
        context: { textPrompt: text, trajectoryPrompt },
        referenceScore: reference,
        hasSuccess: false,
      },
    ],
  };
}

async function loadEnvRuntime(
  envId: string,
  source: string,
  options: Readonly<Record<string, unknown>> = {},
): Promise<void> {
  try {
    const env = await makeEnvAsync(envId, options);
    await env.close?.();
  } catch (error) {
    throw new ConfigError(
      `Data source ${source} is evaluated on env ${JSON.stringify(envId)}, which cannot be made: ${(error as Error).message} Set "env" on the data source to an env id this library has.`,
      { cause: error },
    );
  }
}

function describeDataset(id: string | undefined, fallback: string): string {
  return `Task: ${id ?? fallback}. Objective: act as the offline data of ${id ?? fallback} suggests, maximising return.`;
}

/** A built-in suite as a data source: its multi-task dataset serves every agent. */
function suiteData(
  spec: Extract<DataSpec, { kind: 'suite' }>,
  dataset: MultiTaskDataset,
  tasks: readonly EvalTask[],
  described: Readonly<Record<string, unknown>>,
): OpenedData {
  return {
    name: spec.name,
    observationDim: dataset.observationDim,
    actionDim: dataset.actionDim,
    transitions: dataset,
    prompted: dataset,
    tasks,
    description: { kind: 'suite', name: spec.name, suite: spec.suite, seed: spec.seed, ...described },
  };
}

/**
 * Opens one data source.
 * @throws {@link ConfigError} when its env cannot be determined or made; the loaders' errors
 *   (`DatasetError`, `NotFoundError`) for unreadable files.
 */
export async function openDataSource(spec: DataSpec): Promise<OpenedData> {
  switch (spec.kind) {
    case 'suite': {
      const transitionsPerTask =
        spec.transitionsPerTask !== undefined ? { transitionsPerTask: spec.transitionsPerTask } : {};
      if (spec.suite === POINTMASS_LANDMARKS) {
        const suite = await makeLandmarkSuite(spec.suite, { seed: spec.seed, ...transitionsPerTask });
        return suiteData(
          spec,
          suite.dataset,
          suite.tasks.map((t) => ({
            name: t.name,
            split: t.role,
            ...(t.group !== 'seen' ? { subset: t.group } : {}),
            makeEnv: t.makeEnv,
            context: { textPrompt: t.text, trajectoryPrompt: t.trajectoryPrompt },
            referenceScore: null,
            hasSuccess: true,
          })),
          { transitionsPerTask: suite.transitionsPerTask },
        );
      }
      const suite = await makeSuite(spec.suite, {
        seed: spec.seed,
        ...transitionsPerTask,
        ...(spec.split !== 'default' ? { split: { seen: [...spec.split.seen], unseen: [...spec.split.unseen] } } : {}),
      });
      return suiteData(
        spec,
        suite.dataset,
        suite.tasks.map((t) => ({
          name: t.name,
          split: t.role,
          params: t.params as unknown as Readonly<Record<string, unknown>>,
          makeEnv: t.makeEnv,
          context: { textPrompt: t.textPrompt, trajectoryPrompt: t.trajectoryPrompt },
          referenceScore: null,
          hasSuccess: true,
        })),
        { transitionsPerTask: suite.transitionsPerTask, split: suite.split },
      );
    }
    case 'd4rl': {
      const { buffer, info } = await loadD4rl(spec.path);
      const datasetId = spec.datasetId ?? info.datasetId;
      const envId = spec.env ?? info.envId ?? (datasetId !== undefined ? envIdForDataset(datasetId) : undefined);
      if (envId === undefined)
        throw new ConfigError(
          `Data source ${spec.name} (${spec.path}): the file names no dataset id or env; set "datasetId" (e.g. "hopper-medium-replay-v2") or "env" (e.g. "Hopper-v4").`,
        );
      await loadEnvRuntime(envId, spec.name);
      const reference = datasetId !== undefined ? (referenceScores(datasetId) ?? null) : null;
      return {
        name: spec.name,
        observationDim: buffer.observationDim,
        actionDim: buffer.actionDim,
        ...singleTask(spec.name, buffer, spec.text ?? describeDataset(datasetId, spec.name), envId, reference),
        description: { kind: 'd4rl', name: spec.name, path: spec.path, datasetId: datasetId ?? null, env: envId },
      };
    }
    case 'metaworld': {
      const split = spec.split === 'default' ? METAWORLD_LLMDPD_SPLIT : spec.split;
      const loaded = await loadMetaWorldDatasets(spec.path, { tasks: split.seen as MetaWorldTaskName[] });
      const entries = new Map(loaded.manifest.tasks.map((t) => [t.task as string, t]));
      const missing = split.unseen.filter((t) => !entries.has(t));
      if (missing.length > 0)
        throw new ConfigError(
          `Data source ${spec.name}: ${spec.path} has no data for the unseen task(s) ${missing.join(', ')} (their env settings and prompts come from it); write the folder with every task of the split, e.g. writeMetaWorldDatasets(dir, { tasks: [...seen, ...unseen] }).`,
        );
      const assetsDir = spec.assetsDir ?? process.env[METAWORLD_ASSETS_ENV];
      const tasks: EvalTask[] = [];
      for (const [role, names] of [
        ['seen', split.seen],
        ['unseen', split.unseen],
      ] as const) {
        for (const name of names) {
          const entry = entries.get(name)!;
          const options = { ...entry.env.options, ...(assetsDir !== undefined ? { assetsDir } : {}) };
          await loadEnvRuntime(entry.env.id, spec.name, options);
          tasks.push({
            name,
            split: role,
            makeEnv: () => makeEnv(entry.env.id, options),
            context: { textPrompt: loaded.texts.get(name)!, trajectoryPrompt: loaded.prompts.get(name)! },
            referenceScore: null,
            hasSuccess: true,
          });
        }
      }
      return {
        name: spec.name,
        observationDim: loaded.dataset.observationDim,
        actionDim: loaded.dataset.actionDim,
        transitions: loaded.dataset,
        prompted: loaded.dataset,
        tasks,
        description: {
          kind: 'metaworld',
          name: spec.name,
          path: spec.path,
          seed: loaded.manifest.seed,
          episodes: loaded.manifest.episodes,
          split: { seen: [...split.seen], unseen: [...split.unseen] },
        },
      };
    }
    case 'minari': {
      const { buffer, info } = await loadMinari(spec.dataset);
      const envId = spec.env ?? info.envId;
      if (envId === undefined)
        throw new ConfigError(
          `Data source ${spec.name} (${spec.dataset}): the dataset's metadata names no env; set "env" (e.g. "Hopper-v5").`,
        );
      await loadEnvRuntime(envId, spec.name);
      const reference =
        info.refMinScore !== undefined && info.refMaxScore !== undefined
          ? { min: info.refMinScore, max: info.refMaxScore }
          : null;
      return {
        name: spec.name,
        observationDim: buffer.observationDim,
        actionDim: buffer.actionDim,
        ...singleTask(spec.name, buffer, spec.text ?? describeDataset(info.datasetId, spec.name), envId, reference),
        description: {
          kind: 'minari',
          name: spec.name,
          dataset: spec.dataset,
          datasetId: info.datasetId ?? null,
          env: envId,
        },
      };
    }
  }
}

/** Opened data sources of one worker, by their spec, so runs on the same data share one copy. */
export class DataCache {
  private readonly opened = new Map<string, Promise<OpenedData>>();

  /** The opened source for `spec` (opened on first use). */
  open(spec: DataSpec): Promise<OpenedData> {
    const key = JSON.stringify(spec);
    let entry = this.opened.get(key);
    if (entry === undefined) {
      entry = openDataSource(spec);
      entry.catch(() => this.opened.delete(key));
      this.opened.set(key, entry);
    }
    return entry;
  }
}
