/**
 * What an agent contributes to `exportPolicy` (the rest is the scaffold's): its acting rule as
 * the runtime's JSON (`src/export/runtime.ts`) and the weights that rule reads, named. The
 * helpers here turn the shared networks into that form, with the task's condition folded into
 * the first-layer biases by the very tfjs ops acting uses, so an exported policy needs neither
 * the conditioner nor c's projection:
 *
 * - {@link exportMlp}: any {@link Mlp} (optionally with a folded first bias, and only its first
 *   output columns);
 * - {@link exportConditionedMlp}: a {@link ConditionedMlp} under one condition row;
 * - {@link tanhActing}: maxAction · tanh of the first A outputs of a {@link ConditionedMlp} (a
 *   tanh-Gaussian actor's mean head, whose other outputs are log σ: SAC-N, CQL);
 * - {@link deterministicActing}: the same for a {@link DeterministicActor}, or the mean of a
 *   {@link GaussianActor} (BC, TD3+BC, IQL).
 *
 * Diffusion policies use `src/agents/diffusion/export.ts`. Format: `docs/export.md`.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PolicyTensor } from '../../export/artefact.js';
import type { PolicyActing, PolicyDenseLayer, PolicyMlp } from '../../export/runtime.js';
import type { Mlp } from '../../nets/mlp.js';
import type { ConditionedMlp } from './networks/conditioned-mlp.js';
import { DeterministicActor, type GaussianActor } from './networks/actors.js';

/** An agent's acting rule and the weights it reads: what its `exportActing` hook returns. */
export interface ActingExport {
  /** The rule, naming its weights. */
  readonly acting: PolicyActing;
  /** The weights, by name. */
  readonly tensors: Readonly<Record<string, PolicyTensor>>;
}

/** Named weights collected while an acting rule is described. */
export class PolicyTensors {
  /** The weights so far, by name. */
  readonly record: Record<string, PolicyTensor> = {};

  /**
   * Copies `tensor`'s values under `name` and returns the name.
   * @throws `Error` on a repeated name (a bug in the caller).
   */
  add(name: string, tensor: tf.Tensor): string {
    if (name in this.record) throw new Error(`PolicyTensors: '${name}' was added twice.`);
    this.record[name] = { shape: [...tensor.shape], data: Float32Array.from(tensor.dataSync() as Float32Array) };
    return name;
  }
}

/**
 * Describes an {@link Mlp} and adds its weights under `prefix/l<i>/...`.
 * @param firstBias - replaces the first layer's bias: `[1, H]` (a folded condition) or `[K, H]`
 * (one row per diffusion step); freed by the caller.
 * @param outputColumns - keep only the first this many outputs (a mean head next to a log σ
 * head). @defaultValue all
 */
export function exportMlp(
  tensors: PolicyTensors,
  prefix: string,
  mlp: Mlp,
  firstBias?: tf.Tensor2D,
  outputColumns: number = mlp.outputDim,
): PolicyMlp {
  const last = mlp.layers.length - 1;
  return {
    inputDim: mlp.inputDim,
    outputDim: outputColumns,
    layers: mlp.layers.map((layer, i) => {
      let spec: PolicyDenseLayer | null = null;
      tf.tidy(() => {
        let kernel: tf.Tensor = layer.kernel;
        let bias: tf.Tensor = layer.bias;
        if (i === 0 && firstBias !== undefined)
          bias = firstBias.shape[0] === 1 ? tf.reshape(firstBias, [-1]) : firstBias;
        if (i === last && outputColumns < mlp.outputDim) {
          kernel = tf.slice(kernel, [0, 0], [-1, outputColumns]);
          bias = bias.rank === 1 ? tf.slice(bias, [0], [outputColumns]) : tf.slice(bias, [0, 0], [-1, outputColumns]);
        }
        spec = {
          kernel: tensors.add(`${prefix}/l${i}/kernel`, kernel),
          bias: tensors.add(`${prefix}/l${i}/bias`, bias),
          activation: layer.activation,
        };
      });
      return spec!;
    }),
  };
}

/**
 * Describes a {@link ConditionedMlp} under one condition row (`[C]` values, or null), folded into
 * its first bias.
 * @param outputColumns - keep only the first this many outputs. @defaultValue all
 */
export function exportConditionedMlp(
  tensors: PolicyTensors,
  prefix: string,
  net: ConditionedMlp,
  condition: Float32Array | null,
  outputColumns?: number,
): PolicyMlp {
  const bias = tf.tidy(() =>
    net.firstLayerBias(condition === null ? null : tf.tensor2d(condition, [1, condition.length])),
  );
  try {
    return exportMlp(tensors, prefix, net.mlp, bias, outputColumns);
  } finally {
    bias.dispose();
  }
}

/**
 * The acting rule a = maxAction · tanh(f(s, c)) with f the first `actionDim` outputs of `net`
 * (all of them by default): a deterministic actor's network, or a tanh-Gaussian actor's
 * `[mean, log σ]` network acting with its mean.
 * @param condition - the actor's condition row (`ContextRows.actor`), or null.
 */
export function tanhActing(
  net: ConditionedMlp,
  maxAction: number,
  condition: Float32Array | null,
  actionDim?: number,
): ActingExport {
  const tensors = new PolicyTensors();
  const actor = exportConditionedMlp(tensors, 'actor', net, condition, actionDim);
  return { acting: { kind: 'deterministic', actor, squash: 'tanh', maxAction }, tensors: tensors.record };
}

/**
 * The acting rule a = maxAction · tanh(f(s, c)) of a deterministic actor, or of a Gaussian
 * actor's mean (which is what those agents act with).
 * @param condition - the actor's condition row (`ContextRows.actor`), or null.
 */
export function deterministicActing(
  actor: DeterministicActor | GaussianActor,
  condition: Float32Array | null,
): ActingExport {
  const deterministic = actor instanceof DeterministicActor ? actor : actor.net;
  return tanhActing(deterministic.net, deterministic.options.maxAction, condition);
}
