/**
 * Scalers as d3rlpy has them, owned by every agent's scaffold: an observation scaler
 * (standardisation or min-max), an action scaler (min-max onto the policy's range) and a reward
 * scaler (multiply, clip, standardise, min-max, return-based, shift). Each is a config field of
 * the agent (`observationScaler`, `actionScaler`, `rewardScaler`, all `{ kind: 'none' }` unless
 * an agent documents another default), fitted from the training data the first time the agent
 * binds to it unless the config gives its values, saved in checkpoints and exported with the
 * policy. Until fitted, a scaler is the identity.
 *
 * Where they apply: observations and actions of every batch (`stageBatch`) and rewards in
 * training; observations before the agent's `actWith` and the inverse action scaling after it
 * when acting (the scaffold does both). The formulas are the exported policy runtime's
 * (`src/export/runtime.ts`), so an agent and its exported policy scale with the same code.
 *
 * The action check: with the bound [−maxAction, maxAction], a dataset whose (scaled) actions leave
 * it is refused with an {@link ActionRangeError} at `fit`, naming the range found and the fixes,
 * instead of being clipped silently by the policy's squashing or the diffusion chain's clip.
 * Choices and formulas: `docs/algorithms/scalers.md`.
 *
 * @module
 */
import { ActionRangeError, ConfigError, DatasetError } from '../../core/errors.js';
import type { TransitionSource } from '../../core/types.js';
import {
  type ActionScalerState,
  type ObservationScalerState,
  type RewardScalerState,
  scaleActions,
  scaleObservations,
  scaleRewards,
  unscaleActions,
} from '../../export/runtime.js';
import type { CustomRule, FieldRule } from './config.js';

// ── Config ───────────────────────────────────────────────────────────────────────────────────

/** ε added to a standard deviation (d3rlpy's and CORL's 1e-3). */
export const SCALER_EPSILON = 1e-3;

/** The observation scaler an agent asks for. */
export type ObservationScalerConfig =
  | {
      /** No scaling. */
      readonly kind: 'none';
    }
  | {
      /** (s − μ)/(σ + ε), d3rlpy's `StandardObservationScaler`, CORL's normalisation. */
      readonly kind: 'standard';
      /** ε. @defaultValue 1e-3 */
      readonly epsilon?: number;
      /** μ per dimension; with `std`, used as given instead of fitted. */
      readonly mean?: readonly number[];
      /** σ per dimension. */
      readonly std?: readonly number[];
    }
  | {
      /** [min, max] of each dimension onto [−1, 1], d3rlpy's `MinMaxObservationScaler`. */
      readonly kind: 'min-max';
      /** Per-dimension minimum; with `maximum`, used as given instead of fitted. */
      readonly minimum?: readonly number[];
      /** Per-dimension maximum. */
      readonly maximum?: readonly number[];
    };

/** The action scaler an agent asks for. */
export type ActionScalerConfig =
  | {
      /** No scaling. */
      readonly kind: 'none';
    }
  | {
      /**
       * [min, max] of each action dimension onto the policy's range [−maxAction, maxAction]
       * (d3rlpy's `MinMaxActionScaler`, whose range is [−1, 1] = the default maxAction); the
       * agent's actions are mapped back.
       */
      readonly kind: 'min-max';
      /** Per-dimension minimum (e.g. the env's action space low); with `maximum`, not fitted. */
      readonly minimum?: readonly number[];
      /** Per-dimension maximum (the action space's high). */
      readonly maximum?: readonly number[];
    };

