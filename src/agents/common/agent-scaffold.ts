/**
 * {@link AgentScaffold}: everything an offline agent does that is not its algorithm, in one
 * object each agent owns (composition, not a base class). It holds the agent's step count, the
 * reused batch, its scalers, references to its random streams, target networks, task
 * conditioning and observation normaliser, and implements the parts of the `Agent` contract that
 * are the same for every agent:
 *
 * - `bindTasks` / `fit`: binds the conditioner to the data, fits the scalers (and normaliser)
 *   once and refuses actions outside the policy's bound, then runs the shared training loop with
 *   the agent's own `update` (which stages batches through the scalers, `stageBatch`);
 * - `act` / `actBatch` / `policy`: checks observations as the user gave them (any array of
 *   numbers, finite, whole rows), scales them, computes a context's condition rows once, hands
 *   both to the agent's `actWith` and maps its actions back;
 * - `save` / `restore`: the checkpoint header (agent name, config, step, streams, conditioner,
 *   scalers, normaliser) and every variable group and optimiser the agent lists; `readHeader`
 *   validates every header field and `buildFromHeader` builds the agent under the checkpoint's
 *   weight budget, so nothing is built from a header that cannot be trusted (`docs/formats.md`,
 *   "Agent checkpoints");
 * - `exportPolicy`: the artefact of `docs/export.md`, from the agent's `exportActing` hook.
 *
 * An agent file then holds only its config, networks, `update` and `actWith`
 * (`docs/algorithms/README.md`, "How an agent is built here").
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, ConfigError, ShapeError } from '../../core/errors.js';
import { createBatch } from '../../core/batch.js';
import { withWeightBudget } from '../../nets/weight-budget.js';
import type { Batch, TransitionSource } from '../../core/types.js';
import type { Adam } from '../../nets/adam.js';
import type { BoundPolicy, ExportPolicyOptions, FitOptions, FitReport, Metrics, TaskContext } from '../agent.js';
import type { ContextRows, TaskConditioning, TaskConditioningState } from '../conditioning/task-conditioning.js';
import type { AgentDims } from './batch-tensors.js';
import {
  expectAgent,
  readAgentCheckpointHeader,
  restoreAgentCheckpoint,
  type VariableGroups,
  writeAgentCheckpoint,
} from './checkpoint.js';
import { type PolicyExportSummary, writePolicyArtefact } from '../../export/artefact.js';
import { checkpointWeightBudget, validateCheckpointHeader } from './checkpoint-header.js';
import { runFit } from './fit-loop.js';
import type { ObservationNormalizer, ObservationNormalizerState } from './observation-normalizer.js';
import type { ActingExport } from './policy-export.js';
import { AgentScalers, SCALER_DEFAULTS, type ScalerConfig, type ScalersState } from './scalers.js';
import { LIBRARY_VERSION } from './checkpoint.js';
import { type RandomStreams, randomStreamStates, restoreRandomStreams } from './random-streams.js';
import { manyObservations, oneObservation } from './policy-inputs.js';
import type { TargetNetworks } from './target-networks.js';

/** The widths and batch size of an agent. */
export interface ScaffoldDims extends AgentDims {
  /** Transitions per gradient step. */
  readonly batchSize: number;
  /** The policy's action bound; data whose actions leave [−maxAction, maxAction] is refused at `fit`. */
  readonly maxAction?: number;
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
  /**
   * An observation normaliser the agent applies itself (in `stageBatch` and `actWith`), which the
   * scaffold fits and saves; null for none. Agents on the scaffold's scalers pass null and ask
   * for `observationScaler: { kind: 'standard' }` instead.
   */
  readonly normalizer: ObservationNormalizer | null;
  /** The agent's scaler config fields (`scalers.ts`). @defaultValue no scaling */
  readonly scalers?: ScalerConfig;
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
  /**
   * The agent's acting rule and weights under one context's condition rows, for `exportPolicy`
   * (`common/policy-export.ts`); absent when the agent cannot export its policy yet.
   */
  exportActing?: (rows: ContextRows) => ActingExport;
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
  /** Fitted scalers (absent in checkpoints written before scalers existed). */
  readonly scalers?: ScalersState;
  /** Any other field the manifest holds. */
  readonly [field: string]: unknown;
}

/**
 * The hooks of an agent whose `update` and `save` are its public methods, plus its `actWith`.
 * @param agent - the agent (handed to evaluators too).
 * @param actWith - acting under one context's condition rows.
 * @param exportActing - what `exportPolicy` writes of the acting path (`policy-export.ts`); without it the agent cannot export.
 */
