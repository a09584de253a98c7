/**
 * Small helpers shared by agents: declarative config validation with precise messages, and
 * the softmax draw used to pick among candidate actions.
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import type { BetaScheduleName } from '../../nets/schedules.js';

/** A rule for one config field, or the list of allowed string values. */
export type FieldRule =
  | 'int'
  | 'positiveInt'
  | 'nonNegativeInt'
  | 'evenPositiveInt'
  | 'positive'
  | 'nonNegative'
  | 'unit'
  | 'dims'
  | 'boolean'
  | readonly string[];

function describe(rule: FieldRule): string {
  if (Array.isArray(rule)) return `one of ${rule.map((r) => `'${r}'`).join(', ')}`;
  switch (rule) {
    case 'int':
      return 'an integer';
    case 'positiveInt':
      return 'an integer >= 1';
    case 'nonNegativeInt':
      return 'an integer >= 0';
    case 'evenPositiveInt':
      return 'an even integer >= 2';
    case 'positive':
      return 'a finite number > 0';
    case 'nonNegative':
      return 'a finite number >= 0';
    case 'unit':
      return 'a number in [0, 1]';
    case 'dims':
      return 'a non-empty array of integers >= 1';
    case 'boolean':
      return 'true or false';
    default:
      return 'valid';
  }
}

function passes(rule: FieldRule, v: unknown): boolean {
  if (Array.isArray(rule)) return typeof v === 'string' && rule.includes(v);
  const num = typeof v === 'number' && Number.isFinite(v);
  switch (rule) {
    case 'int':
      return num && Number.isInteger(v);
    case 'positiveInt':
      return num && Number.isInteger(v) && v >= 1;
    case 'nonNegativeInt':
      return num && Number.isInteger(v) && v >= 0;
    case 'evenPositiveInt':
      return num && Number.isInteger(v) && v >= 2 && v % 2 === 0;
    case 'positive':
      return num && v > 0;
    case 'nonNegative':
      return num && v >= 0;
    case 'unit':
      return num && v >= 0 && v <= 1;
    case 'dims':
      return Array.isArray(v) && v.length > 0 && v.every((d) => Number.isInteger(d) && d >= 1);
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return false;
  }
}

/**
 * Checks every field of `config` against `rules` and rejects unknown fields (likely typos).
 * @throws {@link ConfigError} naming the first bad field, its value and what it must be.
 */
export function validateConfig(
  what: string,
  config: Readonly<Record<string, unknown>>,
  rules: Readonly<Record<string, FieldRule>>,
): void {
  for (const key of Object.keys(config)) {
    if (!(key in rules)) {
      const known = Object.keys(rules);
      const close = known.filter((k) => k.toLowerCase().includes(key.toLowerCase().slice(0, 4)));
      throw new ConfigError(
        `${what} has no field '${key}'.${close.length > 0 ? ` Did you mean ${close.map((k) => `'${k}'`).join(' or ')}?` : ''} Known fields: ${known.join(', ')}.`,
      );
    }
  }
  for (const [key, rule] of Object.entries(rules)) {
    const value = config[key];
    if (!passes(rule, value))
      throw new ConfigError(`${what}.${key} must be ${describe(rule)}, got ${JSON.stringify(value)}.`);
  }
}

/**
 * Draws an index with probabilities softmax(values / temperature), computed stably in float64
 * on the host; temperature 0 picks the largest value (ties: the first).
 */