/** The reward scaler an agent asks for (d3rlpy's reward scalers; training only). */
export type RewardScalerConfig =
  | {
      /** No scaling. */
      readonly kind: 'none';
    }
  | {
      /** r · multiplier. */
      readonly kind: 'multiply';
      /** The factor. */
      readonly multiplier: number;
    }
  | {
      /** clip(r, low, high) · multiplier. */
      readonly kind: 'clip';
      /** Lower bound (none when absent). */
      readonly low?: number;
      /** Upper bound (none when absent). */
      readonly high?: number;
      /** @defaultValue 1 */
      readonly multiplier?: number;
    }
  | {
      /** (r − mean)/(std + ε) · multiplier, fitted unless `mean` and `std` are given. */
      readonly kind: 'standard';
      /** @defaultValue 1e-3 */
      readonly epsilon?: number;
      /** @defaultValue 1 */
      readonly multiplier?: number;
      /** The rewards' mean. */
      readonly mean?: number;
      /** Their standard deviation. */
      readonly std?: number;
    }
  | {
      /** (r − min)/(max − min) · multiplier, fitted unless both are given. */
      readonly kind: 'min-max';
      /** @defaultValue 1 */
      readonly multiplier?: number;
      /** The smallest reward. */
      readonly minimum?: number;
      /** The largest reward. */
      readonly maximum?: number;
    }
  | {
      /** r / (max return − min return) · multiplier over the data's episodes (CORL IQL uses 1000). */
      readonly kind: 'return';
      /** @defaultValue 1 */
      readonly multiplier?: number;
      /** The smallest episode return. */
      readonly returnMin?: number;
      /** The largest episode return. */
      readonly returnMax?: number;
    }
  | {
      /** (r + shift) · multiplier (d3rlpy's `ConstantShiftRewardScaler`; IQL's AntMaze r − 1). */
      readonly kind: 'shift';
      /** Added first. */
      readonly shift: number;
      /** @defaultValue 1 */
      readonly multiplier?: number;
    };

/** The scaler fields of an agent's config. */
export interface ScalerConfig {
  /** Observation scaling. @defaultValue `{ kind: 'none' }` (BC: `{ kind: 'standard' }`) */
  readonly observationScaler: ObservationScalerConfig;
  /** Action scaling. @defaultValue `{ kind: 'none' }` */
  readonly actionScaler: ActionScalerConfig;
  /** Reward scaling (training only). @defaultValue `{ kind: 'none' }` */
  readonly rewardScaler: RewardScalerConfig;
}

/** No scaling: today's behaviour of every agent but BC. */
export const SCALER_DEFAULTS: Readonly<ScalerConfig> = Object.freeze({
  observationScaler: Object.freeze({ kind: 'none' as const }),
  actionScaler: Object.freeze({ kind: 'none' as const }),
  rewardScaler: Object.freeze({ kind: 'none' as const }),
});

const SCALER_RULE: CustomRule = {
  check: (v) => v !== null && typeof v === 'object' && typeof (v as { kind?: unknown }).kind === 'string',
  description: "an object { kind: ... } (see the field's documentation)",
};

/** Validation rules of the scaler fields (their contents are checked by {@link resolveScalerConfig}). */
export const SCALER_RULES: Readonly<Record<keyof ScalerConfig, FieldRule>> = Object.freeze({
  observationScaler: SCALER_RULE,
  actionScaler: SCALER_RULE,
  rewardScaler: SCALER_RULE,
});

const KNOWN_FIELDS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  observationScaler: { none: [], standard: ['epsilon', 'mean', 'std'], 'min-max': ['minimum', 'maximum'] },
  actionScaler: { none: [], 'min-max': ['minimum', 'maximum'] },
  rewardScaler: {
    none: [],
    multiply: ['multiplier'],
    clip: ['low', 'high', 'multiplier'],
    standard: ['epsilon', 'multiplier', 'mean', 'std'],
    'min-max': ['multiplier', 'minimum', 'maximum'],
    return: ['multiplier', 'returnMin', 'returnMax'],
    shift: ['shift', 'multiplier'],
  },
};

type Json = Record<string, unknown>;

