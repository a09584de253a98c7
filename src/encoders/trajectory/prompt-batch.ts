/**
 * Host-side batching of trajectory prompts: several prompts of different lengths become one
 * padded, row-major block plus per-prompt lengths, which {@link TrajectoryEncoder} turns into
 * tokens. No tfjs here.
 *
 * Prompts may arrive as plain {@link Trajectory} objects (every step real) or padded, with a
 * `mask` (1 real, 0 padding) such as `ReplayBuffer.lastSteps(episode, L)` returns (front
 * zero-padded). Either way only the real steps are kept, in order; prompts longer than
 * `maxSteps` keep their **last** `maxSteps` steps (Prompt-DT's choice, `docs/encoders.md`, "Prompt length"). In the
 * batch every prompt's real steps start at step 0 and the padding follows them, so a step's
 * timestep index is its position in the prompt and does not depend on how the prompt was padded.
 *
 * @module
 */
import { ConfigError, ShapeError } from '../../core/errors.js';
import type { Trajectory } from '../../core/types.js';

/**
 * A trajectory prompt: a {@link Trajectory}, optionally with a mask marking padded steps.
 * `ReplayBuffer.lastSteps` results (PaddedTrajectory) fit this type as they are.
 */
export interface TrajectoryPrompt extends Trajectory {
  /** 1 for real steps, 0 for padding, `length` entries; absent means every step is real. */
  readonly mask?: Uint8Array;
}

/** Padded prompts in one block: prompt p's step t is row `p·steps + t`. */
export interface PromptBatch {
  /** Number of prompts P. */
  readonly size: number;
  /** Steps per prompt after padding (the longest prompt, or the requested `padTo`). */
  readonly steps: number;
  /** Length of one observation row S. */
  readonly observationDim: number;
  /** Length of one action row A. */
  readonly actionDim: number;
  /** `size · steps · observationDim` values; padded steps are zero. */
  readonly observations: Float32Array;
  /** `size · steps · actionDim` values; padded steps are zero. */
  readonly actions: Float32Array;
  /** Real steps of each prompt, in 1..steps; they occupy steps 0..length−1. */
  readonly lengths: Int32Array;
}

/** Options of {@link buildPromptBatch}. */
export interface BuildPromptBatchOptions {
  /** Most steps a prompt may keep; longer prompts keep their last `maxSteps` real steps. */
  readonly maxSteps: number;
  /** Required observation width; taken from the first prompt when absent. */
  readonly observationDim?: number;
  /** Required action width; taken from the first prompt when absent. */
  readonly actionDim?: number;
  /**
   * Pad every prompt to this many steps (at least the longest kept prompt, at most `maxSteps`).
   * @defaultValue the longest kept prompt
   */
  readonly padTo?: number;
}

/**
 * Packs prompts into a {@link PromptBatch}: real steps only (the mask is honoured), the last
 * `maxSteps` of each, front-aligned and zero-padded to a common length.
 *
 * @example
 * ```ts
 * const batch = buildPromptBatch([buffer.lastSteps(0, 20), trajectory], { maxSteps: 20 });
 * // batch.lengths = [real steps of each], batch.steps = the longest
 * ```
 * @throws {@link ShapeError} when a prompt's arrays do not match its length and widths, when
 * widths differ between prompts, or when a prompt has no real step; {@link ConfigError} on an
 * empty prompt list or invalid `maxSteps` / `padTo`.
 */
export function buildPromptBatch(prompts: readonly TrajectoryPrompt[], options: BuildPromptBatchOptions): PromptBatch {
  const { maxSteps } = options;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) {
    throw new ConfigError(`buildPromptBatch: maxSteps must be a positive integer, got ${String(maxSteps)}.`);
  }
  if (prompts.length === 0) {
    throw new ConfigError('buildPromptBatch: no prompts given; pass at least one trajectory prompt.');
  }
  const first = prompts[0];
  const S = options.observationDim ?? first.observationDim;
  const A = options.actionDim ?? first.actionDim;
  // Indices of the kept real steps of every prompt.
  const kept: Int32Array[] = prompts.map((prompt, p) => {
    checkPrompt(prompt, p, S, A);
    const real: number[] = [];
    for (let t = 0; t < prompt.length; t++) if (prompt.mask === undefined || prompt.mask[t] !== 0) real.push(t);
    if (real.length === 0) {
      throw new ShapeError(
        `buildPromptBatch: prompt ${p} has no real step (its mask is all zero). A trajectory prompt needs at least one (state, action) step; ` +
          'take it from an episode that is not empty.',
      );
    }
    return Int32Array.from(real.slice(Math.max(0, real.length - maxSteps)));
  });
  const longest = kept.reduce((m, k) => Math.max(m, k.length), 0);
  const steps = options.padTo ?? longest;
  if (!Number.isInteger(steps) || steps < longest || steps > maxSteps) {
    throw new ConfigError(
      `buildPromptBatch: padTo must be an integer in ${longest}..${maxSteps} (the longest kept prompt .. maxSteps), got ${String(options.padTo)}.`,
    );
  }
  const P = prompts.length;
  const observations = new Float32Array(P * steps * S);
  const actions = new Float32Array(P * steps * A);
  const lengths = new Int32Array(P);
  for (let p = 0; p < P; p++) {
    const prompt = prompts[p];
    const idx = kept[p];
    lengths[p] = idx.length;
    for (let j = 0; j < idx.length; j++) {
      const t = idx[j];
      observations.set(prompt.observations.subarray(t * S, (t + 1) * S), (p * steps + j) * S);
      actions.set(prompt.actions.subarray(t * A, (t + 1) * A), (p * steps + j) * A);
    }
  }
  return { size: P, steps, observationDim: S, actionDim: A, observations, actions, lengths };
}

