/**
 * The contract between {@link TaskConditioning} (the runtime an agent holds) and one kind of
 * conditioner. A kind says how a task of the training data, or a context given at acting time,
 * becomes a host-side input (a text vector and a packed trajectory, a task row, a feature
 * vector), and builds the network that maps inputs to condition rows. The runtime does
 * everything else the same way for every kind: binding to data, grouping a batch by task,
 * drawing one of a task's trajectory prompts, caching EMA rows, acting rows and checkpoints.
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/rng.js';
import type { TaskPrompts } from '../../core/types.js';
import type { TaskContext } from '../agent.js';
import type { NetModule } from '../../nets/module.js';

/** A task of the training data, as a conditioner sees it. */
export interface TrainingTask extends TaskPrompts {
  /** The task's position in the data (the value of `batch.taskIndices` for its rows). */
  readonly index: number;
}

/** The network of a conditioner: host inputs in, condition rows out. */
export interface ConditionNetwork<Input> extends NetModule {
  /**
   * Condition rows c for `inputs`, one row each.
   * @param training - training mode (dropout); false for EMA copies and acting.
   * @remarks Returns a new `[inputs.length, width]` tensor; the caller owns it. Differentiable
   * with respect to the network's variables when called inside a gradient closure.
   */
  apply(inputs: readonly Input[], training: boolean): tf.Tensor2D;
  /** The state of the network's own random stream (dropout masks), or null when it has none. */
  randomState(): unknown;
  /** Restores {@link ConditionNetwork.randomState}'s output. */
  setRandomState(state: unknown): void;
}

/** One kind of conditioner; see the module comment. */
export interface ConditionerImplementation<Input> {
  /** Width of c. */
  readonly width: number;
  /**
   * Host inputs of one training task, one per variant (per trajectory prompt; one for kinds
   * without trajectories).
   * @throws a typed error naming the task when it cannot be conditioned on.
   */
  prepareTask(task: TrainingTask): Promise<Input[]>;
  /** Work an acting context needs before {@link ConditionerImplementation.prepareContext} (embedding a new text). */
  ready(context: TaskContext): Promise<void>;
  /**
   * The host input of an acting context.
   * @param what - the caller, for error messages.
   * @throws a typed error saying what the context lacks.
   */
  prepareContext(context: TaskContext, what: string): Input;
  /** Builds a network: the online one (trainable) or a copy for the EMA. */
  createNetwork(rng: Rng, name: string, trainable: boolean): ConditionNetwork<Input>;
  /** Host state to checkpoint (the prompts kind's text embeddings), JSON. */
  getState(): unknown;
  /**
   * Restores {@link ConditionerImplementation.getState}'s output.
   * @throws {@link ConfigError} when the state does not fit (another text encoder).
   */
  setState(state: unknown, where: string): void;
}