function checkScaler(what: string, field: string, value: unknown, dims: Readonly<Record<string, number>>): Json {
  const kinds = KNOWN_FIELDS[field];
  const show = (v: unknown) => JSON.stringify(v) ?? String(v);
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(
      `${what}.${field} must be an object { kind: ${Object.keys(kinds)
        .map((k) => `'${k}'`)
        .join(' | ')}, ... }, got ${show(value)}.`,
    );
  const v = value as Json;
  const kind = v['kind'];
  if (typeof kind !== 'string' || !Object.hasOwn(kinds, kind))
    throw new ConfigError(
      `${what}.${field}.kind must be one of ${Object.keys(kinds)
        .map((k) => `'${k}'`)
        .join(', ')}, got ${show(kind)}.`,
    );
  const allowed = kinds[kind];
  for (const key of Object.keys(v))
    if (key !== 'kind' && !allowed.includes(key))
      throw new ConfigError(
        `${what}.${field} of kind '${kind}' has no field '${key}'; its fields are ${allowed.length === 0 ? 'none' : allowed.join(', ')}.`,
      );
  const number = (key: string, rule: 'finite' | 'positive' | 'nonNegative') => {
    const x = v[key];
    if (x === undefined) return;
    const ok =
      typeof x === 'number' && Number.isFinite(x) && (rule === 'finite' || (rule === 'positive' ? x > 0 : x >= 0));
    if (!ok)
      throw new ConfigError(
        `${what}.${field}.${key} must be ${rule === 'finite' ? 'a finite number' : rule === 'positive' ? 'a finite number > 0' : 'a finite number >= 0'}, got ${show(x)}.`,
      );
  };
  const vector = (key: string, width: number) => {
    const x = v[key];
    if (x === undefined) return;
    if (!Array.isArray(x) || x.length !== width || !x.every((e) => typeof e === 'number' && Number.isFinite(e)))
      throw new ConfigError(`${what}.${field}.${key} must be an array of ${width} finite numbers, got ${show(x)}.`);
  };
  const pair = (a: string, b: string) => {
    if ((v[a] === undefined) !== (v[b] === undefined))
      throw new ConfigError(
        `${what}.${field} gives ${v[a] === undefined ? b : a} without ${v[a] === undefined ? a : b}; give both to fix the scaler, or neither to fit it from the data.`,
      );
  };
  const width = field === 'actionScaler' ? dims['actionDim'] : dims['observationDim'];
  for (const key of ['mean', 'std', 'minimum', 'maximum'])
    if (field === 'rewardScaler') number(key, key === 'std' ? 'nonNegative' : 'finite');
    else vector(key, width);
  for (const key of ['low', 'high', 'shift', 'returnMin', 'returnMax']) number(key, 'finite');
  number('epsilon', 'positive');
  number('multiplier', 'finite');
  if (kind === 'multiply' && v['multiplier'] === undefined)
    throw new ConfigError(
      `${what}.${field} of kind 'multiply' needs a multiplier, e.g. { kind: 'multiply', multiplier: 0.1 }.`,
    );
  if (kind === 'shift' && v['shift'] === undefined)
    throw new ConfigError(`${what}.${field} of kind 'shift' needs a shift, e.g. { kind: 'shift', shift: -1 }.`);
  pair('mean', 'std');
  pair('minimum', 'maximum');
  pair('returnMin', 'returnMax');
  if (field !== 'rewardScaler' && Array.isArray(v['std']) && (v['std'] as number[]).some((s) => s < 0))
    throw new ConfigError(`${what}.${field}.std must hold standard deviations >= 0, got ${show(v['std'])}.`);
  const lo = v['minimum'] ?? v['low'] ?? v['returnMin'];
  const hi = v['maximum'] ?? v['high'] ?? v['returnMax'];
  const below = (a: unknown, b: unknown) =>
    Array.isArray(a) ? a.some((x: number, i) => x > (b as number[])[i]) : (a as number) > (b as number);
  if (lo !== undefined && hi !== undefined && below(lo, hi))
    throw new ConfigError(`${what}.${field} has a lower end above its upper end: ${show(lo)} > ${show(hi)}.`);
  // Defaults filled in: the resolved config says every number the scaler uses.
  const out: Json = { ...v };
  if ((kind === 'standard' || field === 'rewardScaler') && kind !== 'none') {
    if (kind === 'standard' && out['epsilon'] === undefined) out['epsilon'] = SCALER_EPSILON;
    if (field === 'rewardScaler' && out['multiplier'] === undefined) out['multiplier'] = 1;
  }
  for (const [key, x] of Object.entries(out)) if (Array.isArray(x)) out[key] = Object.freeze([...(x as number[])]);
  return Object.freeze(out);
}