export function pickBySoftmax(values: ArrayLike<number>, rng: Rng, temperature = 1): number {
  let max = -Infinity;
  let best = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] > max) {
      max = values[i]!;
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
  let u = rng.float() * total;
  for (let i = 0; i < values.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return values.length - 1;
}

// ── Diffusion-policy configuration shared by Diffusion-QL and LLMDPD ──────────────────────────

/**
 * The fields of a Diffusion-QL-style agent (algorithms.md §1). `DiffusionQLConfig` is exactly
 * this; `LLMDPDConfig` adds the prompt branches. JSON-serialisable; saved with every checkpoint.
 */
export interface DiffusionPolicyConfig {
  /** Observation width S (required). */
  readonly observationDim: number;
  /** Action width A (required). */
  readonly actionDim: number;
  /** Seed of every random stream (initial weights, batch sampling, diffusion noise, acting). @defaultValue 0 */
  readonly seed: number;
  /** Transitions per gradient step. @defaultValue 256 */
  readonly batchSize: number;
  /** Discount γ. @defaultValue 0.99 */
  readonly discount: number;
  /** Polyak rate τ of the target critics, every step. @defaultValue 0.005 */
  readonly tau: number;
  /** Weight η of the Q term in the actor loss (per-dataset values in algorithms.md §1.10). @defaultValue 1.0 */
  readonly eta: number;
  /** Actor (noise network) Adam learning rate. @defaultValue 3e-4 */
  readonly actorLearningRate: number;
  /** Critic Adam learning rate (fixed at 3e-4 in the official code). @defaultValue 3e-4 */
  readonly criticLearningRate: number;
  /** Global-norm gradient clip for actor and critic; 0 disables (Diffusion-QL's hopper-medium-replay: 4.0). */
  readonly gradientClipNorm: number;
  /** Diffusion steps K. @defaultValue 5 */
  readonly diffusionSteps: number;
  /** Noise schedule. @defaultValue `'vp'` */
  readonly betaSchedule: BetaScheduleName;
  /** Noise-network trunk widths. @defaultValue [256, 256, 256] */
  readonly hiddenDims: readonly number[];
  /** Critic widths (each of Q1, Q2). @defaultValue [256, 256, 256] */
  readonly criticHiddenDims: readonly number[];
  /** Sinusoidal step-embedding width. @defaultValue 16 */
  readonly timeEmbeddingDim: number;
  /** Action bound: x̂0 and sampled actions are clipped to [−maxAction, maxAction]. @defaultValue 1.0 */
  readonly maxAction: number;
  /** EMA decay of the target actor. @defaultValue 0.995 */
  readonly emaDecay: number;
  /** First step at which the EMA actor moves (it stays at the initial weights before). @defaultValue 1000 */
  readonly emaStartStep: number;
  /** The EMA actor moves every this many steps. @defaultValue 5 */
  readonly emaEvery: number;
  /** Candidate actions sampled per state by `act`, ranked by softmax over min target Q. @defaultValue 50 */
  readonly actionCandidates: number;
  /**
   * Temperature of that softmax; 0 picks the best candidate. Diffusion-QL uses 1, which is close
   * to greedy when Q values are in the tens or hundreds (D4RL) but close to a uniform pick when
   * they differ by less than one (short or low-reward tasks). @defaultValue 1
   */
  readonly actionTemperature: number;
}

/** Defaults of every optional field (algorithms.md §1, Diffusion-QL's hopper-medium-replay settings). */
export const DIFFUSION_POLICY_DEFAULTS: Readonly<Omit<DiffusionPolicyConfig, 'observationDim' | 'actionDim'>> =
  Object.freeze({
    seed: 0,
    batchSize: 256,
    discount: 0.99,
    tau: 0.005,
    eta: 1.0,
    actorLearningRate: 3e-4,
    criticLearningRate: 3e-4,
    gradientClipNorm: 4.0,
    diffusionSteps: 5,
    betaSchedule: 'vp',
    hiddenDims: Object.freeze([256, 256, 256]),
    criticHiddenDims: Object.freeze([256, 256, 256]),
    timeEmbeddingDim: 16,
    maxAction: 1.0,
    emaDecay: 0.995,
    emaStartStep: 1000,
    emaEvery: 5,
    actionCandidates: 50,
    actionTemperature: 1,
  });

/** Validation rules of {@link DiffusionPolicyConfig}'s fields. */
export const DIFFUSION_POLICY_RULES: Readonly<Record<keyof DiffusionPolicyConfig, FieldRule>> = Object.freeze({
  observationDim: 'positiveInt',
  actionDim: 'positiveInt',
  seed: 'int',
  batchSize: 'positiveInt',
  discount: 'unit',
  tau: 'unit',
  eta: 'nonNegative',
  actorLearningRate: 'positive',
  criticLearningRate: 'positive',
  gradientClipNorm: 'nonNegative',
  diffusionSteps: 'positiveInt',
  betaSchedule: ['vp', 'linear', 'cosine'],
  hiddenDims: 'dims',
  criticHiddenDims: 'dims',
  timeEmbeddingDim: 'evenPositiveInt',
  maxAction: 'positive',
  emaDecay: 'unit',
  emaStartStep: 'nonNegativeInt',
  emaEvery: 'positiveInt',
  actionCandidates: 'positiveInt',
  actionTemperature: 'nonNegative',
});
