/**
 * The runtime of an exported policy: loads the artefact that `agent.exportPolicy(dir)` and
 * `llmdpd export` write (`docs/export.md`) and acts with it, in Node or in a browser, with no
 * dependency at all: no tfjs, no text encoder, no trajectory transformer, no Node built-in. The
 * artefact holds everything acting needs already computed: the scalers' statistics, the task's
 * condition folded into the first-layer biases, the diffusion step embeddings folded the same
 * way, and the action-selection rule (candidates, temperature).
 *
 * This file imports nothing, on purpose, so that it is one standalone ES module: the package
 * ships it compiled as `dist/export/runtime.js` (`llmdpd/runtime`), and a web page can load that
 * one file with `<script type="module">` and no bundler. The scaler formulas live here too, and
 * the agents import them (`src/agents/common/scalers.ts`), so an agent and its exported policy
 * scale observations and actions with the same code.
 *
 * Arithmetic mirrors the agents' float32 tfjs ops: every element-wise step is rounded to float32
 * in the same order, and the random draws (xoshiro128** with Box-Muller, as `src/core/rng.ts`)
 * come in the same order, so with the same random state an exported policy returns the agent's
 * actions up to the rounding of the matrix products' sums (about 1e-6).
 *
 * @module runtime
 */

// ── Format ───────────────────────────────────────────────────────────────────────────────────

/** The `format` field of an exported policy's manifest. */
export const POLICY_FORMAT = 'llmdpd.policy';
/** The manifest version this runtime reads and the library writes. */
export const POLICY_FORMAT_VERSION = 1;
/** The manifest's file name inside an exported policy's folder. */
export const POLICY_MANIFEST_FILE = 'manifest.json';

/** A hidden-layer activation. */
export type PolicyActivation = 'linear' | 'relu' | 'mish';

/** One dense layer: y = act(x·W + b), W `[in, out]` row-major. */
export interface PolicyDenseLayer {
  /** Column name of W, `[in, out]`. */
  readonly kernel: string;
  /**
   * Column name of b: `[out]`, or for the first layer of a diffusion noise network `[K, out]`
   * (one bias per diffusion step, the step embedding and the condition folded in).
   */
  readonly bias: string;
  /** The activation. */
  readonly activation: PolicyActivation;
}

/** A multilayer perceptron; a task condition, when there is one, is folded into its first bias. */
export interface PolicyMlp {
  /** Input width. */
  readonly inputDim: number;
  /** Output width. */
  readonly outputDim: number;
  /** The layers, input first. */
  readonly layers: readonly PolicyDenseLayer[];
}

/** a = maxAction · tanh(f(s)): BC, TD3+BC, the mean of a Gaussian actor. */
export interface DeterministicActing {
  /** The rule's name. */
  readonly kind: 'deterministic';
  /** f, on the scaled observation. */
  readonly actor: PolicyMlp;
  /** How f's output becomes an action. */
  readonly squash: 'tanh';
  /** The action bound. */
  readonly maxAction: number;
}

/**
 * Diffusion-QL's acting: `candidates` actions per observation from the K-step reverse chain of
 * the noise network, one drawn with probabilities softmax(min over critics Q / temperature).
 */
export interface DiffusionActing {
  /** The rule's name. */
  readonly kind: 'diffusion';
  /** ε_θ on [x_k, s]; its first layer's bias has one row per diffusion step. */
  readonly noise: PolicyMlp;
  /** The critics on [s, a] that rank the candidates (their minimum is the score). */
  readonly critics: readonly PolicyMlp[];
  /** Diffusion steps K. */
  readonly steps: number;
  /** √(1/ᾱ_k), k = 0..K−1. */
  readonly sqrtRecipAlphasCumprod: readonly number[];
  /** √(1/ᾱ_k − 1). */
  readonly sqrtRecipM1AlphasCumprod: readonly number[];
  /** The posterior mean's coefficient of x̂0. */
  readonly posteriorMeanCoef1: readonly number[];
  /** The posterior mean's coefficient of x_k. */
  readonly posteriorMeanCoef2: readonly number[];
  /** σ_k of the noise added after step k > 0. */
  readonly sigma: readonly number[];
  /** Candidates per observation. */
  readonly candidates: number;
  /** Softmax temperature; 0 picks the best candidate. */
  readonly temperature: number;
  /** The action bound: x̂0 and the output are clipped to [−maxAction, maxAction]. */
  readonly maxAction: number;
}