/**
 * The scaler fields of `options`, defaults filled from `defaults` and each scaler's own
 * defaults (ε = 1e-3, multiplier 1), validated.
 * @param what - the config's name, e.g. `'DiffusionQLConfig'`.
 * @throws {@link ConfigError} naming the field, the value and what it must be.
 */
export function resolveScalerConfig(
  what: string,
  options: Partial<ScalerConfig> & { readonly observationDim: number; readonly actionDim: number },
  defaults: Readonly<ScalerConfig> = SCALER_DEFAULTS,
): ScalerConfig {
  const dims = { observationDim: options.observationDim, actionDim: options.actionDim };
  const field = <K extends keyof ScalerConfig>(key: K): ScalerConfig[K] =>
    checkScaler(what, key, options[key] ?? defaults[key], dims) as unknown as ScalerConfig[K];
  return {
    observationScaler: field('observationScaler'),
    actionScaler: field('actionScaler'),
    rewardScaler: field('rewardScaler'),
  };
}

// ── Fitted scalers ───────────────────────────────────────────────────────────────────────────

/** What a checkpoint stores of the scalers: each one's fitted state, or null before fitting. */
export interface ScalersState {
  /** Observation scaler. */
  readonly observation: ObservationScalerState | null;
  /** Action scaler. */
  readonly action: ActionScalerState | null;
  /** Reward scaler. */
  readonly reward: RewardScalerState | null;
}

/** The scalers an exported policy applies (`PolicyManifest.scalers`). */
export interface ExportedScalers {
  /** Observation scaling. */
  observation: ObservationScalerState;
  /** Action scaling. */
  action: ActionScalerState;
}

/** A buffer as the reward scalers read it (`ReplayBuffer` fits). */
interface RewardBuffer {
  columns(): { readonly rewards: Float32Array };
  episodes(): Iterable<{ readonly start: number; readonly length: number }>;
}

const isRewardBuffer = (d: unknown): d is RewardBuffer =>
  typeof (d as RewardBuffer | null)?.columns === 'function' && typeof (d as RewardBuffer).episodes === 'function';

/** The buffers behind `data`: itself, or a multi-task dataset's per-task buffers; null when unknown. */
function rewardBuffers(data: TransitionSource): RewardBuffer[] | null {
  if (isRewardBuffer(data)) return [data];
  const multi = data as TransitionSource & { numTasks?: unknown; task?: (i: number) => { buffer?: unknown } };
  if (typeof multi.numTasks === 'number' && typeof multi.task === 'function') {
    const buffers = Array.from({ length: multi.numTasks }, (_, i) => multi.task!(i).buffer);
    return buffers.every(isRewardBuffer) ? buffers : null;
  }
  return null;
}

/** Mean, population std, min and max of the rewards, and the min and max episode return. */
function rewardSummary(
  data: TransitionSource,
  kind: string,
): {
  mean: number;
  std: number;
  min: number;
  max: number;
  returnMin: number;
  returnMax: number;
} {
  const buffers = rewardBuffers(data);
  if (buffers === null)
    throw new ConfigError(
      `rewardScaler '${kind}' is fitted from the data's rewards, but ${(data as object).constructor?.name ?? 'this data source'} does not expose them (a ReplayBuffer or MultiTaskDataset does); give the scaler's values in the config instead.`,
    );
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let returnMin = Infinity;
  let returnMax = -Infinity;
  for (const buffer of buffers) {
    const rewards = buffer.columns().rewards;
    for (const r of rewards) {
      sum += r;
      if (r < min) min = r;
      if (r > max) max = r;
    }
    n += rewards.length;
    for (const { start, length } of buffer.episodes()) {
      let total = 0;
      for (let i = start; i < start + length; i++) total += rewards[i];
      if (total < returnMin) returnMin = total;
      if (total > returnMax) returnMax = total;
    }
  }
  if (n === 0) throw new DatasetError(`rewardScaler '${kind}' cannot be fitted: the data holds no transitions.`);
  const mean = sum / n;
  let m2 = 0;
  for (const buffer of buffers) for (const r of buffer.columns().rewards) m2 += (r - mean) * (r - mean);
  return { mean, std: Math.sqrt(m2 / n), min, max, returnMin, returnMax };
}

