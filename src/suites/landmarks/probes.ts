/**
 * Leak probes: checks that a task family's prompts do not give its answers away.
 *
 * A benchmark of generalisation to unseen tasks proves nothing if a trivial reader of the
 * prompts solves it. These probes are the trivial readers, small and fast enough for tests:
 *
 * - **Goal read-out** ({@link fitReadout}): a ridge-regression or small-MLP read-out from a
 *   prompt's features (a text embedding, a summary of the trajectory prompt) to the evaluation
 *   episode's goal, trained on seen tasks' episodes, scored on unseen ones as R² against
 *   predicting the training mean (R² near 0 means the prompt says nothing about the goal).
 * - **Prompt-read-out behaviour cloning** ({@link trainReadoutCloner}): an MLP cloned from the
 *   seen tasks' expert transitions with the observation plus a summary of the trajectory prompt
 *   (the mean of its last positions) as input: the baseline that solved `pointmass-reach`'s unseen
 *   tasks by reading the goal off the prompt's last steps.
 * - **One-channel oracles**: the `text-oracle` and `trajectory-oracle` behaviours of
 *   `behaviours.ts`, which know the rule only or the map only.
 *
 * Everything here is plain TypeScript on float64 arrays (no tfjs): a few thousand parameters
 * trained in seconds.
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import type { Trajectory } from '../../core/types.js';

/** A dataset of rows: `inputs` is `rows × inputDim`, `targets` is `rows × outputDim`, row-major. */
export interface ProbeData {
  /** Input rows. */
  readonly inputs: Float64Array;
  /** Target rows. */
  readonly targets: Float64Array;
  /** Number of rows. */
  readonly rows: number;
  /** Length of an input row. */
  readonly inputDim: number;
  /** Length of a target row. */
  readonly outputDim: number;
}

/** Gathers input and target rows into {@link ProbeData}. */
export function probeData(inputs: readonly ArrayLike<number>[], targets: readonly ArrayLike<number>[]): ProbeData {
  if (inputs.length === 0 || inputs.length !== targets.length)
    throw new ConfigError(
      `probeData needs as many target rows as input rows (at least one), got ${inputs.length} and ${targets.length}.`,
    );
  const inputDim = inputs[0].length;
  const outputDim = targets[0].length;
  const x = new Float64Array(inputs.length * inputDim);
  const y = new Float64Array(inputs.length * outputDim);
  inputs.forEach((row, i) => {
    if (row.length !== inputDim)
      throw new ConfigError(`probeData: input row ${i} has ${row.length} values, row 0 has ${inputDim}.`);
    x.set(Array.from(row), i * inputDim);
  });
  targets.forEach((row, i) => {
    if (row.length !== outputDim)
      throw new ConfigError(`probeData: target row ${i} has ${row.length} values, row 0 has ${outputDim}.`);
    y.set(Array.from(row), i * outputDim);
  });
  return { inputs: x, targets: y, rows: inputs.length, inputDim, outputDim };
}

