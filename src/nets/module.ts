/**
 * The minimal contract of a network block: it owns `tf.Variable`s, lists the ones an optimiser
 * may train, and frees them on `dispose()`. Agents pass these explicit lists to optimisers,
 * because tfjs `minimize` without a variable list trains every trainable variable it can see
 * (an actor step would silently train the critic too).
 *
 * @module
 */
import type * as tf from '@tensorflow/tfjs-core';

/** A block of a network that owns variables. */
export interface NetModule {
  /** The variables an optimiser updates, in a fixed order (used for checkpoints as well). */
  trainableVariables(): tf.Variable[];
  /** Frees every variable the block owns. */
  dispose(): void;
}

/** Concatenates the trainable variables of several blocks, in order. */
export function variablesOf(...modules: readonly NetModule[]): tf.Variable[] {
  return modules.flatMap((m) => m.trainableVariables());
}
