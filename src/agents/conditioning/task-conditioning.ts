/**
 * {@link TaskConditioning}: the task-conditioning module an agent holds, whatever the kind of
 * conditioner (`docs/algorithms/conditioning.md`). It owns the conditioner's online network
 * (trained by the agent's actor loss: its variables go into the actor's optimiser), an optional
 * EMA copy (for agents whose target actions come from an EMA or Polyak actor), the host-side
 * inputs of the tasks it is bound to, and its own random streams. An agent's update asks it for
 * three kinds of condition rows:
 *
 * - {@link TaskConditioning.actorRows}: c from the online network, inside the actor's gradient
 *   closure (dropout on), so the actor loss trains the conditioner end to end;
 * - {@link TaskConditioning.targetRows}: c̄ for target actions, from the EMA copy (cached per task
 *   until the copy moves), or sg(c) when there is no copy;
 * - {@link TaskConditioning.criticRows}: what the critics see, by the `criticConditioning` option.
 *
 * Binding is explicit: {@link TaskConditioning.bind} prepares every task of a data source (embeds
 * texts once, packs trajectory prompts, looks up ids or features) and `update` fails with a
 * message saying so when a batch refers to tasks it is not bound to. `fit` binds by itself.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../../core/errors.js';
import type { Rng, RngState } from '../../core/rng.js';
import type { Batch, PromptedTaskSource, TransitionSource } from '../../core/types.js';
import { valuesVersion } from '../../engine/kernels.js';
import { stopGradient } from '../../nets/stop-gradient.js';
import { HashedNgramTextEncoder } from '../../encoders/text/hashed-text-encoder.js';
import type { TextEncoder } from '../../encoders/text/text-encoder.js';
import type { CopySchedule, TargetNetworks } from '../common/target-networks.js';
import { type ConditionerConfig, conditionerWidth, type CriticConditioning } from './config.js';
import { featuresConditioner } from './features.js';
import type { TaskContext } from '../agent.js';
import type { ConditionerImplementation, ConditionNetwork } from './kind.js';
import { PromptsConditioner } from './prompts.js';
import { taskIdConditioner } from './task-id.js';

/** The slow (EMA or Polyak) copy of a conditioner: its schedule and where it is registered. */
export interface ConditionerEma {
  /** When the copy moves: the agent's target actor's schedule (EMA, or Polyak for TD3-style targets). */
  readonly schedule: CopySchedule;
  /** The agent's target networks, which move the copy in `update(step)`. */
  readonly targets: TargetNetworks;
}

/** How an agent uses its conditioner. */
export interface TaskConditioningOptions {
  /** Observation width S (trajectory prompts). */
  readonly observationDim: number;
  /** Action width A (trajectory prompts). */
  readonly actionDim: number;
  /** The agent's conditioner stream; split here into weights and prompt draws. */
  readonly rng: Rng;
  /**
   * An EMA copy of the conditioner, registered with the agent's target networks (agents with an
   * EMA or Polyak target actor); null for none.
   */
  readonly ema: ConditionerEma | null;
  /** What the critics see of the condition (`'none'` for agents without critics). */
  readonly criticConditioning: CriticConditioning;
  /** The frozen text encoder of the prompts kind. @defaultValue a {@link HashedNgramTextEncoder} */
  readonly textEncoder?: TextEncoder;
}

/** The tasks of one batch: which tasks it holds, which prompt of each was drawn, and each row's task. */
export interface TaskSelection {
  /** Distinct task indices of the batch, in order of first appearance. */
  readonly tasks: readonly number[];
  /** For each of `tasks`, the variant (trajectory prompt) drawn this step. */
  readonly variants: readonly number[];
  /** Per batch row, the position of its task in `tasks`. */
  readonly rowTask: Int32Array;
}

/** Condition rows of one acting context, computed once on the host. */
export interface ContextRows {
  /** c for the actor, or null without conditioning. */
  readonly actor: Float32Array | null;
  /** What the critics see (by `criticConditioning`), or null. */
  readonly critic: Float32Array | null;
}