export function hooksOf(
  agent: {
    update(batch: Batch, readMetrics: boolean): Metrics | null;
    save(dir: string): void;
  },
  actWith: ActWith,
  exportActing?: (rows: ContextRows) => ActingExport,
): AgentHooks {
  return {
    agent,
    update: (batch, readMetrics) => agent.update(batch, readMetrics),
    actWith,
    save: (dir) => agent.save(dir),
    ...(exportActing === undefined ? {} : { exportActing }),
  };
}

/** Acting under one context's condition rows: `N * observationDim` observations in, `N * actionDim` actions out. */
export type ActWith = (observations: Float32Array, rows: ContextRows) => Float32Array;

/**
 * `context` as a {@link TaskContext}: null reads as no context.
 * @throws {@link ConfigError} when it is not an object.
 */
function contextOf(context: TaskContext | null | undefined, what: string): TaskContext {
  if (context === null || context === undefined) return {};
  if (typeof context !== 'object' || Array.isArray(context))
    throw new ConfigError(
      `${what}: the context must be an object { textPrompt?, trajectoryPrompt?, task?, features? }, got ${Array.isArray(context) ? 'an array' : `a ${typeof context}`}.`,
    );
  return context;
}

/** The non-algorithmic half of an agent; see the module comment. */
export class AgentScaffold {
  /** Gradient steps taken. */
  step = 0;
  /** The agent's observation, action and reward scalers (`scalers.ts`). */
  readonly scalers: AgentScalers;
  private batch: Batch | null = null;

  /** @param options - references to the agent's parts (the scaffold owns none of them but the batch and the scalers). */
  constructor(readonly options: AgentScaffoldOptions) {
    this.scalers = new AgentScalers(options.scalers ?? SCALER_DEFAULTS, options.dims);
  }

  /**
   * Prepares the agent for `update` on batches of `data`: binds the conditioner to its tasks,
   * fits the scalers and takes the normaliser's statistics (on the first call only), and checks
   * the data's actions against the policy's bound.
   * @throws {@link ConfigError} when the data's widths differ from the agent's, or the
   * conditioner cannot use its tasks; {@link ActionRangeError} when the (scaled) actions leave
   * [−maxAction, maxAction].
   */
  async bindTasks(data: TransitionSource): Promise<void> {
    const d = this.options.dims;
    if (data.observationDim !== d.observationDim || data.actionDim !== d.actionDim) {
      throw new ConfigError(
        `The data has observationDim ${data.observationDim} and actionDim ${data.actionDim}, but the agent was built for ${d.observationDim} and ${d.actionDim}; build the agent with the data's dimensions.`,
      );
    }
    this.scalers.fitTo(data);
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
    const scalers = this.scalers;
    let checkStaging = scalers.configured;
    const name = this.options.name;
    return runFit(
      {
        agent: hooks.agent as A,
        get step() {
          return stepOf();
        },
        samplerRng: this.options.streams.sampler,
        batch: this.batch,
        label: this.options.label,
        update: (batch, read) => {
          const staged = scalers.staged;
          const metrics = hooks.update(batch, read);
          if (checkStaging) {
            checkStaging = false;
            if (scalers.staged === staged)
              throw new ConfigError(
                `${name}.update did not stage its batch through the scaffold's scalers, so training would ignore the observationScaler, actionScaler and rewardScaler it is configured with; the agent must call stageBatch(batch, dims, scaffold.scalers).`,
              );
          }
          return metrics;
        },
        saveCheckpoint: (dir) => hooks.save(dir),
      },
      data,
      options,
    );
  }

  /**
   * Checks that `observation` is one observation of finite values, converting a plain array.
   * @throws {@link ShapeError} on a wrong length or a value that is not an array of numbers;
   * {@link NonFiniteInputError} naming the column of a NaN or infinite value.
   */
  checkOne(observation: Float32Array, what = `${this.options.name}.act`): Float32Array {
    return oneObservation(observation, this.options.dims.observationDim, what);
  }

  /**
   * Checks that `observations` is N ≥ 1 whole observations of finite values, converting a plain array.
   * @throws {@link ShapeError} when the length is not a positive multiple of observationDim or the
   * value is not an array of numbers; {@link NonFiniteInputError} naming the row and column of a
   * NaN or infinite value.
   */
  checkMany(observations: Float32Array, what = `${this.options.name}.actBatch`): Float32Array {
    return manyObservations(observations, this.options.dims.observationDim, what);
  }

