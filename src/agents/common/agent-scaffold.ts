/**
 * {@link AgentScaffold}: everything an offline agent does that is not its algorithm, in one
 * object each agent owns (composition, not a base class). It holds the agent's step count, the
 * reused batch, references to its random streams, target networks, task conditioning and
 * observation normaliser, and implements the parts of the `Agent` contract that are the same
 * for every agent:
 *
 * - `bindTasks` / `fit`: binds the conditioner (and normaliser) to the data, then runs the shared
 *   training loop with the agent's own `update`;
 * - `act` / `actBatch` / `policy`: checks observations, computes a context's condition rows once
 *   and hands them to the agent's `actWith`;
 * - `save` / `restore`: the checkpoint header (agent name, config, step, streams, conditioner,
 *   normaliser) and every variable group and optimiser the agent lists.
 *
 * An agent file then holds only its config, networks, `update` and `actWith`
 * (`docs/algorithms/README.md`, "How an agent is built here").
 *
 * @module
 */
import { ConfigError, ShapeError } from '../../core/errors.js';
import { createBatch } from '../../core/batch.js';
import type { Batch, TransitionSource } from '../../core/types.js';
import type { Adam } from '../../nets/adam.js';
import type { BoundPolicy, FitOptions, FitReport, Metrics, TaskContext } from '../agent.js';
import type { ContextRows, TaskConditioning, TaskConditioningState } from '../conditioning/task-conditioning.js';
import type { AgentDims } from './batch-tensors.js';
import {
  expectAgent,
  readAgentCheckpointHeader,
  restoreAgentCheckpoint,
  type VariableGroups,
  writeAgentCheckpoint,
} from './checkpoint.js';
import { runFit } from './fit-loop.js';
import type { ObservationNormalizer, ObservationNormalizerState } from './observation-normalizer.js';
import { type RandomStreams, randomStreamStates, restoreRandomStreams } from './random-streams.js';
import type { TargetNetworks } from './target-networks.js';

/** The widths and batch size of an agent. */
export interface ScaffoldDims extends AgentDims {
  /** Transitions per gradient step. */
  readonly batchSize: number;
}

/** What the scaffold is built from. */
export interface AgentScaffoldOptions {
  /** Class name, written into checkpoints and checked on load (e.g. `'DiffusionQLAgent'`). */
  readonly name: string;
  /** Label of the progress display (e.g. `'Diffusion-QL'`). */
  readonly label: string;
  /** Widths and batch size. */
  readonly dims: ScaffoldDims;
  /** The agent's random streams. */
  readonly streams: RandomStreams;
  /** The agent's target networks. */
  readonly targets: TargetNetworks;
  /** The agent's task conditioning. */
  readonly conditioning: TaskConditioning;
  /** The agent's observation normaliser, or null when it uses raw observations. */
  readonly normalizer: ObservationNormalizer | null;
  /** The agent's algorithm, which the scaffold calls. */
  readonly hooks: AgentHooks;
}

/** The parts of an agent that are its algorithm: what the scaffold calls. */
export interface AgentHooks {
  /** The agent itself (handed to evaluators). */
  readonly agent: unknown;
  /** One gradient step (the agent's `update`). */
  update(batch: Batch, readMetrics: boolean): Metrics | null;
  /** Acting under one context's condition rows. */
  actWith: ActWith;
  /** Writes a resumable checkpoint (the agent's `save`). */
  save(dir: string): void;
}

/** The standard fields of a checkpoint header. */
export interface AgentCheckpointHeader {
  /** Class that wrote it. */
  readonly agent: string;
  /** The resolved config. */
  readonly config: unknown;
  /** Gradient steps taken. */
  readonly step: number;
  /** Random-stream states. */
  readonly rng: unknown;
  /** Conditioner state (absent in version-1 checkpoints). */
  readonly conditioning?: Partial<TaskConditioningState>;
  /** Normaliser statistics (absent when the agent has none). */
  readonly normalizer?: ObservationNormalizerState;
  /** Any other field the manifest holds. */
  readonly [field: string]: unknown;
}