/**
 * Joins prompt batches into one, in order, padded to the longest `steps` among them: prompt `i`
 * of the result is the `i`-th prompt counting through the batches. One encoder call on the joined
 * batch gives each prompt the same embedding as its own call (attention and pooling see only a
 * prompt's real steps), with one set of kernels instead of one per batch.
 *
 * @example
 * ```ts
 * const encoder = new TrajectoryEncoder({ observationDim: buffer.observationDim, actionDim: buffer.actionDim, rng });
 * const joined = mergePromptBatches([encoder.prepare([buffer.lastSteps(0, 20)]), encoder.prepare([trajectory])]);
 * const z = encoder.encode(joined, { training: true }); // [2, outputDim]: the first prompt's row, then the second's
 * ```
 * @returns the only batch itself when given one.
 * @throws {@link ConfigError} on an empty list; {@link ShapeError} when the widths differ.
 */
export function mergePromptBatches(batches: readonly PromptBatch[]): PromptBatch {
  if (batches.length === 0) throw new ConfigError('mergePromptBatches: no batches given; pass at least one.');
  if (batches.length === 1) return batches[0];
  const { observationDim: S, actionDim: A } = batches[0];
  let size = 0;
  let steps = 0;
  batches.forEach((b, i) => {
    if (b.observationDim !== S || b.actionDim !== A) {
      throw new ShapeError(
        `mergePromptBatches: batch ${i} has observationDim ${b.observationDim} and actionDim ${b.actionDim}, but batch 0 has ${S} and ${A}.`,
      );
    }
    size += b.size;
    steps = Math.max(steps, b.steps);
  });
  const observations = new Float32Array(size * steps * S);
  const actions = new Float32Array(size * steps * A);
  const lengths = new Int32Array(size);
  let p = 0;
  for (const b of batches) {
    for (let q = 0; q < b.size; q++, p++) {
      lengths[p] = b.lengths[q];
      const rows = b.lengths[q];
      observations.set(b.observations.subarray(q * b.steps * S, (q * b.steps + rows) * S), p * steps * S);
      actions.set(b.actions.subarray(q * b.steps * A, (q * b.steps + rows) * A), p * steps * A);
    }
  }
  return { size, steps, observationDim: S, actionDim: A, observations, actions, lengths };
}

function checkPrompt(prompt: TrajectoryPrompt, p: number, S: number, A: number): void {
  const where = `buildPromptBatch: prompt ${p}`;
  if (prompt.observationDim !== S || prompt.actionDim !== A) {
    throw new ShapeError(
      `${where} has observationDim ${prompt.observationDim} and actionDim ${prompt.actionDim}, but the batch expects ${S} and ${A}. ` +
        'All prompts of one encoder must come from environments with the same observation and action widths.',
    );
  }
  if (!Number.isInteger(prompt.length) || prompt.length < 0) {
    throw new ShapeError(`${where} has an invalid length ${String(prompt.length)}.`);
  }
  if (prompt.observations.length !== prompt.length * S || prompt.actions.length !== prompt.length * A) {
    throw new ShapeError(
      `${where} declares ${prompt.length} steps but holds ${prompt.observations.length} observation values (expected ${prompt.length * S}) ` +
        `and ${prompt.actions.length} action values (expected ${prompt.length * A}).`,
    );
  }
  if (prompt.mask !== undefined && prompt.mask.length !== prompt.length) {
    throw new ShapeError(
      `${where} has a mask of ${prompt.mask.length} entries for ${prompt.length} steps; give one entry per step.`,
    );
  }
}