/** How an exported policy chooses actions. */
export type PolicyActing = DeterministicActing | DiffusionActing;

/** Observation scaling: none, (s − μ)/(σ + ε), or the range [min, max] mapped to [−1, 1]. */
export type ObservationScalerState =
  | {
      /** No scaling. */
      readonly kind: 'none';
    }
  | {
      /** The scaler's kind. */
      readonly kind: 'standard';
      /** Per-dimension mean μ. */
      readonly mean: readonly number[];
      /** Per-dimension standard deviation σ. */
      readonly std: readonly number[];
      /** ε added to σ. */
      readonly epsilon: number;
    }
  | {
      /** The scaler's kind. */
      readonly kind: 'min-max';
      /** Per-dimension minimum. */
      readonly minimum: readonly number[];
      /** Per-dimension maximum. */
      readonly maximum: readonly number[];
    };

/** Action scaling: none, or the range [min, max] mapped to [−bound, bound] (the policy's own range). */
export type ActionScalerState =
  | {
      /** No scaling. */
      readonly kind: 'none';
    }
  | {
      /** The scaler's kind. */
      readonly kind: 'min-max';
      /** Per-dimension minimum of the actions. */
      readonly minimum: readonly number[];
      /** Per-dimension maximum. */
      readonly maximum: readonly number[];
      /** The policy's bound (its maxAction): the scaled range is [−bound, bound]. */
      readonly bound: number;
    };

/** Reward scaling (training only; an exported policy never sees rewards). */
export type RewardScalerState =
  | {
      /** No scaling. */
      readonly kind: 'none';
    }
  | {
      /** The scaler's kind. */
      readonly kind: 'multiply';
      /** r' = multiplier · r. */
      readonly multiplier: number;
    }
  | {
      /** The scaler's kind. */
      readonly kind: 'clip';
      /** Lower clip (null: none). */
      readonly low: number | null;
      /** Upper clip (null: none). */
      readonly high: number | null;
      /** Applied after the clip. */
      readonly multiplier: number;
    }
  | {
      /** The scaler's kind. */
      readonly kind: 'standard';
      /** Mean of the rewards. */
      readonly mean: number;
      /** Standard deviation of the rewards. */
      readonly std: number;
      /** ε added to the standard deviation. */
      readonly epsilon: number;
      /** Applied last. */
      readonly multiplier: number;
    }
  | {
      /** The scaler's kind. */
      readonly kind: 'min-max';
      /** Smallest reward. */
      readonly minimum: number;
      /** Largest reward. */
      readonly maximum: number;
      /** Applied last. */
      readonly multiplier: number;
    }
  | {
      /** The scaler's kind. */
      readonly kind: 'return';
      /** Smallest episode return. */
      readonly returnMin: number;
      /** Largest episode return. */
      readonly returnMax: number;
      /** Applied last. */
      readonly multiplier: number;
    }
  | {
      /** The scaler's kind. */
      readonly kind: 'shift';
      /** Added first. */
      readonly shift: number;
      /** Applied after the shift. */
      readonly multiplier: number;
    };

/** The state of a seeded random stream (xoshiro128**, as `src/core/rng.ts`). */
export interface PolicyRandomState {
  /** The four 32-bit state words. */
  readonly words: readonly [number, number, number, number];
  /** The cached second Box-Muller deviate, or null. */
  readonly spareNormal: number | null;
}

/** One column of the weights file (the column store's record). */
export interface PolicyColumn {
  /** Name, referred to by the layers. */
  readonly name: string;
  /** Always `float32` in a policy. */
  readonly dtype: string;
  /** Shape; the product is the element count. */
  readonly shape: readonly number[];
  /** First byte in the weights file. */
  readonly byteOffset: number;
  /** Byte length (4 × element count). */
  readonly byteLength: number;
  /** Lower-case hex sha256 of the column's bytes. */
  readonly sha256: string;
}