/** What a checkpoint keeps of the conditioning runtime. */
export interface TaskConditioningState {
  /** The kind's host state (the prompts kind's embedded texts). */
  readonly kind: unknown;
  /** The prompt-draw stream. */
  readonly draws: RngState;
  /** The online network's own stream (dropout), or null. */
  readonly network: unknown;
}

function isPromptedTaskSource(data: TransitionSource): data is PromptedTaskSource {
  const d = data as Partial<PromptedTaskSource>;
  return typeof d.numTasks === 'number' && typeof d.task === 'function';
}

function implementationOf(
  config: ConditionerConfig,
  dims: { observationDim: number; actionDim: number },
  textEncoder: TextEncoder | undefined,
): ConditionerImplementation<unknown> | null {
  switch (config.kind) {
    case 'none':
      return null;
    case 'task-id':
      return taskIdConditioner(config);
    case 'features':
      return featuresConditioner(config);
    case 'prompts':
      return new PromptsConditioner(config, textEncoder ?? new HashedNgramTextEncoder(), dims);
  }
}

/** The conditioning runtime of one agent; see the module comment. */
export class TaskConditioning {
  /** Width of c (0 for the `none` kind). */
  readonly width: number;
  /** Width of the critics' condition input (0 when `criticConditioning` is `'none'`). */
  readonly criticWidth: number;
  /** The kind (null for `none`). */
  readonly implementation: ConditionerImplementation<unknown> | null;
  /** The online network, trained by the actor loss (null for `none`). */
  readonly network: ConditionNetwork<unknown> | null;
  /** The EMA copy (null without one). */
  readonly emaNetwork: ConditionNetwork<unknown> | null;
  private readonly drawRng: Rng;
  private inputs: readonly (readonly unknown[])[] | null = null;
  private readonly emaCache = new Map<string, tf.Tensor2D>();
  private emaCacheKey: readonly object[] = [];

  /**
   * Builds the networks (online first, then the EMA copy) from the conditioner stream.
   * @throws {@link ConfigError} when `criticConditioning` is `'ema'` without an EMA copy.
   */
  constructor(
    /** The resolved conditioner config. */
    readonly config: ConditionerConfig,
    /** How the agent uses it. */
    readonly options: TaskConditioningOptions,
  ) {
    this.width = conditionerWidth(config);
    // A prompts conditioner with both branches off (the paper's w/o-prompt ablation) is no conditioner.
    this.implementation = this.width === 0 ? null : implementationOf(config, options, options.textEncoder);
    const initRng = options.rng.split();
    this.drawRng = options.rng.split();
    this.network = this.implementation?.createNetwork(initRng, 'conditioner', true) ?? null;
    this.emaNetwork =
      this.implementation !== null && options.ema !== null
        ? this.implementation.createNetwork(initRng, 'conditioner_ema', false)
        : null;
    if (this.network !== null && this.emaNetwork !== null)
      options.ema!.targets.follow(this.network, this.emaNetwork, options.ema!.schedule);
    if (options.criticConditioning === 'ema' && options.ema === null && this.width > 0)
      throw new ConfigError(
        "criticConditioning 'ema' needs an agent with an EMA copy of its actor; use 'online-detached' or 'none'.",
      );
    this.criticWidth = options.criticConditioning === 'none' ? 0 : this.width;
  }

  /** Whether `update` needs tasks bound (every kind but `none`). */
  get needsTasks(): boolean {
    return this.implementation !== null;
  }

  /** Number of tasks bound (0 before {@link TaskConditioning.bind}). */
  get boundTasks(): number {
    return this.inputs?.length ?? 0;
  }