const list = (a: ArrayLike<number>) => Array.from(a, Number);

/** Tolerance of the action-range check: float32 rounding of the bound and of the data. */
const BOUND_TOLERANCE = 1e-5;

/** The dimensions and bound the scalers work with. */
export interface ScalerDims {
  /** Observation width S. */
  readonly observationDim: number;
  /** Action width A. */
  readonly actionDim: number;
  /** The policy's action bound, or undefined when the agent has none. */
  readonly maxAction?: number;
}

/** An agent's three scalers; see the module comment. */
export class AgentScalers {
  /** The fitted observation scaler (null: not fitted, the identity). */
  observation: ObservationScalerState | null = null;
  /** The fitted action scaler (null: not fitted, the identity). */
  action: ActionScalerState | null = null;
  /** The fitted reward scaler (null: not fitted, the identity). */
  reward: RewardScalerState | null = null;
  /** Batches staged through these scalers (the scaffold checks that `update` does it). */
  staged = 0;

  /** Sets the scalers whose config gives their values; the others wait for {@link AgentScalers.fitTo}. */
  constructor(
    /** The resolved config fields. */
    readonly config: ScalerConfig,
    /** Widths and bound. */
    readonly dims: ScalerDims,
  ) {
    this.observation = this.fromConfig('observation');
    this.action = this.fromConfig('action');
    this.reward = this.fromConfig('reward');
  }

  /** Whether any scaler does something (a config kind other than `none`). */
  get configured(): boolean {
    const c = this.config;
    return c.observationScaler.kind !== 'none' || c.actionScaler.kind !== 'none' || c.rewardScaler.kind !== 'none';
  }

  private fromConfig(which: 'observation'): ObservationScalerState | null;
  private fromConfig(which: 'action'): ActionScalerState | null;
  private fromConfig(which: 'reward'): RewardScalerState | null;
  /** The state a config fixes by itself (`none`, or values given), or null when it must be fitted. */
  private fromConfig(which: 'observation' | 'action' | 'reward'): unknown {
    const c = this.config;
    if (which === 'observation') {
      const o = c.observationScaler;
      if (o.kind === 'none') return o;
      if (o.kind === 'standard' && o.mean !== undefined && o.std !== undefined)
        return { kind: 'standard', mean: [...o.mean], std: [...o.std], epsilon: o.epsilon ?? SCALER_EPSILON };
      if (o.kind === 'min-max' && o.minimum !== undefined && o.maximum !== undefined)
        return { kind: 'min-max', minimum: [...o.minimum], maximum: [...o.maximum] };
      return null;
    }
    if (which === 'action') {
      const a = c.actionScaler;
      if (a.kind === 'none') return a;
      if (a.minimum !== undefined && a.maximum !== undefined)
        return { kind: 'min-max', minimum: [...a.minimum], maximum: [...a.maximum], bound: this.dims.maxAction ?? 1 };
      return null;
    }
    const r = c.rewardScaler;
    const multiplier = 'multiplier' in r ? (r.multiplier ?? 1) : 1;
    switch (r.kind) {
      case 'none':
        return r;
      case 'multiply':
        return { kind: 'multiply', multiplier: r.multiplier };
      case 'clip':
        return { kind: 'clip', low: r.low ?? null, high: r.high ?? null, multiplier };
      case 'shift':
        return { kind: 'shift', shift: r.shift, multiplier };
      case 'standard':
        return r.mean !== undefined && r.std !== undefined
          ? { kind: 'standard', mean: r.mean, std: r.std, epsilon: r.epsilon ?? SCALER_EPSILON, multiplier }
          : null;
      case 'min-max':
        return r.minimum !== undefined && r.maximum !== undefined
          ? { kind: 'min-max', minimum: r.minimum, maximum: r.maximum, multiplier }
          : null;
      case 'return':
        return r.returnMin !== undefined && r.returnMax !== undefined
          ? { kind: 'return', returnMin: r.returnMin, returnMax: r.returnMax, multiplier }
          : null;
    }
  }