/** The manifest of an exported policy (`manifest.json`). */
export interface PolicyManifest {
  /** {@link POLICY_FORMAT}. */
  readonly format: string;
  /** {@link POLICY_FORMAT_VERSION}. */
  readonly formatVersion: number;
  /** The agent class that exported it. */
  readonly agent: string;
  /** The library version that exported it. */
  readonly libraryVersion: string;
  /** The agent's training steps at export. */
  readonly step: number;
  /** Observation width S. */
  readonly observationDim: number;
  /** Action width A. */
  readonly actionDim: number;
  /** Applied to observations before the networks, and inverted on their actions. */
  readonly scalers: {
    /** Observation scaling. */
    readonly observation: ObservationScalerState;
    /** Action scaling. */
    readonly action: ActionScalerState;
  };
  /** What the task context was (for people; acting reads only the folded biases). */
  readonly context: Readonly<Record<string, unknown>> | null;
  /** The condition vectors computed from the context (null without a conditioner). */
  readonly condition: {
    /** The actor's condition c. */
    readonly actor: readonly number[] | null;
    /** What the critics see of it. */
    readonly critic: readonly number[] | null;
  };
  /** The action-selection rule and its networks. */
  readonly acting: PolicyActing;
  /** The random state acting starts from (the agent's acting stream at export). */
  readonly random: PolicyRandomState;
  /** The weights file, next to the manifest. */
  readonly dataFile: string;
  /** Its size in bytes. */
  readonly dataBytes: number;
  /** Always `little`. */
  readonly byteOrder: string;
  /** Its columns. */
  readonly columns: readonly PolicyColumn[];
}

/** An artefact that cannot be read, or an input the policy cannot act on; the message says how to fix it. */
export class PolicyRuntimeError extends Error {
  /** @param message - what was expected, what was found, and how to fix it. */
  constructor(message: string) {
    super(message);
    this.name = 'PolicyRuntimeError';
  }
}

// ── Random numbers (the same stream as src/core/rng.ts) ───────────────────────────────────────

const imul = Math.imul;

/** xoshiro128** with Box-Muller normals: the draws of `src/core/rng.ts`, in the same order. */
export class PolicyRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null;

  /** Starts from a saved state (an exported policy's `random`). */
  constructor(state: PolicyRandomState) {
    const w: readonly number[] = state.words;
    if (
      !Array.isArray(w) ||
      w.length !== 4 ||
      !w.every((v) => Number.isInteger(v) && v >= 0 && v < 4294967296) ||
      w.every((v) => v === 0)
    )
      throw new PolicyRuntimeError(
        `A random state needs four unsigned 32-bit words, not all zero; got ${JSON.stringify(w)}. Re-export the policy.`,
      );
    [this.s0, this.s1, this.s2, this.s3] = state.words;
    this.spare = typeof state.spareNormal === 'number' ? state.spareNormal : null;
  }

  /** The state, to save or restore. */
  getState(): PolicyRandomState {
    return { words: [this.s0, this.s1, this.s2, this.s3], spareNormal: this.spare };
  }

  private next(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const m = imul(s1, 5);
    const result = imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = (s1 ^ n2) >>> 0;
    this.s0 = (s0 ^ n3) >>> 0;
    this.s2 = (n2 ^ t) >>> 0;
    this.s3 = ((n3 << 11) | (n3 >>> 21)) >>> 0;
    return result;
  }

  /** A uniform float in [0, 1) with 53 bits. */
  float(): number {
    const hi = this.next() >>> 5;
    const lo = this.next() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Fills `out` with standard normal deviates, as `Rng.fillNormal` does (one loop, no pair objects). */
  fillNormal(out: Float32Array): Float32Array {
    let spare = this.spare;
    for (let i = 0; i < out.length; i++) {
      if (spare !== null) {
        out[i] = spare;
        spare = null;
      } else {
        const r = Math.sqrt(-2 * Math.log(1 - this.float()));
        const theta = 2 * Math.PI * this.float();
        out[i] = r * Math.cos(theta);
        spare = r * Math.sin(theta);
      }
    }
    this.spare = spare;
    return out;
  }
}

/**
 * An index drawn with probabilities softmax(values / temperature), in float64; temperature 0
 * picks the largest value (ties: the first). The same draw as `pickBySoftmax` in
 * `src/agents/diffusion/candidates.ts`.
 */