/** The mean of the last `steps` positions (`observation[0..1]`) of a trajectory prompt. */
export function lastPositions(trajectory: Trajectory, steps = 10): Float64Array {
  const n = Math.min(steps, trajectory.length);
  const out = new Float64Array(2);
  for (let t = trajectory.length - n; t < trajectory.length; t++) {
    out[0] += trajectory.observations[t * trajectory.observationDim] / n;
    out[1] += trajectory.observations[t * trajectory.observationDim + 1] / n;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// A small MLP on float64 arrays
// ---------------------------------------------------------------------------------------------

/** A fully connected network with tanh hidden layers and a linear (or tanh) output. */
export class TinyMlp {
  /** Layer widths, input first. */
  readonly sizes: readonly number[];
  private readonly weights: Float64Array[];
  private readonly biases: Float64Array[];
  private readonly squash: boolean;

  /**
   * @param sizes - widths from input to output, e.g. `[12, 64, 64, 2]` (`[d, k]` is linear).
   * @param rng - initialisation stream (uniform ±1/√fan-in, as PyTorch's Linear).
   * @param squashOutput - apply tanh to the output (actions in [-1, 1]).
   */
  constructor(sizes: readonly number[], rng: Rng, squashOutput = false) {
    if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1))
      throw new ConfigError(`TinyMlp sizes must be at least two positive integers, got [${sizes.join(', ')}].`);
    this.sizes = Object.freeze([...sizes]);
    this.squash = squashOutput;
    this.weights = [];
    this.biases = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const bound = 1 / Math.sqrt(sizes[l]);
      this.weights.push(Float64Array.from({ length: sizes[l] * sizes[l + 1] }, () => rng.uniform(-bound, bound)));
      this.biases.push(Float64Array.from({ length: sizes[l + 1] }, () => rng.uniform(-bound, bound)));
    }
  }

  /** The output for one input row. */
  predict(input: ArrayLike<number>): Float64Array {
    let a: Float64Array<ArrayBufferLike> = Float64Array.from(input);
    for (let l = 0; l < this.weights.length; l++) a = this.layer(l, a);
    return a;
  }

  private layer(l: number, a: Float64Array<ArrayBufferLike>): Float64Array {
    const n = this.sizes[l];
    const m = this.sizes[l + 1];
    const w = this.weights[l];
    const out = Float64Array.from(this.biases[l]);
    for (let i = 0; i < n; i++) {
      const ai = a[i];
      if (ai === 0) continue;
      for (let j = 0; j < m; j++) out[j] += ai * w[i * m + j];
    }
    const last = l === this.weights.length - 1;
    if (!last || this.squash) for (let j = 0; j < m; j++) out[j] = Math.tanh(out[j]);
    return out;
  }

  /**
   * Mean-squared-error training with Adam (learning rate `lr`) on minibatches of `batch` rows
   * drawn with replacement from `rng`, for `steps` steps. Returns the last minibatch's loss.
   */
  fit(
    data: ProbeData,
    options: { readonly steps: number; readonly batch?: number; readonly lr?: number; readonly rng: Rng },
  ): number {
    const batch = options.batch ?? 64;
    const lr = options.lr ?? 1e-3;
    const L = this.weights.length;
    const m1 = [...this.weights, ...this.biases].map((p) => new Float64Array(p.length));
    const m2 = [...this.weights, ...this.biases].map((p) => new Float64Array(p.length));
    const gw = this.weights.map((w) => new Float64Array(w.length));
    const gb = this.biases.map((b) => new Float64Array(b.length));
    let loss = 0;
    for (let step = 1; step <= options.steps; step++) {
      gw.forEach((g) => g.fill(0));
      gb.forEach((g) => g.fill(0));
      loss = 0;
      for (let r = 0; r < batch; r++) {
        const row = options.rng.int(data.rows);
        const acts: Float64Array<ArrayBufferLike>[] = [
          data.inputs.subarray(row * data.inputDim, (row + 1) * data.inputDim),
        ];
        for (let l = 0; l < L; l++) acts.push(this.layer(l, acts[l]));
        const out = acts[L];
        let delta = new Float64Array(out.length);
        for (let j = 0; j < out.length; j++) {
          const err = out[j] - data.targets[row * data.outputDim + j];
          loss += (err * err) / (batch * out.length);
          delta[j] = (2 * err) / (batch * out.length);
          if (this.squash) delta[j] *= 1 - out[j] * out[j];
        }
        for (let l = L - 1; l >= 0; l--) {
          const a = acts[l];
          const n = this.sizes[l];
          const m = this.sizes[l + 1];
          const w = this.weights[l];
          const next = new Float64Array(n);
          for (let i = 0; i < n; i++) {
            let s = 0;
            for (let j = 0; j < m; j++) {
              gw[l][i * m + j] += a[i] * delta[j];
              s += w[i * m + j] * delta[j];
            }
            next[i] = l > 0 ? s * (1 - a[i] * a[i]) : s;
          }
          for (let j = 0; j < m; j++) gb[l][j] += delta[j];
          delta = next;
        }
      }
      const params = [...this.weights, ...this.biases];
      const grads = [...gw, ...gb];
      const c1 = 1 - 0.9 ** step;
      const c2 = 1 - 0.999 ** step;
      params.forEach((p, k) => {
        const g = grads[k];
        const a = m1[k];
        const b = m2[k];
        for (let i = 0; i < p.length; i++) {
          a[i] = 0.9 * a[i] + 0.1 * g[i];
          b[i] = 0.999 * b[i] + 0.001 * g[i] * g[i];
          p[i] -= (lr * (a[i] / c1)) / (Math.sqrt(b[i] / c2) + 1e-8);
        }
      });
    }
    return loss;
  }
}

