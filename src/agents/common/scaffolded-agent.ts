/**
 * {@link ScaffoldedAgent}: the methods of the `Agent` interface that are the same for every agent
 * on the scaffold, each a one-line delegation to the agent's {@link AgentScaffold}, written once
 * for every agent (BC, IQL, TD3+BC, Diffusion-QL and LLMDPD, and the soft actor-critic family).
 *
 * Why a base class when agents otherwise compose shared modules: the `Agent` interface needs
 * these methods on the agent itself, and written in each agent file they are the same dozen lines
 * in every file (act, actBatch, policy, exportPolicy, bindTasks, fit, step, save, load, dispose). This class
 * holds those delegations and nothing else: no algorithmic step, no hook that an update runs
 * through, no network. An agent still builds its parts by composition (`actor-critic.ts`)
 * and writes its whole `update` in its own file (`docs/algorithms/README.md`, "How an agent is
 * built here"). The one hook it offers is `upgradeHeader`, for an agent
 * that still reads an older checkpoint format.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Batch, TransitionSource } from '../../core/types.js';
import type { Adam } from '../../nets/adam.js';
import type { NetModule } from '../../nets/module.js';
import type { TextEncoder } from '../../encoders/text/text-encoder.js';
import type { PolicyExportSummary } from '../../export/artefact.js';
import type { Agent, BoundPolicy, ExportPolicyOptions, FitOptions, FitReport, Metrics, TaskContext } from '../agent.js';
import type { AgentDependencies } from './agent-config.js';
import type { ConditionerConfig } from '../conditioning/config.js';
import { assertSameTextEncoder } from '../conditioning/prompts.js';
import { type AgentCheckpointHeader, AgentScaffold } from './agent-scaffold.js';

/** An agent class as {@link ScaffoldedAgent.load} is called on it. */
export interface ScaffoldedAgentClass<T> {
  /** Builds an agent from a resolved config. */
  new (config: never, dependencies?: AgentDependencies): T;
  /** The class name its checkpoints record (e.g. `'IQLAgent'`). */
  readonly agentName: string;
}

/** A checkpoint header brought to today's format, and the older names of its variable groups. */
export interface UpgradedHeader {
  /** The header in today's format. */
  readonly header: AgentCheckpointHeader;
  /** Group name → the name it is stored under (see `restoreAgentCheckpoint`). */
  readonly storedAs: Readonly<Record<string, string>>;
}

/** The `Agent` plumbing shared by the agents on the scaffold; see the module comment. */
export abstract class ScaffoldedAgent<C> implements Agent<C> {
  /** Resolved configuration. */
  abstract readonly config: Readonly<C>;
  /** The plumbing every method here delegates to; the agent builds it last in its constructor. */
  protected abstract readonly scaffold: AgentScaffold;
  /** The optimisers a checkpoint holds, by name. */
  protected abstract readonly optimizers: Readonly<Record<string, Adam>>;

  /**
   * The agent's networks by role (`actor`, `critic`, `criticTarget`, …): their variables are
   * the checkpoint's groups, and {@link ScaffoldedAgent.dispose} frees them.
   */
  protected abstract networks(): Readonly<Record<string, NetModule>>;

  /**
   * One gradient step on `batch`.
   * @returns metrics when `readMetrics` is true (forces a device sync), else null.
   */
  abstract update(batch: Batch, readMetrics?: boolean): Metrics | null;

  /** Total gradient steps taken. */
  get step(): number {
    return this.scaffold.step;
  }

  /** One action for one observation under `context`. @throws {@link ShapeError} on a wrong length. */
  act(observation: Float32Array, context: TaskContext = {}): Float32Array {
    return this.scaffold.act(observation, context);
  }

  /** Actions for N observations (`N * observationDim`, row-major) in one batched call. */
  actBatch(observations: Float32Array, context: TaskContext = {}): Float32Array {
    return this.scaffold.actBatch(observations, context);
  }

  /** A policy bound to `context`, its condition computed once (async: a new text needs the encoder). */
  policy(context: TaskContext = {}): Promise<BoundPolicy> {
    return this.scaffold.policy(context);
  }

  /**
   * Writes the policy for `options.context` as a small artefact a dependency-free runtime acts
   * with, in Node or a browser (`docs/export.md`).
   */
  exportPolicy(dir: string, options: ExportPolicyOptions = {}): Promise<PolicyExportSummary> {
    return this.scaffold.exportPolicy(dir, options);
  }