export function pickBySoftmax(values: ArrayLike<number>, random: { float(): number }, temperature: number): number {
  let max = -Infinity;
  let best = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] > max) {
      max = values[i];
      best = i;
    }
  }
  if (temperature === 0) return best;
  let total = 0;
  const weights = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    weights[i] = Math.exp((values[i] - max) / temperature);
    total += weights[i];
  }
  let u = random.float() * total;
  for (let i = 0; i < values.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return values.length - 1;
}

// ── Scalers ──────────────────────────────────────────────────────────────────────────────────

/** Half-range and centre of [min, max] per dimension; a constant dimension gets half-range 1. */
function rangeOf(minimum: readonly number[], maximum: readonly number[]): { center: number[]; half: number[] } {
  const center = minimum.map((lo, i) => (lo + maximum[i]) / 2);
  const half = minimum.map((lo, i) => (maximum[i] > lo ? (maximum[i] - lo) / 2 : 1));
  return { center, half };
}

/**
 * Scales `values` (rows of `minimum.length` or `mean.length` values) into a new array; the
 * identity scaler returns `values` itself.
 */
export function scaleObservations(state: ObservationScalerState, values: Float32Array): Float32Array {
  switch (state.kind) {
    case 'none':
      return values;
    case 'standard': {
      const { mean, std, epsilon } = state;
      const dim = mean.length;
      const out = new Float32Array(values.length);
      for (let i = 0; i < values.length; i++) out[i] = (values[i] - mean[i % dim]) / (std[i % dim] + epsilon);
      return out;
    }
    case 'min-max': {
      const { center, half } = rangeOf(state.minimum, state.maximum);
      const dim = center.length;
      const out = new Float32Array(values.length);
      for (let i = 0; i < values.length; i++) out[i] = (values[i] - center[i % dim]) / half[i % dim];
      return out;
    }
  }
}

/** Actions of the data into the policy's range (the identity scaler returns `values` itself). */
export function scaleActions(state: ActionScalerState, values: Float32Array): Float32Array {
  if (state.kind === 'none') return values;
  const { center, half } = rangeOf(state.minimum, state.maximum);
  const dim = center.length;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = ((values[i] - center[i % dim]) / half[i % dim]) * state.bound;
  return out;
}

/** The policy's actions back into the data's range: the inverse of {@link scaleActions}. */
export function unscaleActions(state: ActionScalerState, values: Float32Array): Float32Array {
  if (state.kind === 'none') return values;
  const { center, half } = rangeOf(state.minimum, state.maximum);
  const dim = center.length;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = (values[i] / state.bound) * half[i % dim] + center[i % dim];
  return out;
}

/** Scaled rewards in a new array (the identity scaler returns `values` itself). */
export function scaleRewards(state: RewardScalerState, values: Float32Array): Float32Array {
  const map = (f: (r: number) => number) => values.map(f);
  switch (state.kind) {
    case 'none':
      return values;
    case 'multiply':
      return map((r) => state.multiplier * r);
    case 'clip':
      return map((r) => state.multiplier * Math.min(state.high ?? Infinity, Math.max(state.low ?? -Infinity, r)));
    case 'standard':
      return map((r) => (state.multiplier * (r - state.mean)) / (state.std + state.epsilon));
    case 'min-max': {
      const span = state.maximum > state.minimum ? state.maximum - state.minimum : 1;
      return map((r) => (state.multiplier * (r - state.minimum)) / span);
    }
    case 'return': {
      const span = state.returnMax > state.returnMin ? state.returnMax - state.returnMin : 1;
      return map((r) => (state.multiplier * r) / span);
    }
    case 'shift':
      return map((r) => state.multiplier * (r + state.shift));
  }
}

// ── Networks ─────────────────────────────────────────────────────────────────────────────────

const f32 = Math.fround;

interface DenseWeights {
  readonly inputDim: number;
  readonly outputDim: number;
  /** Wᵀ, `[out, in]` row-major, so each output is one contiguous dot product. */
  readonly kernelT: Float64Array;
  /** `[out]`, or `[K, out]` for a per-step first bias. */
  readonly bias: Float32Array;
  readonly activation: PolicyActivation;
}