/**
 * The hooks of an agent whose `update` and `save` are its public methods, plus its `actWith`.
 * @param agent - the agent (handed to evaluators too).
 */
export function hooksOf(
  agent: {
    update(batch: Batch, readMetrics: boolean): Metrics | null;
    save(dir: string): void;
  },
  actWith: ActWith,
): AgentHooks {
  return {
    agent,
    update: (batch, readMetrics) => agent.update(batch, readMetrics),
    actWith,
    save: (dir) => agent.save(dir),
  };
}

/** Acting under one context's condition rows: `N * observationDim` observations in, `N * actionDim` actions out. */
export type ActWith = (observations: Float32Array, rows: ContextRows) => Float32Array;

/** The non-algorithmic half of an agent; see the module comment. */
export class AgentScaffold {
  /** Gradient steps taken. */
  step = 0;
  private batch: Batch | null = null;

  /** @param options - references to the agent's parts (the scaffold owns none of them but the batch). */
  constructor(readonly options: AgentScaffoldOptions) {}

  /**
   * Prepares the agent for `update` on batches of `data`: binds the conditioner to its tasks and
   * takes the normaliser's statistics (on the first call only).
   * @throws {@link ConfigError} when the data's widths differ from the agent's, or the
   * conditioner cannot use its tasks.
   */
  async bindTasks(data: TransitionSource): Promise<void> {
    const d = this.options.dims;
    if (data.observationDim !== d.observationDim || data.actionDim !== d.actionDim) {
      throw new ConfigError(
        `The data has observationDim ${data.observationDim} and actionDim ${data.actionDim}, but the agent was built for ${d.observationDim} and ${d.actionDim}; build the agent with the data's dimensions.`,
      );
    }
    await this.options.conditioning.bind(data);
    this.options.normalizer?.fitTo(data);
  }

  /**
   * `fit`: binds to `data`, then runs `options.steps` gradient steps of the agent's `update`.
   * @throws {@link ConfigError} on invalid options or data; rejects with `signal.reason` when aborted.
   */
  async fit<A>(data: TransitionSource, options: FitOptions<A>): Promise<FitReport> {
    await this.bindTasks(data);
    const d = this.options.dims;
    const hooks = this.options.hooks;
    this.batch ??= createBatch(d.batchSize, d.observationDim, d.actionDim);
    const stepOf = () => this.step;
    return runFit(
      {
        agent: hooks.agent as A,
        get step() {
          return stepOf();
        },
        samplerRng: this.options.streams.sampler,
        batch: this.batch,
        label: this.options.label,
        update: (batch, read) => hooks.update(batch, read),
        saveCheckpoint: (dir) => hooks.save(dir),
      },
      data,
      options,
    );
  }

  /**
   * Checks that `observation` is one observation.
   * @throws {@link ShapeError} on a wrong length.
   */
  checkOne(observation: Float32Array): Float32Array {
    const S = this.options.dims.observationDim;
    if (observation.length !== S)
      throw new ShapeError(
        `act expects one observation of length ${S}, got ${observation.length}; use policy(context).actBatch for several.`,
      );
    return observation;
  }

  /**
   * Checks that `observations` is N ≥ 1 whole observations.
   * @throws {@link ShapeError} when the length is not a positive multiple of observationDim.
   */
  checkMany(observations: Float32Array): Float32Array {
    const S = this.options.dims.observationDim;
    if (observations.length === 0 || observations.length % S !== 0)
      throw new ShapeError(
        `act expects observations of length observationDim (${S}) or a multiple of it, got ${observations.length}.`,
      );
    return observations;
  }