  /**
   * `act`: one action under `context` (whose text, if any, must already be embedded; `policy`
   * does that). A plain array of numbers is accepted in place of a `Float32Array`.
   * @throws {@link ShapeError} on a wrong length; {@link NonFiniteInputError} on a NaN or infinite
   * observation or prompt value; a typed error when the context lacks what the conditioner needs.
   */
  act(observation: Float32Array, context: TaskContext = {}): Float32Array {
    const what = `${this.options.name}.act`;
    const o = this.checkOne(observation, what);
    return this.actScaled(o, this.options.conditioning.contextRows(contextOf(context, what), what));
  }

  /** The agent's `actWith` between the scalers: observations scaled in, actions mapped back out. */
  private actScaled(observations: Float32Array, rows: ContextRows): Float32Array {
    const s = this.scalers;
    return s.unscaleActions(this.options.hooks.actWith(s.scaleObservations(observations), rows));
  }

  /**
   * `actBatch`: actions for N observations (`N * observationDim`, row-major) in one batched call.
   * @throws {@link ShapeError} when the length is not a multiple of observationDim;
   * {@link NonFiniteInputError} on a NaN or infinite value.
   */
  actBatch(observations: Float32Array, context: TaskContext = {}): Float32Array {
    const what = `${this.options.name}.actBatch`;
    const o = this.checkMany(observations, what);
    return this.actScaled(o, this.options.conditioning.contextRows(contextOf(context, what), what));
  }

  /**
   * `policy`: embeds the context once and returns a policy bound to its condition rows. Its
   * `act` and `actBatch` check observations as {@link AgentScaffold.act} does.
   * @throws a typed error when the context lacks what the conditioner needs;
   * {@link NonFiniteInputError} on a NaN or infinite prompt or feature value.
   */
  async policy(context: TaskContext = {}): Promise<BoundPolicy> {
    const conditioning = this.options.conditioning;
    const name = this.options.name;
    const checked = contextOf(context, `${name}.policy`);
    await conditioning.ready(checked);
    const rows = conditioning.contextRows(checked, `${name}.policy`);
    return {
      act: (o) => this.actScaled(this.checkOne(o, `${name}.policy(...).act`), rows),
      actBatch: (o) => this.actScaled(this.checkMany(o, `${name}.policy(...).actBatch`), rows),
    };
  }