/** Wᵀ in float64 from W `[in, out]` row-major. */
function transposed(kernel: Float32Array, inputDim: number, outputDim: number): Float64Array {
  const out = new Float64Array(kernel.length);
  for (let i = 0; i < inputDim; i++)
    for (let j = 0; j < outputDim; j++) out[j * inputDim + i] = kernel[i * outputDim + j];
  return out;
}

function activate(z: number, activation: PolicyActivation): number {
  switch (activation) {
    case 'linear':
      return z;
    case 'relu':
      return z > 0 ? z : 0;
    case 'mish': {
      // x·tanh(softplus(x)) through one sigmoid, as src/nets/activations.ts computes it.
      const s = 1 / (1 + Math.exp(-z));
      const p = s * (2 - s);
      return z * (p / (2 - p));
    }
  }
}

/**
 * act(x·W + b) for `rows` rows of x; `biasRow` picks the row of a per-step bias. Each output is
 * a dot product summed in float64 (four rows at a time, sharing the loads of Wᵀ's row) and
 * rounded to float32, like the agents' float32 layers up to the order of the sum.
 */
function dense(layer: DenseWeights, x: Float32Array, rows: number, biasRow = 0): Float32Array {
  const { inputDim: n, outputDim: m, kernelT: k, activation } = layer;
  const bias = layer.bias.subarray(biasRow * m, (biasRow + 1) * m);
  const out = new Float32Array(rows * m);
  const finish = (z: number, j: number) => activate(f32(f32(z) + bias[j]), activation);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const x0 = r * n;
    const x1 = x0 + n;
    const x2 = x1 + n;
    const x3 = x2 + n;
    for (let j = 0; j < m; j++) {
      const w = j * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < n; i++) {
        const kv = k[w + i];
        s0 += x[x0 + i] * kv;
        s1 += x[x1 + i] * kv;
        s2 += x[x2 + i] * kv;
        s3 += x[x3 + i] * kv;
      }
      out[r * m + j] = finish(s0, j);
      out[(r + 1) * m + j] = finish(s1, j);
      out[(r + 2) * m + j] = finish(s2, j);
      out[(r + 3) * m + j] = finish(s3, j);
    }
  }
  for (; r < rows; r++) {
    const xr = r * n;
    for (let j = 0; j < m; j++) {
      const w = j * n;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += x[xr + i] * k[w + i];
      out[r * m + j] = finish(sum, j);
    }
  }
  return out;
}

function mlp(layers: readonly DenseWeights[], x: Float32Array, rows: number, firstBiasRow = 0): Float32Array {
  let h = x;
  layers.forEach((layer, i) => {
    h = dense(layer, h, rows, i === 0 ? firstBiasRow : 0);
  });
  return h;
}

/** Rows of [a, b] side by side: `rows` rows of widths `wa` and `wb`. */
function concatRows(a: Float32Array, wa: number, b: Float32Array, wb: number, rows: number): Float32Array {
  const out = new Float32Array(rows * (wa + wb));
  for (let r = 0; r < rows; r++) {
    out.set(a.subarray(r * wa, (r + 1) * wa), r * (wa + wb));
    out.set(b.subarray(r * wb, (r + 1) * wb), r * (wa + wb) + wa);
  }
  return out;
}

// ── Loading ──────────────────────────────────────────────────────────────────────────────────

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';

function bytesOf(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new PolicyRuntimeError('The weights must be an ArrayBuffer or a typed array (the bytes of the data file).');
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A float32 column copied out of the weights (aligned, host byte order). */
function readColumn(bytes: Uint8Array, column: PolicyColumn): Float32Array {
  const count = column.shape.reduce((a, b) => a * b, 1);
  if (column.dtype !== 'float32' || column.byteLength !== count * 4)
    throw new PolicyRuntimeError(
      `Column '${column.name}' is ${column.dtype} with ${column.byteLength} bytes for shape [${column.shape.join(', ')}]; a policy stores float32 columns. Re-export the policy.`,
    );
  if (column.byteOffset + column.byteLength > bytes.length)
    throw new PolicyRuntimeError(
      `Column '${column.name}' ends at byte ${column.byteOffset + column.byteLength}, but the weights file has ${bytes.length} bytes: it is truncated or belongs to another export. Copy the whole exported folder again.`,
    );
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(column.byteOffset, column.byteOffset + column.byteLength));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + column.byteOffset, column.byteLength);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  }
  return out;
}

