/**
 * The pieces an actor-critic on the scaffold builds before its networks and runs around its
 * algorithm, in one place so that an agent file holds only its algorithm:
 *
 * - {@link createAgentParts}: the random streams, the target-network bookkeeping and the task
 *   conditioning, built from the config in that order;
 * - {@link createCritics}: the twin (or N) critics, their Polyak targets and their optimiser;
 *   {@link createActorOptimizer}: the actor's optimiser, which trains the conditioner too;
 * - {@link createAgentScaffold}: the {@link AgentScaffold} of an agent with its own acting path,
 *   which scales with the config's scalers (`scalers.ts`) and calls back the agent's public
 *   `update` and `save`; {@link createScaffold}: the same for an agent that acts with its
 *   actor's mean and exports that acting path;
 * - {@link policyMeanActions}: acting with a deterministic or Gaussian actor's mean.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TextEncoder } from '../../encoders/text/text-encoder.js';
import { Adam } from '../../nets/adam.js';
import type { NetModule } from '../../nets/module.js';
import type { ConditionerConfig, CriticConditioning } from '../conditioning/config.js';
import { type ContextRows, TaskConditioning } from '../conditioning/task-conditioning.js';
import type { ActorCriticConfig } from './actor-critic-config.js';
import { type ActWith, AgentScaffold, hooksOf, type ScaffoldDims } from './agent-scaffold.js';
import { type DeterministicActor, GaussianActor } from './networks/actors.js';
import { type ActingExport, deterministicActing } from './policy-export.js';
import type { ScalerConfig } from './scalers.js';
import { createRandomStreams, type RandomStreams } from './random-streams.js';
import { CriticEnsemble } from './networks/critics.js';
import { type CopySchedule, type PolyakSchedule, TargetNetworks } from './target-networks.js';

/** The non-network parts of an agent, shared with its scaffold. */
export interface AgentParts {
  /** The agent's random streams. */
  readonly streams: RandomStreams;
  /** The agent's target and EMA copies. */
  readonly targets: TargetNetworks;
  /** The task conditioning. */
  readonly conditioning: TaskConditioning;
}

/** The config fields {@link createAgentParts} reads. */
export interface AgentPartsConfig {
  /** Seed of every stream. */
  readonly seed: number;
  /** Observation width S. */
  readonly observationDim: number;
  /** Action width A. */
  readonly actionDim: number;
  /** The resolved conditioner. */
  readonly conditioner: ConditionerConfig;
  /** What the critics see of the condition. */
  readonly criticConditioning: CriticConditioning;
}

/**
 * Builds the streams (`createRandomStreams(seed)`), the target bookkeeping and the
 * conditioning, in that order.
 * @param conditionerCopy - the schedule of the agent's target actor, which the conditioner's slow
 * copy then follows (target actions see the target conditioner); null for agents without one.
 * @param textEncoder - the frozen text encoder of a `prompts` conditioner.
 * @throws {@link ConfigError} when `criticConditioning` is `'ema'` and there is no copy to read.
 */
export function createAgentParts(
  config: AgentPartsConfig,
  conditionerCopy: CopySchedule | null,
  textEncoder: TextEncoder | undefined,
): AgentParts {
  const streams = createRandomStreams(config.seed);
  const targets = new TargetNetworks();
  const conditioning = new TaskConditioning(config.conditioner, {
    observationDim: config.observationDim,
    actionDim: config.actionDim,
    rng: streams.conditioner,
    ema: conditionerCopy === null ? null : { schedule: conditionerCopy, targets },
    criticConditioning: config.criticConditioning,
    ...(textEncoder === undefined ? {} : { textEncoder }),
  });
  return { streams, targets, conditioning };
}

/** The config fields {@link createCritics} reads. */
export type CriticsConfig = Pick<
  ActorCriticConfig,
  'observationDim' | 'actionDim' | 'criticLearningRate' | 'hiddenDims'
> &
  Partial<Pick<ActorCriticConfig, 'activation'>>;

/** Online critics, their Polyak targets and the critics' optimiser. */
export interface Critics {
  /** Q1 … QN, trained. */
  readonly online: CriticEnsemble;
  /** Their Polyak copies. */
  readonly target: CriticEnsemble;
  /** Adam over the online critics, at `criticLearningRate`. */
  readonly optimizer: Adam;
}