  /**
   * Prepares every task of `data` for `update`: batch task index i then refers to `data.task(i)`.
   * The `none` kind accepts any data and does nothing.
   * @throws {@link ConfigError} when `data` has no tasks (a plain buffer) or a task cannot be
   * conditioned on (missing prompt, unknown task id, no features).
   */
  async bind(data: TransitionSource): Promise<void> {
    const impl = this.implementation;
    if (impl === null) return;
    if (!isPromptedTaskSource(data))
      throw new ConfigError(
        `A '${this.config.kind}' conditioner trains on multi-task data whose tasks have names and prompts (e.g. a MultiTaskDataset); got a source without tasks. Use conditioner { kind: 'none' } for single-task data.`,
      );
    const inputs: unknown[][] = [];
    for (let i = 0; i < data.numTasks; i++) inputs.push(await impl.prepareTask({ ...data.task(i), index: i }));
    this.inputs = inputs;
    this.clearCache();
  }

  /**
   * Groups a batch by task and draws, for each task with several trajectory prompts, the one
   * used this step (from the conditioner's own stream).
   * @throws {@link ConfigError} when a row's task index is not bound.
   */
  select(batch: Batch): TaskSelection {
    const tasks: number[] = [];
    const rowTask = new Int32Array(batch.size);
    for (let i = 0; i < batch.size; i++) {
      const t = batch.taskIndices[i];
      let j = tasks.indexOf(t);
      if (j < 0) {
        if (this.implementation !== null && (this.inputs === null || t >= this.inputs.length))
          throw new ConfigError(
            `Batch row ${i} has task index ${t}, but the agent is bound to ${this.boundTasks} task(s); call \`await agent.bindTasks(data)\` with the data the batch comes from before update (fit does it).`,
          );
        j = tasks.push(t) - 1;
      }
      rowTask[i] = j;
    }
    const variants = tasks.map((t) => {
      const n = this.inputs?.[t]?.length ?? 1;
      return n > 1 ? this.drawRng.int(n) : 0;
    });
    return { tasks, variants, rowTask };
  }

  private inputsOf(selection: TaskSelection): unknown[] {
    return selection.tasks.map((t, i) => this.inputs![t][selection.variants[i]]);
  }

  /** One row per task (`[1, C]` as it is when one task fills the batch), else one per batch row. */
  private expand(perTask: tf.Tensor2D, selection: TaskSelection): tf.Tensor2D {
    if (selection.tasks.length === 1) return perTask;
    return tf.tidy(() => tf.gather(perTask, tf.tensor1d(selection.rowTask, 'int32')));
  }

  /**
   * c from the online network in training mode, differentiable: call inside the actor's
   * gradient closure.
   * @remarks Returns a new tensor (`[1, C]` or `[B, C]`) or null without conditioning.
   */
  actorRows(selection: TaskSelection): tf.Tensor2D | null {
    if (this.network === null) return null;
    return tf.tidy(() => this.expand(this.network!.apply(this.inputsOf(selection), true), selection));
  }

  /**
   * c̄ for target actions: the EMA copy's rows (cached per task and prompt until the copy's
   * weights change), or the online rows as constants when there is no copy.
   * @remarks Returns a new tensor or null without conditioning.
   */
  targetRows(selection: TaskSelection): tf.Tensor2D | null {
    if (this.network === null) return null;
    if (this.emaNetwork === null) return this.detachedRows(selection);
    return tf.tidy(() => {
      const rows = selection.tasks.map((t, i) => tf.clone(this.cachedEmaRow(t, selection.variants[i])));
      return this.expand(rows.length === 1 ? rows[0] : tf.concat(rows, 0), selection);
    });
  }

  /**
   * What the critics see: null (`'none'`), the EMA rows (`'ema'`) or the online rows as
   * constants (`'online-detached'`).
   * @remarks Returns a new tensor or null.
   */
  criticRows(selection: TaskSelection): tf.Tensor2D | null {
    if (this.network === null) return null;
    switch (this.options.criticConditioning) {
      case 'none':
        return null;
      case 'ema':
        return this.targetRows(selection);
      case 'online-detached':
        return this.detachedRows(selection);
    }
  }