function checkManifest(value: unknown): PolicyManifest {
  if (!isObject(value) || value['format'] !== POLICY_FORMAT)
    throw new PolicyRuntimeError(
      `This is not an exported llmdpd policy (format ${JSON.stringify(isObject(value) ? value['format'] : value)}, expected '${POLICY_FORMAT}'). Export one with agent.exportPolicy(dir) or \`llmdpd export\`.`,
    );
  if (value['formatVersion'] !== POLICY_FORMAT_VERSION)
    throw new PolicyRuntimeError(
      `The policy has format version ${JSON.stringify(value['formatVersion'])}; this runtime reads version ${POLICY_FORMAT_VERSION}. Use the runtime of the library version that exported it (${JSON.stringify(value['libraryVersion'])}).`,
    );
  for (const key of ['observationDim', 'actionDim'])
    if (!Number.isInteger(value[key]) || (value[key] as number) < 1)
      throw new PolicyRuntimeError(`The manifest's ${key} is ${JSON.stringify(value[key])}; expected an integer >= 1.`);
  if (!isObject(value['acting']) || !isObject(value['scalers']) || !Array.isArray(value['columns']))
    throw new PolicyRuntimeError('The manifest lacks acting, scalers or columns: it is damaged. Re-export the policy.');
  return value as unknown as PolicyManifest;
}

/** What {@link createPolicy} and {@link loadPolicy} return: a policy that acts like the agent did. */
export interface RuntimePolicy {
  /** The manifest it was built from. */
  readonly manifest: PolicyManifest;
  /** Observation width S. */
  readonly observationDim: number;
  /** Action width A. */
  readonly actionDim: number;
  /** One action for one observation (`observationDim` numbers). */
  act(observation: ArrayLike<number>): Float32Array;
  /** Actions for N observations given row-major as one array (`N * observationDim`). */
  actBatch(observations: ArrayLike<number>): Float32Array;
  /** The random state acting continues from (diffusion policies draw noise). */
  getRandomState(): PolicyRandomState;
  /** Continues acting from a saved random state. */
  setRandomState(state: PolicyRandomState): void;
}

/**
 * Builds a policy from a parsed manifest and the bytes of its data file.
 * @throws {@link PolicyRuntimeError} when the manifest or the weights do not fit together.
 */