  /**
   * Fits every scaler not yet fitted from `data` (once for the agent's life: a second `fit` on
   * other data keeps them, so acting stays consistent), then checks the data's actions against
   * the policy's bound.
   * @throws {@link ActionRangeError} when the (scaled) actions leave [−maxAction, maxAction];
   * {@link ConfigError} when a reward scaler needs rewards the data does not expose.
   */
  fitTo(data: TransitionSource): void {
    const c = this.config;
    const o = c.observationScaler;
    if (this.observation === null && o.kind !== 'none') {
      const stats = data.observationStatistics();
      this.observation =
        o.kind === 'standard'
          ? { kind: 'standard', mean: list(stats.mean), std: list(stats.std), epsilon: o.epsilon ?? SCALER_EPSILON }
          : { kind: 'min-max', minimum: list(stats.min), maximum: list(stats.max) };
    }
    if (this.action === null && c.actionScaler.kind === 'min-max') {
      const stats = data.actionStatistics();
      this.action = {
        kind: 'min-max',
        minimum: list(stats.min),
        maximum: list(stats.max),
        bound: this.dims.maxAction ?? 1,
      };
    }
    const r = c.rewardScaler;
    if (this.reward === null && (r.kind === 'standard' || r.kind === 'min-max' || r.kind === 'return')) {
      const s = rewardSummary(data, r.kind);
      const multiplier = r.multiplier ?? 1;
      this.reward =
        r.kind === 'standard'
          ? { kind: 'standard', mean: s.mean, std: s.std, epsilon: r.epsilon ?? SCALER_EPSILON, multiplier }
          : r.kind === 'min-max'
            ? { kind: 'min-max', minimum: s.min, maximum: s.max, multiplier }
            : { kind: 'return', returnMin: s.returnMin, returnMax: s.returnMax, multiplier };
    }
    this.checkActionRange(data);
  }

  /**
   * Refuses data whose actions, after action scaling, leave [−maxAction, maxAction].
   * @throws {@link ActionRangeError} naming the range found, the bound, and the two fixes.
   */
  checkActionRange(data: TransitionSource): void {
    const bound = this.dims.maxAction;
    if (bound === undefined) return;
    const stats = data.actionStatistics();
    const low = this.scaleActions(Float32Array.from(stats.min));
    const high = this.scaleActions(Float32Array.from(stats.max));
    const limit = Math.fround(bound) + BOUND_TOLERANCE * Math.max(1, bound);
    const outside: number[] = [];
    for (let i = 0; i < low.length; i++) if (low[i] < -limit || high[i] > limit) outside.push(i);
    if (outside.length === 0) return;
    const min = Math.min(...stats.min);
    const max = Math.max(...stats.max);
    const round = (x: number) => Number(x.toPrecision(4));
    const dims = outside
      .slice(0, 4)
      .map((i) => `${i}: [${round(stats.min[i])}, ${round(stats.max[i])}]`)
      .join(', ');
    const needed = round(Math.max(Math.abs(min), Math.abs(max)));
    const scaled = this.config.actionScaler.kind !== 'none';
    throw new ActionRangeError(
      scaled
        ? `The data's actions (from ${round(min)} to ${round(max)}; dimension ${dims}${outside.length > 4 ? ', ...' : ''}) still leave the policy's range [-${bound}, ${bound}] after the action scaler's given minimum/maximum; they would be clipped. Fix: widen actionScaler.minimum/maximum to cover the data, or drop them so the scaler is fitted from the data.`
        : `The data's actions reach from ${round(min)} to ${round(max)} (dimension ${dims}${outside.length > 4 ? ', ...' : ''}), beyond the policy's range [-${bound}, ${bound}] (maxAction ${bound}); training would clip them silently. Fix: turn on action scaling (config actionScaler: { kind: 'min-max' }; llmdpd train --config '{"actionScaler":{"kind":"min-max"}}'), or set maxAction to at least ${needed} if the env accepts actions that large.`,
      list(stats.min),
      list(stats.max),
      bound,
    );
  }