  private detachedRows(selection: TaskSelection): tf.Tensor2D {
    return tf.tidy(() => this.expand(stopGradient(this.network!.apply(this.inputsOf(selection), false)), selection));
  }

  /**
   * The EMA network's row of one task's prompt, computed once per EMA weight state: the cache
   * is dropped as soon as any EMA variable's values change (an EMA step, by `assign` or in
   * place; see `valuesVersion`), so the EMA trajectory encoder runs only when its weights change.
   */
  private cachedEmaRow(task: number, variant: number): tf.Tensor2D {
    const ema = this.emaNetwork!;
    const ids = ema.trainableVariables().map(valuesVersion);
    if (ids.length !== this.emaCacheKey.length || ids.some((id, i) => id !== this.emaCacheKey[i])) {
      this.clearCache();
      this.emaCacheKey = ids;
    }
    const key = `${task}/${variant}`;
    let row = this.emaCache.get(key);
    if (row === undefined) {
      row = tf.keep(ema.apply([this.inputs![task][variant]], false));
      this.emaCache.set(key, row);
    }
    return row;
  }

  private clearCache(): void {
    for (const t of this.emaCache.values()) t.dispose();
    this.emaCache.clear();
  }

  /** Does the asynchronous work an acting context needs (embedding a new text prompt). */
  async ready(context: TaskContext): Promise<void> {
    await this.implementation?.ready(context);
  }

  /**
   * The condition rows of an acting context, on the host: c (online network, evaluation mode)
   * and the critics' rows. Synchronous: a new text must have been embedded by
   * {@link TaskConditioning.ready}.
   * @param what - the caller, for error messages.
   * @throws a typed error saying what the context lacks.
   */
  contextRows(context: TaskContext, what: string): ContextRows {
    const impl = this.implementation;
    if (impl === null || this.network === null) return { actor: null, critic: null };
    const input = impl.prepareContext(context, what);
    const read = (net: ConditionNetwork<unknown>) =>
      tf.tidy(() => Float32Array.from(net.apply([input], false).dataSync()));
    const actor = read(this.network);
    switch (this.options.criticConditioning) {
      case 'none':
        return { actor, critic: null };
      case 'ema':
        return { actor, critic: read(this.emaNetwork!) };
      case 'online-detached':
        return { actor, critic: actor };
    }
  }

  /** The online network's variables (they train with the actor), in a fixed order. */
  trainableVariables(): tf.Variable[] {
    return this.network?.trainableVariables() ?? [];
  }

  /** Variables to checkpoint: `conditioner` and, with an EMA copy, `conditionerEma`. */
  variableGroups(): Record<string, tf.Variable[]> {
    const groups: Record<string, tf.Variable[]> = {};
    if (this.network !== null) groups['conditioner'] = this.network.trainableVariables();
    if (this.emaNetwork !== null) groups['conditionerEma'] = this.emaNetwork.trainableVariables();
    return groups;
  }

  /** The host state to checkpoint. */
  getState(): TaskConditioningState {
    return {
      kind: this.implementation?.getState() ?? null,
      draws: this.drawRng.getState(),
      network: this.network?.randomState() ?? null,
    };
  }

  /**
   * Restores {@link TaskConditioning.getState}'s output (fields may be missing in checkpoints
   * older than the stream they describe; those streams stay fresh).
   * @throws {@link ConfigError} when the state does not fit (another text encoder).
   */
  setState(state: Partial<TaskConditioningState>, where: string): void {
    if (state.kind !== undefined && state.kind !== null) this.implementation?.setState(state.kind, where);
    if (state.draws !== undefined) this.drawRng.setState(state.draws);
    if (state.network !== undefined) this.network?.setRandomState(state.network);
    this.clearCache();
  }

  /** Frees the networks and the cache (not the text encoder, which the caller may share). */
  dispose(): void {
    this.clearCache();
    this.network?.dispose();
    this.emaNetwork?.dispose();
  }
}
