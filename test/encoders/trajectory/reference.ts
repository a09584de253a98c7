/**
 * A float64 reference of the trajectory encoder in plain TypeScript (no tfjs), written from the
 * architecture description rather than from the implementation: each prompt is encoded on its
 * own from its real steps only, so it also checks that padding and masking change nothing.
 */
import type { TrajectoryEncoderConfig } from '../../../src/encoders/trajectory/index.js';

/** One prompt's real steps, row-major. */
export interface RefPrompt {
  readonly steps: number;
  readonly observations: ArrayLike<number>;
  readonly actions: ArrayLike<number>;
}

type Mat = { rows: number; cols: number; v: Float64Array };

const mat = (rows: number, cols: number, v?: ArrayLike<number>): Mat => ({
  rows,
  cols,
  v: v ? Float64Array.from(v) : new Float64Array(rows * cols),
});

function matmulBias(x: Mat, w: ArrayLike<number>, b: ArrayLike<number>, cols: number): Mat {
  const out = mat(x.rows, cols);
  for (let r = 0; r < x.rows; r++) {
    for (let c = 0; c < cols; c++) {
      let s = b[c];
      for (let k = 0; k < x.cols; k++) s += x.v[r * x.cols + k] * w[k * cols + c];
      out.v[r * cols + c] = s;
    }
  }
  return out;
}

function layerNorm64(x: Mat, gamma: ArrayLike<number>, beta: ArrayLike<number>, eps = 1e-5): Mat {
  const out = mat(x.rows, x.cols);
  for (let r = 0; r < x.rows; r++) {
    let mu = 0;
    for (let c = 0; c < x.cols; c++) mu += x.v[r * x.cols + c];
    mu /= x.cols;
    let variance = 0;
    for (let c = 0; c < x.cols; c++) variance += (x.v[r * x.cols + c] - mu) ** 2;
    variance /= x.cols;
    const rstd = 1 / Math.sqrt(variance + eps);
    for (let c = 0; c < x.cols; c++) out.v[r * x.cols + c] = (x.v[r * x.cols + c] - mu) * rstd * gamma[c] + beta[c];
  }
  return out;
}

const relu = (x: Mat): Mat => ({ ...x, v: x.v.map((z) => Math.max(0, z)) });
const addInto = (a: Mat, b: Mat): Mat => ({ ...a, v: a.v.map((z, i) => z + b.v[i]) });

/**
 * z_τ of one prompt, given the encoder's variables in `trainableVariables()` order as host arrays.
 */
export function referenceEncode(
  config: TrajectoryEncoderConfig,
  params: readonly ArrayLike<number>[],
  prompt: RefPrompt,
): Float64Array {
  const { observationDim: S, actionDim: A, maxPromptLength: T, width: d, heads, feedForwardDim: ff } = config;
  let i = 0;
  const next = (): ArrayLike<number> => params[i++];
  const n = 2 * prompt.steps;
  const F = S + A + 1 + T;
  const x = mat(n, F);
  for (let t = 0; t < prompt.steps; t++) {
    for (let c = 0; c < S; c++) x.v[2 * t * F + c] = prompt.observations[t * S + c]!;
    for (let c = 0; c < A; c++) x.v[(2 * t + 1) * F + S + c] = prompt.actions[t * A + c]!;
    x.v[(2 * t + 1) * F + S + A] = 1;
    x.v[2 * t * F + S + A + 1 + t] = 1;
    x.v[(2 * t + 1) * F + S + A + 1 + t] = 1;
  }
  let h = matmulBias(x, next(), next(), d);
  const dh = d / heads;
  for (let layer = 0; layer < config.layers; layer++) {
    const ln1 = layerNorm64(h, next(), next());
    const q = matmulBias(ln1, next(), next(), d);
    const k = matmulBias(ln1, next(), next(), d);
    const v = matmulBias(ln1, next(), next(), d);
    const o = mat(n, d);
    for (let j = 0; j < heads; j++) {
      for (let r = 0; r < n; r++) {
        const scores = new Float64Array(n);
        let max = -Infinity;
        for (let c = 0; c < n; c++) {
          let s = 0;
          for (let e = 0; e < dh; e++) s += q.v[r * d + j * dh + e] * k.v[c * d + j * dh + e];
          scores[c] = s / Math.sqrt(dh);
          max = Math.max(max, scores[c]);
        }
        let z = 0;
        for (let c = 0; c < n; c++) z += scores[c] = Math.exp(scores[c] - max);
        for (let e = 0; e < dh; e++) {
          let s = 0;
          for (let c = 0; c < n; c++) s += (scores[c] / z) * v.v[c * d + j * dh + e];
          o.v[r * d + j * dh + e] = s;
        }
      }
    }
    h = addInto(h, matmulBias(o, next(), next(), d));
    const ln2 = layerNorm64(h, next(), next());
    const inner = relu(matmulBias(ln2, next(), next(), ff));
    h = addInto(h, matmulBias(inner, next(), next(), d));
  }
  const hf = layerNorm64(h, next(), next());
  let pooled = mat(1, d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) pooled.v[c] += hf.v[r * d + c] / n;
  const dims = [...config.headHiddenDims, config.outputDim];
  dims.forEach((w, li) => {
    const y = matmulBias(pooled, next(), next(), w);
    pooled = li + 1 < dims.length ? relu(y) : y;
  });
  if (i !== params.length) throw new Error(`reference used ${i} of ${params.length} parameter arrays`);
  return pooled.v;
}