/** The critics' number, widths and activation where they differ from two and the config's. */
export interface CriticShape {
  /** Number of critics. @defaultValue 2 */
  readonly count?: number;
  /** Hidden widths of each critic. @defaultValue the config's `hiddenDims` */
  readonly hiddenDims?: readonly number[];
  /** Hidden activation. @defaultValue the config's `activation` */
  readonly activation?: 'relu' | 'mish';
}

/**
 * Builds the critics on [s, a] and the conditioning's critic rows (weights from
 * `parts.streams.init`, online first), their target copies moving on `schedule`, and their
 * optimiser.
 */
export function createCritics(
  config: CriticsConfig,
  parts: AgentParts,
  schedule: PolyakSchedule,
  shape: CriticShape = {},
): Critics {
  const sizes = {
    ...config,
    activation: config.activation ?? 'relu',
    ...shape,
    count: shape.count ?? 2,
    conditionDim: parts.conditioning.criticWidth,
    rng: parts.streams.init,
  };
  const online = new CriticEnsemble({ ...sizes, name: 'critic', trainable: true });
  const target = new CriticEnsemble({ ...sizes, name: 'critic_target', trainable: false });
  parts.targets.polyak(target, online, schedule.tau, schedule.every);
  return {
    online,
    target,
    optimizer: new Adam(online.trainableVariables(), { learningRate: config.criticLearningRate }),
  };
}

/** Adam over the actor's variables and then the conditioner's (which trains through the actor loss). */
export function createActorOptimizer(actor: NetModule, conditioning: TaskConditioning, learningRate: number): Adam {
  return new Adam([...actor.trainableVariables(), ...conditioning.trainableVariables()], { learningRate });
}

/** The class name and progress label of an agent. */
export interface AgentName {
  /** Class name, recorded in checkpoints (e.g. `'IQLAgent'`). */
  readonly name: string;
  /** Progress label (e.g. `'IQL'`). */
  readonly label: string;
}

/** How an agent acts, for its scaffold. */
export interface AgentActing {
  /** Acting under one context's condition rows (observations already scaled). */
  readonly actWith: ActWith;
  /** What `exportPolicy` writes of that acting path (`policy-export.ts`). */
  readonly exportActing: (rows: ContextRows) => ActingExport;
}

/**
 * The class name and progress label `agent`'s class declares (static `agentName` and `label`,
 * which a subclass sets to its own).
 */
export function classNames(agent: object): AgentName {
  const kind = agent.constructor as unknown as { readonly agentName: string; readonly label: string };
  return { name: kind.agentName, label: kind.label };
}

/**
 * The scaffold of `agent`: its widths and batch size, scalers (fitted at the first `bindTasks`,
 * batches staged through them) and `parts` from `config`, acting as `acting` says; it calls back
 * `agent.update` and `agent.save`.
 */
export function createAgentScaffold(
  agent: Parameters<typeof hooksOf>[0],
  names: AgentName,
  config: ScaffoldDims & ScalerConfig,
  parts: AgentParts,
  acting: AgentActing,
): AgentScaffold {
  return new AgentScaffold({
    ...names,
    dims: config,
    ...parts,
    normalizer: null,
    scalers: config,
    hooks: hooksOf(agent, acting.actWith, acting.exportActing),
  });
}

/**
 * The scaffold of `agent` (`createAgentScaffold`) when it acts with `actor`'s mean action
 * ({@link policyMeanActions}) and exports that acting path (`policy-export.ts`,
 * `deterministicActing`).
 */
export function createScaffold(
  agent: Parameters<typeof hooksOf>[0],
  names: AgentName,
  config: ScaffoldDims & ScalerConfig,
  parts: AgentParts,
  actor: DeterministicActor | GaussianActor,
): AgentScaffold {
  return createAgentScaffold(agent, names, config, parts, {
    actWith: (observations, rows) => policyMeanActions(actor, observations, rows),
    exportActing: (rows) => deterministicActing(actor, rows.actor),
  });
}

/**
 * The actions of a deterministic actor, or the mean of a Gaussian one, for N observations
 * (row-major, already scaled) under one context's condition row.
 */
export function policyMeanActions(
  policy: DeterministicActor | GaussianActor,
  observations: Float32Array,
  rows: ContextRows,
): Float32Array {
  const { observationDim, conditionDim } = policy.options;
  return tf.tidy(() => {
    const s = tf.tensor2d(observations, [observations.length / observationDim, observationDim]);
    const condition = rows.actor === null ? null : tf.tensor2d(rows.actor, [1, conditionDim]);
    const actions = policy instanceof GaussianActor ? policy.mean(s, condition) : policy.apply(s, condition);
    return Float32Array.from(actions.dataSync());
  });
}