// ---------------------------------------------------------------------------------------------
// Goal read-out
// ---------------------------------------------------------------------------------------------

/** A fitted read-out and how well it does. */
export interface ReadoutResult {
  /** `'linear'` (ridge regression) or `'mlp'`. */
  readonly kind: 'linear' | 'mlp';
  /** R² on the test rows against predicting the training targets' mean (1 perfect, ≤ 0 no better). */
  readonly r2: number;
  /** Mean Euclidean error of the predictions on the test rows. */
  readonly meanError: number;
  /** Mean Euclidean error of predicting the training mean (chance). */
  readonly chanceError: number;
}

/** Solves `(XᵀX + λI) w = Xᵀy` for each output column, with a bias column appended. */
function ridge(data: ProbeData, lambda: number): Float64Array[] {
  const d = data.inputDim + 1;
  const a = new Float64Array(d * d);
  const rhs = Array.from({ length: data.outputDim }, () => new Float64Array(d));
  const row = new Float64Array(d);
  for (let r = 0; r < data.rows; r++) {
    row.set(data.inputs.subarray(r * data.inputDim, (r + 1) * data.inputDim));
    row[d - 1] = 1;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) a[i * d + j] += row[i] * row[j];
      for (let k = 0; k < data.outputDim; k++) rhs[k][i] += row[i] * data.targets[r * data.outputDim + k];
    }
  }
  for (let i = 0; i < d - 1; i++) a[i * d + i] += lambda;
  return rhs.map((b) => solve(a, b, d));
}

/** Gaussian elimination with partial pivoting on a copy of the system. */
function solve(matrix: Float64Array, vector: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(matrix);
  const b = Float64Array.from(vector);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
    if (Math.abs(a[p * n + c]) < 1e-12) continue;
    if (p !== c) {
      for (let k = 0; k < n; k++) [a[c * n + k], a[p * n + k]] = [a[p * n + k], a[c * n + k]];
      [b[c], b[p]] = [b[p], b[c]];
    }
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c] / a[c * n + c];
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k] -= f * a[c * n + k];
      b[r] -= f * b[c];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let k = r + 1; k < n; k++) s -= a[r * n + k] * x[k];
    x[r] = Math.abs(a[r * n + r]) < 1e-12 ? 0 : s / a[r * n + r];
  }
  return x;
}

/**
 * Fits a read-out from prompt features to goals on `train` and scores it on `test`.
 * @param kind - `'linear'` (ridge, λ = 1e-3) or `'mlp'` (two tanh layers of 32, 2000 Adam steps).
 */
