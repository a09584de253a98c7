/**
 * The exported form of a diffusion policy's acting (Diffusion-QL, LLMDPD): the noise network's
 * trunk with one first-layer bias per diffusion step (the step's time features and the task's
 * condition folded in, computed by the ops acting uses), the critics that rank the candidates
 * (their condition folded in too), the schedule's coefficients and the candidate count and
 * temperature. The runtime replays `sampleActions` and `selectActions` with them
 * (`src/export/runtime.ts`, `docs/export.md`).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CriticEnsemble } from '../common/networks/critics.js';
import { type ActingExport, exportConditionedMlp, exportMlp, PolicyTensors } from '../common/policy-export.js';
import type { ContextRows } from '../conditioning/task-conditioning.js';
import type { DiffusionSchedule } from './chain.js';
import type { NoiseNetwork } from './noise-network.js';

/** What {@link diffusionActing} reads. */
export interface DiffusionActingParts {
  /** The network acting samples from (the online actor). */
  readonly actor: NoiseNetwork;
  /** The critics acting ranks candidates with (the target critics). */
  readonly critics: CriticEnsemble;
  /** The diffusion schedule. */
  readonly schedule: DiffusionSchedule;
  /** Candidates per observation. */
  readonly candidates: number;
  /** Softmax temperature. */
  readonly temperature: number;
  /** The action bound. */
  readonly maxAction: number;
}

/** Describes a diffusion policy's acting under one context's condition rows. */
export function diffusionActing(parts: DiffusionActingParts, rows: ContextRows): ActingExport {
  const tensors = new PolicyTensors();
  const { actor, critics, schedule } = parts;
  const K = schedule.steps;
  const row = (v: Float32Array | null) => (v === null ? null : tf.tensor2d(v, [1, v.length]));
  const stepBiases = tf.tidy(() => {
    const condition = row(rows.actor);
    return tf.concat(Array.from({ length: K }, (_, k) => actor.firstLayerBias(k, condition)));
  });
  let noise;
  try {
    noise = exportMlp(tensors, 'noise', actor.trunk, stepBiases);
  } finally {
    stepBiases.dispose();
  }
  const c = schedule.coefficients;
  return {
    acting: {
      kind: 'diffusion',
      noise,
      critics: critics.networks.map((q, i) => exportConditionedMlp(tensors, `critic/q${i + 1}`, q, rows.critic)),
      steps: K,
      sqrtRecipAlphasCumprod: Array.from(c.sqrtRecipAlphasCumprod),
      sqrtRecipM1AlphasCumprod: Array.from(c.sqrtRecipM1AlphasCumprod),
      posteriorMeanCoef1: Array.from(c.posteriorMeanCoef1),
      posteriorMeanCoef2: Array.from(c.posteriorMeanCoef2),
      sigma: Array.from(schedule.sigma),
      candidates: parts.candidates,
      temperature: parts.temperature,
      maxAction: parts.maxAction,
    },
    tensors: tensors.record,
  };
}