export function createPolicy(manifestJson: unknown, data: ArrayBuffer | ArrayBufferView): RuntimePolicy {
  const manifest = checkManifest(manifestJson);
  const bytes = bytesOf(data);
  if (bytes.length !== manifest.dataBytes)
    throw new PolicyRuntimeError(
      `The weights have ${bytes.length} bytes, but the manifest says ${manifest.dataBytes} (${manifest.dataFile}). Copy the whole exported folder again.`,
    );
  const columns = new Map(manifest.columns.map((c) => [c.name, c]));
  const tensor = (name: string, shape: readonly number[]): Float32Array => {
    const column = columns.get(name);
    if (column === undefined)
      throw new PolicyRuntimeError(
        `The weights have no column '${name}', which the acting rule needs. Re-export the policy.`,
      );
    if (column.shape.length !== shape.length || column.shape.some((d, i) => d !== shape[i]))
      throw new PolicyRuntimeError(
        `Column '${name}' has shape [${column.shape.join(', ')}]; the acting rule needs [${shape.join(', ')}]. Re-export the policy.`,
      );
    return readColumn(bytes, column);
  };
  const network = (spec: PolicyMlp, biasRows = 1): DenseWeights[] => {
    let inputDim = spec.inputDim;
    const layers = spec.layers.map((layer, i) => {
      const outputDim = i + 1 === spec.layers.length ? spec.outputDim : columns.get(layer.kernel)?.shape[1];
      if (outputDim === undefined)
        throw new PolicyRuntimeError(`The weights have no column '${layer.kernel}'. Re-export the policy.`);
      const weights: DenseWeights = {
        inputDim,
        outputDim,
        kernelT: transposed(tensor(layer.kernel, [inputDim, outputDim]), inputDim, outputDim),
        bias: tensor(layer.bias, i === 0 && biasRows > 1 ? [biasRows, outputDim] : [outputDim]),
        activation: layer.activation,
      };
      inputDim = outputDim;
      return weights;
    });
    return layers;
  };
  const S = manifest.observationDim;
  const A = manifest.actionDim;
  const acting = manifest.acting;
  let random = new PolicyRandom(manifest.random);
  let actScaled: (observations: Float32Array, rows: number) => Float32Array;
  if (acting.kind === 'deterministic') {
    const actor = network(acting.actor);
    const bound = f32(acting.maxAction);
    actScaled = (observations, rows) => mlp(actor, observations, rows).map((z) => f32(f32(Math.tanh(z)) * bound));
  } else if (acting.kind === 'diffusion') {
    const noise = network(acting.noise, acting.steps);
    const critics = acting.critics.map((c) => network(c));
    actScaled = (observations, rows) => actDiffusion(acting, noise, critics, observations, rows, S, A, random);
  } else {
    throw new PolicyRuntimeError(
      `Unknown acting rule ${JSON.stringify((acting as { kind?: unknown }).kind)}; this runtime knows 'deterministic' and 'diffusion'. Use the runtime of the library version that exported it.`,
    );
  }
  const { observation: observationScaler, action: actionScaler } = manifest.scalers;
  const run = (values: ArrayLike<number>, what: string, one: boolean): Float32Array => {
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number')
      throw new PolicyRuntimeError(`${what} takes an array of numbers, got ${typeof values}.`);
    if (one ? values.length !== S : values.length === 0 || values.length % S !== 0)
      throw new PolicyRuntimeError(
        one
          ? `${what} takes one observation of ${S} numbers, got ${values.length}; use actBatch for several.`
          : `${what} takes N observations of ${S} numbers each (row-major), got ${values.length} numbers.`,
      );
    const observations = Float32Array.from(values);
    for (let i = 0; i < observations.length; i++)
      if (!Number.isFinite(observations[i]))
        throw new PolicyRuntimeError(
          `${what}: observation value ${i % S} of row ${Math.floor(i / S)} is ${values[i]}; every value must be a finite number.`,
        );
    const rows = observations.length / S;
    return unscaleActions(actionScaler, actScaled(scaleObservations(observationScaler, observations), rows));
  };
  return {
    manifest,
    observationDim: S,
    actionDim: A,
    act: (observation) => run(observation, 'act', true),
    actBatch: (observations) => run(observations, 'actBatch', false),
    getRandomState: () => random.getState(),
    setRandomState: (state) => {
      random = new PolicyRandom(state);
    },
  };
}

/** Diffusion-QL's acting on scaled observations (`src/agents/diffusion/chain.ts`, `candidates.ts`). */
function actDiffusion(
  rule: DiffusionActing,
  noiseNet: readonly DenseWeights[],
  critics: readonly (readonly DenseWeights[])[],
  observations: Float32Array,
  n: number,
  S: number,
  A: number,
  random: PolicyRandom,
): Float32Array {
  const m = rule.candidates;
  const rows = n * m;
  const s = new Float32Array(rows * S);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) s.set(observations.subarray(i * S, (i + 1) * S), (i * m + j) * S);
  const K = rule.steps;
  const noise = random.fillNormal(new Float32Array(rows * A * K));
  const bound = f32(rule.maxAction);
  const clip = (v: number) => (v < -bound ? -bound : v > bound ? bound : v);
  let x = noise.slice(0, rows * A);
  for (let k = K - 1; k >= 0; k--) {
    const eps = mlp(noiseNet, concatRows(x, A, s, S, rows), rows, k);
    const a = f32(rule.sqrtRecipAlphasCumprod[k]);
    const b = f32(rule.sqrtRecipM1AlphasCumprod[k]);
    const c1 = f32(rule.posteriorMeanCoef1[k]);
    const c2 = f32(rule.posteriorMeanCoef2[k]);
    const sigma = f32(rule.sigma[k]);
    const offset = (k * rows * A) % noise.length;
    const next = new Float32Array(rows * A);
    for (let i = 0; i < rows * A; i++) {
      const x0 = clip(f32(f32(x[i] * a) - f32(eps[i] * b)));
      let v = f32(f32(x0 * c1) + f32(x[i] * c2));
      if (k > 0) v = f32(v + f32(noise[offset + i] * sigma));
      next[i] = v;
    }
    x = next;
  }
  x = x.map(clip);
  const input = concatRows(s, S, x, A, rows);
  let scores: Float32Array | null = null;
  for (const critic of critics) {
    const q = mlp(critic, input, rows);
    scores = scores === null ? q : scores.map((v, i) => Math.min(v, q[i]));
  }
  const out = new Float32Array(n * A);
  for (let i = 0; i < n; i++) {
    const pick = scores === null ? 0 : pickBySoftmax(scores.subarray(i * m, (i + 1) * m), random, rule.temperature);
    out.set(x.subarray((i * m + pick) * A, (i * m + pick + 1) * A), i * A);
  }
  return out;
}