export function fitReadout(kind: 'linear' | 'mlp', train: ProbeData, test: ProbeData, seed = 0): ReadoutResult {
  if (train.inputDim !== test.inputDim || train.outputDim !== test.outputDim)
    throw new ConfigError('fitReadout: the train and test rows must have the same widths.');
  let predict: (x: Float64Array) => Float64Array;
  if (kind === 'linear') {
    const w = ridge(train, 1e-3);
    predict = (x) =>
      Float64Array.from(w, (col) => {
        let s = col[train.inputDim];
        for (let i = 0; i < train.inputDim; i++) s += col[i] * x[i];
        return s;
      });
  } else {
    const rng = new Rng(seed);
    const net = new TinyMlp([train.inputDim, 32, 32, train.outputDim], rng);
    net.fit(train, { steps: 2000, batch: 32, lr: 3e-3, rng });
    predict = (x) => net.predict(x);
  }
  const mean = new Float64Array(train.outputDim);
  for (let r = 0; r < train.rows; r++)
    for (let k = 0; k < train.outputDim; k++) mean[k] += train.targets[r * train.outputDim + k] / train.rows;
  let ssRes = 0;
  let ssTot = 0;
  let error = 0;
  let chance = 0;
  for (let r = 0; r < test.rows; r++) {
    const p = predict(test.inputs.subarray(r * test.inputDim, (r + 1) * test.inputDim));
    let e2 = 0;
    let c2 = 0;
    for (let k = 0; k < test.outputDim; k++) {
      const y = test.targets[r * test.outputDim + k];
      e2 += (p[k] - y) ** 2;
      c2 += (mean[k] - y) ** 2;
    }
    ssRes += e2;
    ssTot += c2;
    error += Math.sqrt(e2) / test.rows;
    chance += Math.sqrt(c2) / test.rows;
  }
  return { kind, r2: ssTot === 0 ? 0 : 1 - ssRes / ssTot, meanError: error, chanceError: chance };
}

// ---------------------------------------------------------------------------------------------
// Prompt-read-out behaviour cloning
// ---------------------------------------------------------------------------------------------

/** Options of {@link trainReadoutCloner}. */
export interface ReadoutClonerOptions {
  /** Adam steps. @defaultValue 4000 */
  readonly steps?: number;
  /** Initialisation and sampling seed. @defaultValue 0 */
  readonly seed?: number;
}

/** One task's training material for {@link trainReadoutCloner}. */
export interface ReadoutClonerTask {
  /** The task's expert transitions: observations and actions, row-major. */
  readonly observations: Float32Array;
  /** Actions, row-major (2 per row). */
  readonly actions: Float32Array;
  /** Rows. */
  readonly rows: number;
  /** Observation length. */
  readonly observationDim: number;
  /** The task's trajectory prompt. */
  readonly trajectoryPrompt: Trajectory;
}

/**
 * Clones a policy from expert transitions with input `[observation, mean of the prompt's last 10
 * positions]`. Returns a function from (observation, prompt) to an action in [-1, 1].
 */
export function trainReadoutCloner(
  tasks: readonly ReadoutClonerTask[],
  options: ReadoutClonerOptions = {},
): (observation: ArrayLike<number>, prompt: Trajectory) => Float32Array {
  if (tasks.length === 0) throw new ConfigError('trainReadoutCloner needs at least one task.');
  const inputs: Float64Array[] = [];
  const targets: Float64Array[] = [];
  for (const task of tasks) {
    const summary = lastPositions(task.trajectoryPrompt);
    for (let r = 0; r < task.rows; r++) {
      const row = new Float64Array(task.observationDim + 2);
      row.set(task.observations.subarray(r * task.observationDim, (r + 1) * task.observationDim));
      row.set(summary, task.observationDim);
      inputs.push(row);
      targets.push(Float64Array.from(task.actions.subarray(r * 2, r * 2 + 2)));
    }
  }
  const data = probeData(inputs, targets);
  const rng = new Rng(options.seed ?? 0);
  const net = new TinyMlp([data.inputDim, 64, 64, 2], rng, true);
  net.fit(data, { steps: options.steps ?? 4000, batch: 64, lr: 1e-3, rng });
  return (observation, prompt) => {
    const row = new Float64Array(data.inputDim);
    row.set(Array.from(observation));
    row.set(lastPositions(prompt), data.inputDim - 2);
    return Float32Array.from(net.predict(row));
  };
}