  /**
   * `exportPolicy`: writes the artefact a minimal runtime acts with (`docs/export.md`): the
   * weights of the agent's acting path, the fitted scalers, the context's condition folded in,
   * the action-selection rule, and the acting stream's state (so the runtime's first actions
   * equal the agent's next ones). Atomic, like checkpoints.
   * @throws {@link ConfigError} when the agent has no exportable acting path, or the context
   * lacks what the conditioner needs; {@link SaveConflictError} when `dir` holds another kind of save.
   */
  async exportPolicy(dir: string, options: ExportPolicyOptions = {}): Promise<PolicyExportSummary> {
    const o = this.options;
    if (o.hooks.exportActing === undefined)
      throw new ConfigError(
        `${o.name} cannot export its policy yet (it has no exportActing hook); use save(dir) and load it with ${o.name}.load.`,
      );
    const context = contextOf(options.context, `${o.name}.exportPolicy`);
    await o.conditioning.ready(context);
    const rows = o.conditioning.contextRows(context, `${o.name}.exportPolicy`);
    const { acting, tensors } = o.hooks.exportActing(rows);
    const scalers = this.scalers.exportState();
    if (o.normalizer !== null) {
      const state = o.normalizer.scalerState();
      if (state.kind !== 'none') {
        if (scalers.observation.kind !== 'none')
          throw new ConfigError(`${o.name} has both a normaliser and an observation scaler; use one of them.`);
        scalers.observation = state;
      }
    }
    return writePolicyArtefact(
      dir,
      {
        agent: o.name,
        libraryVersion: LIBRARY_VERSION,
        step: this.step,
        observationDim: o.dims.observationDim,
        actionDim: o.dims.actionDim,
        scalers,
        context: describeContext(context),
        condition: {
          actor: rows.actor === null ? null : Array.from(rows.actor),
          critic: rows.critic === null ? null : Array.from(rows.critic),
        },
        acting,
        random: o.streams.acting.getState(),
      },
      tensors,
    );
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
        scalers: this.scalers.getState(),
        ...(o.normalizer === null ? {} : { normalizer: o.normalizer.getState() }),
        ...extra,
      },
      groups,
      optimizers,
    );
  }

  /**
   * Reads a checkpoint header written by the agent class `name` and validates every field
   * (`docs/formats.md`, "Agent checkpoints") before anything is built from it.
   * @throws {@link DatasetError} on a missing or damaged checkpoint; {@link CheckpointError}
   * (a DatasetError) naming a header field of the wrong type, range or finiteness;
   * {@link ConfigError} when another agent class wrote it.
   */
  static readHeader(dir: string, name: string): AgentCheckpointHeader {
    const header = readAgentCheckpointHeader(dir, `${name}.load`);
    if (typeof header['agent'] === 'string') expectAgent(header, name, dir);
    validateCheckpointHeader(header, `${name}.load(${dir})`);
    return header as AgentCheckpointHeader;
  }

  /**
   * Builds an agent from a checkpoint header: `build` (the agent's constructor, given
   * `header.config`) runs under the checkpoint's weight budget, so a config that asks for larger
   * networks than the checkpoint stores is refused before they are allocated, and a config the
   * agent's validation refuses is reported as a damaged header. Variables built before a failure
   * are freed.
   * @param dir - the checkpoint's folder, for messages.
   * @returns what `build` returns.
   * @throws {@link CheckpointError} naming the config field when the config is invalid or asks
   * for more weights than are stored.
   */
  static buildFromHeader<T>(dir: string, header: AgentCheckpointHeader, build: () => T): T {
    const where = `${header.agent}.load(${dir})`;
    const before = new Set(Object.keys(tf.engine().registeredVariables));
    try {
      return withWeightBudget(checkpointWeightBudget(header, where), build);
    } catch (error) {
      const variables = tf.engine().registeredVariables;
      for (const key of Object.keys(variables)) if (!before.has(key)) variables[key].dispose();
      if (error instanceof ConfigError || error instanceof ShapeError || error instanceof RangeError)
        throw new CheckpointError(
          `${where}: the checkpoint's config cannot be built: ${error.message} The manifest was damaged or edited after saving (its header is not covered by the checksums); restore the checkpoint from a good copy.`,
          'config',
          { cause: error },
        );
      throw error;
    }
  }

  /**
   * Restores a freshly built agent from a checkpoint: weights and optimiser moments (all checked
   * before any is assigned), step, random streams, conditioner state and normaliser. On failure
   * the agent is disposed: it was half restored and is never handed out.
   * @param storedAs - older group names (see `restoreAgentCheckpoint`).
   * @throws {@link CheckpointError} naming the column or header field at fault;
   * {@link ConfigError} when the conditioner's state does not fit (another text encoder).
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
    try {
      if (o.normalizer !== null && header.normalizer === undefined)
        throw new CheckpointError(
          `${where}: checkpoint header field 'normalizer' is missing; this agent normalises observations and needs the statistics it was trained with. The manifest was damaged or edited after saving; restore the checkpoint from a good copy.`,
          'normalizer',
        );
      restoreAgentCheckpoint(dir, `${o.name}.load`, groups, optimizers, storedAs);
      if (!Number.isSafeInteger(header.step) || header.step < 0)
        throw new CheckpointError(
          `${where}: checkpoint header field 'step' must be an integer >= 0, found ${String(header.step)}.`,
          'step',
        );
      this.step = header.step;
      restoreRandomStreams(o.streams, header.rng, where);
      if (header.conditioning !== undefined) o.conditioning.setState(header.conditioning, dir);
      if (o.normalizer !== null && header.normalizer !== undefined) o.normalizer.setState(header.normalizer);
      if (header.scalers !== undefined) this.scalers.setState(header.scalers, where);
      else if (o.normalizer === null && header.normalizer && this.scalers.config.observationScaler.kind === 'standard')
        // A checkpoint written before scalers existed, by an agent whose normaliser is now its standard observation scaler.
        this.scalers.setState({ observation: { kind: 'standard', epsilon: 1e-3, ...header.normalizer } }, where);
    } catch (error) {
      (o.hooks.agent as { dispose?: () => void } | null)?.dispose?.();
      throw error;
    }
  }

  /** Frees the target bookkeeping and the conditioner (the agent frees its own networks). */
  dispose(): void {
    this.options.targets.dispose();
    this.options.conditioning.dispose();
  }
}

/** What an exported policy records of its context: the task name, the text, the trajectory's length. */
function describeContext(context: TaskContext): Readonly<Record<string, unknown>> | null {
  const out: Record<string, unknown> = {};
  if (context.task !== undefined) out['task'] = context.task;
  if (context.textPrompt !== undefined) out['textPrompt'] = context.textPrompt;
  if (context.trajectoryPrompt !== undefined) out['trajectoryPromptLength'] = context.trajectoryPrompt.length;
  if (context.features !== undefined) out['features'] = Array.from(context.features, Number);
  return Object.keys(out).length === 0 ? null : out;
}