/** The part of a fetch `Response` {@link loadPolicy} reads. */
export interface FetchResponseLike {
  /** True for a 2xx status. */
  readonly ok: boolean;
  /** The HTTP status. */
  readonly status: number;
  /** The body as JSON. */
  json(): Promise<unknown>;
  /** The body as bytes. */
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** The part of the Fetch API {@link loadPolicy} uses. */
export type FetchLike = (url: string) => Promise<FetchResponseLike>;

/** Options of {@link loadPolicy}. */
export interface LoadPolicyOptions {
  /** The fetch to use. @defaultValue `globalThis.fetch` */
  readonly fetch?: FetchLike;
  /** Check every column's sha256 (needs Web Crypto, present in browsers and Node >= 19). @defaultValue true */
  readonly verify?: boolean;
}

function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Checks every column's sha256 against the manifest.
 * @throws {@link PolicyRuntimeError} naming the first column whose bytes differ, or when Web Crypto is missing.
 */
export async function verifyPolicyData(manifest: PolicyManifest, data: ArrayBuffer | ArrayBufferView): Promise<void> {
  const subtle = (globalThis as { crypto?: { subtle?: { digest(a: string, d: Uint8Array): Promise<ArrayBuffer> } } })
    .crypto?.subtle;
  if (subtle === undefined)
    throw new PolicyRuntimeError(
      'Checking the weights needs Web Crypto (crypto.subtle: browsers on https or localhost, Node >= 19); pass { verify: false } to skip the check.',
    );
  const bytes = bytesOf(data);
  for (const column of manifest.columns) {
    const slice = bytes.slice(column.byteOffset, column.byteOffset + column.byteLength);
    if (hex(await subtle.digest('SHA-256', slice)) !== column.sha256)
      throw new PolicyRuntimeError(
        `Column '${column.name}' of ${manifest.dataFile} does not match its checksum: the file is damaged or from another export. Copy the whole exported folder again.`,
      );
  }
}

/**
 * Loads an exported policy from a URL of its folder (`https://host/policies/hopper/`, or a
 * relative one in a page), reading `manifest.json` and its data file, with the checksums checked.
 * In Node, read the two files yourself and call {@link createPolicy}, or use
 * `loadExportedPolicy(dir)` from `llmdpd/export`.
 * @throws {@link PolicyRuntimeError} when a file is missing, damaged or not a policy.
 */
export async function loadPolicy(folder: string, options: LoadPolicyOptions = {}): Promise<RuntimePolicy> {
  const fetchImpl = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
  if (fetchImpl === undefined)
    throw new PolicyRuntimeError('loadPolicy needs fetch; pass { fetch } or read the files and call createPolicy.');
  const base = folder.endsWith('/') ? folder : `${folder}/`;
  const get = async (name: string) => {
    const response = await fetchImpl(`${base}${name}`);
    if (!response.ok)
      throw new PolicyRuntimeError(
        `Fetching ${base}${name} failed with HTTP ${response.status}; serve the whole exported folder (${POLICY_MANIFEST_FILE} and its data file).`,
      );
    return response;
  };
  const manifest = checkManifest(await (await get(POLICY_MANIFEST_FILE)).json());
  if (typeof manifest.dataFile !== 'string' || !/^data-[0-9a-f]{16}\.bin$/.test(manifest.dataFile))
    throw new PolicyRuntimeError(
      `The manifest names the data file ${JSON.stringify(manifest.dataFile)}; re-export the policy.`,
    );
  const data = await (await get(manifest.dataFile)).arrayBuffer();
  if (options.verify !== false) await verifyPolicyData(manifest, data);
  return createPolicy(manifest, data);
}