  /**
   * `act`: one action under `context` (whose text, if any, must already be embedded; `policy`
   * does that).
   * @throws {@link ShapeError} on a wrong length; a typed error when the context lacks what
   * the conditioner needs.
   */
  act(observation: Float32Array, context: TaskContext = {}): Float32Array {
    this.checkOne(observation);
    return this.options.hooks.actWith(
      observation,
      this.options.conditioning.contextRows(context, `${this.options.name}.act`),
    );
  }

  /**
   * `actBatch`: actions for N observations (`N * observationDim`, row-major) in one batched call.
   * @throws {@link ShapeError} when the length is not a multiple of observationDim.
   */
  actBatch(observations: Float32Array, context: TaskContext = {}): Float32Array {
    this.checkMany(observations);
    return this.options.hooks.actWith(
      observations,
      this.options.conditioning.contextRows(context, `${this.options.name}.actBatch`),
    );
  }

  /**
   * `policy`: embeds the context once and returns a policy bound to its condition rows.
   * @throws a typed error when the context lacks what the conditioner needs.
   */
  async policy(context: TaskContext = {}): Promise<BoundPolicy> {
    const conditioning = this.options.conditioning;
    const actWith = this.options.hooks.actWith;
    await conditioning.ready(context);
    const rows = conditioning.contextRows(context, `${this.options.name}.policy`);
    return {
      act: (o) => actWith(this.checkOne(o), rows),
      actBatch: (o) => actWith(this.checkMany(o), rows),
    };
  }

  /**
   * Writes a resumable checkpoint atomically: the standard header fields plus `extra`, the
   * variable groups (the agent lists the conditioner's too) and the optimisers.
   */
  save(
    dir: string,
    config: unknown,
    groups: VariableGroups,
    optimizers: Readonly<Record<string, Adam>>,
    extra: Readonly<Record<string, unknown>> = {},
  ): void {
    const o = this.options;
    writeAgentCheckpoint(
      dir,
      {
        agent: o.name,
        config,
        step: this.step,
        rng: randomStreamStates(o.streams),
        conditioning: o.conditioning.getState(),
        ...(o.normalizer === null ? {} : { normalizer: o.normalizer.getState() }),
        ...extra,
      },
      groups,
      optimizers,
    );
  }

  /**
   * Reads a checkpoint header written by the agent class `name`.
   * @throws {@link DatasetError} on a missing or damaged checkpoint; {@link ConfigError} when
   * another agent class wrote it.
   */
  static readHeader(dir: string, name: string): AgentCheckpointHeader {
    const header = readAgentCheckpointHeader(dir, `${name}.load`) as AgentCheckpointHeader;
    expectAgent(header, name, dir);
    return header;
  }

  /**
   * Restores a freshly built agent from a checkpoint: weights and optimiser moments, step,
   * random streams, conditioner state and normaliser.
   * @param storedAs - older group names (see `restoreAgentCheckpoint`).
   * @throws {@link ShapeError} when a saved shape differs; {@link ConfigError} on a damaged header.
   */
  restore(
    dir: string,
    header: AgentCheckpointHeader,
    groups: VariableGroups,
    optimizers: Readonly<Record<string, Adam>>,
    storedAs: Readonly<Record<string, string>> = {},
  ): void {
    const o = this.options;
    const where = `${o.name}.load(${dir})`;
    restoreAgentCheckpoint(dir, `${o.name}.load`, groups, optimizers, storedAs);
    if (!Number.isInteger(header.step) || header.step < 0)
      throw new ConfigError(`${where}: the header's step is ${String(header.step)}; expected an integer >= 0.`);
    this.step = header.step;
    restoreRandomStreams(o.streams, header.rng, where);
    if (header.conditioning !== undefined) o.conditioning.setState(header.conditioning, dir);
    if (o.normalizer !== null && header.normalizer !== undefined) o.normalizer.setState(header.normalizer);
  }

  /** Frees the target bookkeeping and the conditioner (the agent frees its own networks). */
  dispose(): void {
    this.options.targets.dispose();
    this.options.conditioning.dispose();
  }
}