  /** Observations (rows) scaled into a new array, or `values` itself when there is nothing to do. */
  scaleObservations(values: Float32Array): Float32Array {
    return this.observation === null ? values : scaleObservations(this.observation, values);
  }

  /** Actions of the data into the policy's range, or `values` itself. */
  scaleActions(values: Float32Array): Float32Array {
    return this.action === null ? values : scaleActions(this.action, values);
  }

  /** The policy's actions back into the data's range, or `values` itself. */
  unscaleActions(values: Float32Array): Float32Array {
    return this.action === null ? values : unscaleActions(this.action, values);
  }

  /** Rewards scaled into a new array, or `values` itself. */
  scaleRewards(values: Float32Array): Float32Array {
    return this.reward === null ? values : scaleRewards(this.reward, values);
  }

  /** What an exported policy applies: the fitted observation and action scalers (an unfitted one is the identity). */
  exportState(): ExportedScalers {
    return { observation: this.observation ?? { kind: 'none' }, action: this.action ?? { kind: 'none' } };
  }

  /** The saved form. */
  getState(): ScalersState {
    return { observation: this.observation, action: this.action, reward: this.reward };
  }

  /**
   * Restores {@link AgentScalers.getState}'s output, after checking it fits the config and widths.
   * @param where - the loading call, for messages.
   * @throws {@link DatasetError} naming the field that does not fit (a damaged checkpoint header).
   */
  setState(state: unknown, where: string): void {
    const s = state as Partial<ScalersState> | null;
    if (s === null || typeof s !== 'object')
      throw new DatasetError(
        `${where}: checkpoint header field 'scalers' must be an object, found ${JSON.stringify(state)}.`,
      );
    const c = this.config;
    const check = (field: 'observation' | 'action' | 'reward', value: unknown, kind: string, width: number): void => {
      if (value === null || value === undefined) return;
      const v = value as Json;
      const bad = (path: string, detail: string): never => {
        throw new DatasetError(
          `${where}: checkpoint header field 'scalers.${path}' ${detail}. The manifest was damaged or edited after saving; restore the checkpoint from a good copy.`,
        );
      };
      if (typeof v !== 'object' || v['kind'] !== kind)
        bad(field, `has kind ${JSON.stringify(v?.['kind'])}, but the config asks for '${kind}'`);
      for (const [key, x] of Object.entries(v)) {
        if (key === 'kind') continue;
        const values = Array.isArray(x) ? (x as unknown[]) : [x];
        if (Array.isArray(x) && x.length !== width) bad(`${field}.${key}`, `has ${x.length} values; expected ${width}`);
        if (!values.every((e) => e === null || (typeof e === 'number' && Number.isFinite(e))))
          bad(`${field}.${key}`, 'holds a value that is not a finite number');
      }
    };
    check('observation', s.observation, c.observationScaler.kind, this.dims.observationDim);
    check('action', s.action, c.actionScaler.kind, this.dims.actionDim);
    check('reward', s.reward, c.rewardScaler.kind, 1);
    // A scaler saved before it was fitted keeps what its config fixes.
    this.observation = s.observation ?? this.fromConfig('observation');
    this.action = s.action ?? this.fromConfig('action');
    this.reward = s.reward ?? this.fromConfig('reward');
  }
}