  /** Binds the conditioner (and fits the scalers) so `update` can take batches of `data`. */
  bindTasks(data: TransitionSource): Promise<void> {
    return this.scaffold.bindTasks(data);
  }

  /**
   * Trains on `data` for `options.steps` steps (see {@link FitOptions}).
   * @throws {@link ConfigError} when the data's dimensions differ from the agent's.
   */
  fit(data: TransitionSource, options: FitOptions<this>): Promise<FitReport> {
    return this.scaffold.fit(data, options);
  }

  /** Writes a resumable checkpoint (config, step, streams, statistics, conditioner, weights, optimisers) atomically. */
  save(dir: string): void {
    this.scaffold.save(dir, this.config, this.variableGroups(), this.optimizers);
  }

  /** Every variable a checkpoint holds, by role: each network's, then the conditioner's (the conformance suite reads it too). */
  protected variableGroups(): Record<string, tf.Variable[]> {
    const groups: Record<string, tf.Variable[]> = {};
    for (const [role, network] of Object.entries(this.networks())) groups[role] = network.trainableVariables();
    return { ...groups, ...this.scaffold.options.conditioning.variableGroups() };
  }

  /** Frees every tensor the agent owns: networks, optimisers, targets and conditioner (not a shared text encoder). */
  dispose(): void {
    for (const optimizer of Object.values(this.optimizers)) optimizer.dispose();
    this.scaffold.dispose();
    for (const network of Object.values(this.networks())) network.dispose();
  }

  /**
   * Restores an agent of the calling class saved with `save` (or in an older format its
   * `upgradeHeader` reads): reads and validates the checkpoint header
   * (written by the class `agentName`), checks the text encoder of a `prompts` conditioner,
   * builds the agent from the header's config under the checkpoint's weight budget
   * (`AgentScaffold.buildFromHeader`), and restores weights, optimiser moments, step, random
   * streams, conditioner and fitted scalers; training resumes exactly.
   * @example
   * ```ts
   * const agent = IQLAgent.load('checkpoints/iql');
   * ```
   * @throws {@link DatasetError} on a missing or corrupted checkpoint ({@link CheckpointError}
   * naming the field or column it cannot trust); {@link ConfigError} when another agent wrote it,
   * or a `prompts` conditioner gets another text encoder than it was trained with.
   */
  static load<T extends ScaffoldedAgent<unknown>>(
    this: ScaffoldedAgentClass<T>,
    dir: string,
    dependencies: AgentDependencies = {},
  ): T {
    const read = AgentScaffold.readHeader(dir, this.agentName);
    const kind = this as unknown as typeof ScaffoldedAgent;
    const { header, storedAs } = AgentScaffold.buildFromHeader(dir, read, () => kind.upgradeHeader(read));
    checkTextEncoder(header, dependencies.textEncoder, dir);
    const agent = AgentScaffold.buildFromHeader(dir, header, () => new this(header.config as never, dependencies));
    agent.scaffold.restore(dir, header, agent.variableGroups(), agent.optimizers, storedAs);
    return agent;
  }

  /**
   * Turns a validated header of an older checkpoint format into today's, and names the variable
   * groups it stored under other names. Runs under `AgentScaffold.buildFromHeader`, so a config
   * it cannot resolve is reported as a damaged checkpoint. Today's format needs nothing.
   * @internal
   */
  protected static upgradeHeader(header: AgentCheckpointHeader): UpgradedHeader {
    return { header, storedAs: {} };
  }
}

/**
 * Reads the header of a checkpoint written by the agent class `name` and, for a `prompts`
 * conditioner, checks that `textEncoder` is the one it was trained with.
 * @throws {@link DatasetError} on a missing or damaged checkpoint; {@link ConfigError} when
 * another agent wrote it or the text encoder differs.
 */
export function readAgentHeader(
  dir: string,
  name: string,
  textEncoder: TextEncoder | undefined,
): AgentCheckpointHeader {
  const header = AgentScaffold.readHeader(dir, name);
  checkTextEncoder(header, textEncoder, dir);
  return header;
}

/**
 * For a header whose config has a `prompts` conditioner, checks that `textEncoder` is the one it
 * was trained with.
 * @throws {@link ConfigError} when the text encoder differs.
 */
function checkTextEncoder(header: AgentCheckpointHeader, textEncoder: TextEncoder | undefined, dir: string): void {
  const config = header.config as { readonly conditioner?: ConditionerConfig } | undefined;
  if (config?.conditioner?.kind === 'prompts') assertSameTextEncoder(header, textEncoder, dir);
}
