/**
 * {@link fromGymnasiumLike}: adapts a plain JavaScript env object written against Gymnasium's
 * API (or a JS port of it) to the library's {@link Env}.
 *
 * Accepted shapes:
 * - spaces as core spaces or plain objects (`{ shape, low, high, dtype }`, `{ n }`,
 *   `{ spaces }`), under `observationSpace`/`actionSpace` or `observation_space`/`action_space`,
 *   or given in the options;
 * - `reset()` returning `[obs, info]` or `{ observation | obs, info }`;
 * - `step()` returning `[obs, reward, terminated, truncated, info]` or
 *   `{ observation | obs, reward, terminated, truncated, info }`;
 * - either method synchronous or returning a promise;
 * - observations as typed arrays, number arrays or nested arrays (converted to the space's
 *   typed array, e.g. Float32Array for a float32 Box).
 *
 * Old Gym's single `done` flag (`[obs, reward, done, info]` or `{ ..., done }`) is accepted only
 * where its meaning is unambiguous: `done = false`, or `done = true` with a boolean
 * `info['TimeLimit.truncated']` (set by old Gym's TimeLimit), or when the caller declares what
 * `done` means with `legacyDone`. Otherwise the step throws an {@link EnvError} explaining
 * `terminated` versus `truncated`.
 *
 * @module
 */
import { ConfigError, EnvError } from '../core/errors.js';
import { Dict, describeValue, type Space } from '../core/spaces.js';
import type { MaybePromise } from '../core/types.js';
import { coerceToSpace, toPlainValue } from './coerce.js';
import type { Env, EnvMetadata, Info, ResetOptions, ResetResult, StepResult } from './env.js';
import { thenMaybe } from './maybe-promise.js';
import { spaceFromPlain, type SpaceLike } from './plain-spaces.js';
import { validateSeed } from './seeding.js';
import { isPlainObject } from './values.js';

/** A plain env object in Gymnasium's shape, as {@link fromGymnasiumLike} accepts it. */
export interface GymnasiumLike {
  /** Called as `reset({ seed, options })` (keys omitted when undefined). */
  reset(args?: { seed?: number; options?: Record<string, unknown> }): unknown;
  /** Called with the action (a typed array, number or object; see `actionFormat`). */
  step(action: unknown): unknown;
  /** Optional; called by the adapter's `close()`. */
  close?(): unknown;
  /** Observation space (camelCase). */
  readonly observationSpace?: unknown;
  /** Observation space (Gymnasium's snake_case). */
  readonly observation_space?: unknown;
  /** Action space (camelCase). */
  readonly actionSpace?: unknown;
  /** Action space (Gymnasium's snake_case). */
  readonly action_space?: unknown;
  /** Optional metadata; `render_modes`/`render_fps` are renamed to camelCase. */
  readonly metadata?: unknown;
}

/** Options of {@link fromGymnasiumLike}. */
export interface FromGymnasiumLikeOptions {
  /** Observation space, overriding the object's. */
  readonly observationSpace?: SpaceLike;
  /** Action space, overriding the object's. */
  readonly actionSpace?: SpaceLike;
  /**
   * Declares what an old-Gym `done = true` means when the step's info has no boolean
   * `TimeLimit.truncated`: `'terminated'` (an MDP terminal state) or `'truncated'` (a cut-off).
   * Without it such a step throws.
   */
  readonly legacyDone?: 'terminated' | 'truncated';
  /**
   * How actions are handed to the object: `'typed'` passes the core value (typed arrays for
   * Box), `'array'` converts typed arrays to plain number arrays. @defaultValue `'typed'`
   */
  readonly actionFormat?: 'typed' | 'array';
}

const TUPLE_HELP =
  'terminated means the episode reached a terminal state of the MDP (do not bootstrap from it); truncated means it was cut from outside, e.g. by a time limit (bootstrap as usual)';

function readFlag(value: unknown, name: string, where: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  throw new EnvError(`${where} ${name} must be a boolean (or 0/1), got ${describeValue(value)}.`);
}

function readInfo(value: unknown, where: string): Info {
  if (value === undefined || value === null) return {};
  if (isPlainObject(value)) return value;
  throw new EnvError(
    `${where} info must be an object, got ${describeValue(value)}; return {} when there is nothing to report.`,
  );
}

function readReward(value: unknown, where: string): number {
  if (typeof value === 'number') return value;
  throw new EnvError(`${where} reward must be a number, got ${describeValue(value)}.`);
}

/**
 * An {@link Env} backed by a plain Gymnasium-shaped object; built by {@link fromGymnasiumLike}.
 * Calls stay synchronous when the object's methods are synchronous.
 */
export class GymnasiumLikeEnv<Obs = unknown, Act = unknown> implements Env<Obs, Act> {
  /** The adapted object. */
  readonly source: GymnasiumLike;
  /** The observation space as a core space. */
  readonly observationSpace: Space<Obs>;
  /** The action space as a core space. */
  readonly actionSpace: Space<Act>;
  /** The object's metadata, with snake_case render keys renamed. */
  readonly metadata: EnvMetadata | undefined;
  private readonly legacyDone: 'terminated' | 'truncated' | undefined;
  private readonly actionFormat: 'typed' | 'array';

  /** @throws {@link ConfigError} when the object lacks reset/step or usable spaces. */
  constructor(source: GymnasiumLike, options: FromGymnasiumLikeOptions = {}) {
    if (typeof source !== 'object' || source === null)
      throw new ConfigError(`fromGymnasiumLike needs an env object, got ${describeValue(source)}.`);
    const missing = (['reset', 'step'] as const).filter((m) => typeof source[m] !== 'function');
    if (missing.length > 0)
      throw new ConfigError(
        `fromGymnasiumLike needs an object with reset() and step(); it lacks ${missing.join(' and ')} (keys: ${Object.keys(source).join(', ')}).`,
      );
    const obs = options.observationSpace ?? source.observationSpace ?? source.observation_space;
    const act = options.actionSpace ?? source.actionSpace ?? source.action_space;
    if (obs === undefined || act === undefined) {
      throw new ConfigError(
        `fromGymnasiumLike could not find the ${obs === undefined ? 'observation' : 'action'} space: the object has no ${obs === undefined ? 'observationSpace/observation_space' : 'actionSpace/action_space'}. Pass it in the options, e.g. fromGymnasiumLike(obj, { ${obs === undefined ? 'observationSpace' : 'actionSpace'}: { shape: [3], low: -1, high: 1 } }).`,
      );
    }
    if (options.legacyDone !== undefined && options.legacyDone !== 'terminated' && options.legacyDone !== 'truncated') {
      throw new ConfigError(
        `fromGymnasiumLike legacyDone must be 'terminated' or 'truncated', got ${JSON.stringify(options.legacyDone)}.`,
      );
    }
    const format = options.actionFormat ?? 'typed';
    if (format !== 'typed' && format !== 'array')
      throw new ConfigError(
        `fromGymnasiumLike actionFormat must be 'typed' or 'array', got ${JSON.stringify(format)}.`,
      );
    this.source = source;
    this.observationSpace = spaceFromPlain(obs, 'observationSpace') as Space<Obs>;
    this.actionSpace = spaceFromPlain(act, 'actionSpace') as Space<Act>;
    this.legacyDone = options.legacyDone;
    this.actionFormat = format;
    this.metadata = readMetadata(source.metadata);
  }

  /**
   * Calls the object's `reset({ seed, options })` and converts its result.
   * @throws {@link EnvError} when the result is not `[obs, info]` or `{ observation, info }`.
   */
  reset(options: ResetOptions = {}): MaybePromise<ResetResult<Obs>> {
    const seed = validateSeed(options.seed);
    const args: { seed?: number; options?: Record<string, unknown> } = {};
    if (seed !== undefined) args.seed = seed;
    if (options.options !== undefined) args.options = options.options;
    return thenMaybe(this.source.reset(args), (result) => this.readReset(result));
  }

  /**
   * Calls the object's `step(action)` and converts its result.
   * @throws {@link EnvError} on a malformed result or an ambiguous old-Gym `done`.
   */
  step(action: Act): MaybePromise<StepResult<Obs>> {
    const handed = this.actionFormat === 'array' ? toPlainValue(action) : action;
    return thenMaybe(this.source.step(handed), (result) => this.readStep(result));
  }

  /** Calls the object's `close()` when it has one. */
  close(): MaybePromise<void> {
    if (typeof this.source.close !== 'function') return undefined;
    return thenMaybe(this.source.close(), () => undefined);
  }

  private observation(value: unknown, where: string): Obs {
    return coerceToSpace(this.observationSpace, value, `${where} observation`) as Obs;
  }

  private readReset(result: unknown): ResetResult<Obs> {
    const where = 'reset()';
    if (
      Array.isArray(result) &&
      result.length === 2 &&
      (isPlainObject(result[1]) || result[1] === undefined || result[1] === null)
    ) {
      return [this.observation(result[0], where), readInfo(result[1], where)];
    }
    if (isPlainObject(result) && ('observation' in result || 'obs' in result) && !this.isBareDictObservation(result)) {
      return [
        this.observation('observation' in result ? result['observation'] : result['obs'], where),
        readInfo(result['info'], where),
      ];
    }
    throw new EnvError(
      `reset() returned ${describeValue(result)}; expected [observation, info] or { observation, info }. If this is an old Gym env whose reset returns only the observation, make it return [obs, {}].`,
    );
  }

  private readStep(result: unknown): StepResult<Obs> {
    const where = 'step()';
    if (Array.isArray(result) && result.length === 5) {
      const [obs, reward, terminated, truncated, info] = result as unknown[];
      return [
        this.observation(obs, where),
        readReward(reward, where),
        readFlag(terminated, 'terminated', where),
        readFlag(truncated, 'truncated', where),
        readInfo(info, where),
      ];
    }
    if (Array.isArray(result) && result.length === 4) {
      const [obs, reward, done, info] = result as unknown[];
      const infoObj = readInfo(info, where);
      const [terminated, truncated] = this.resolveDone(readFlag(done, 'done', where), infoObj);
      return [this.observation(obs, where), readReward(reward, where), terminated, truncated, infoObj];
    }
    if (isPlainObject(result) && ('observation' in result || 'obs' in result) && 'reward' in result) {
      const obs = this.observation('observation' in result ? result['observation'] : result['obs'], where);
      const reward = readReward(result['reward'], where);
      const infoObj = readInfo(result['info'], where);
      if ('terminated' in result || 'truncated' in result) {
        if ('done' in result)
          throw new EnvError(
            `step() returned done together with terminated/truncated; return only terminated and truncated (${TUPLE_HELP}).`,
          );
        const terminated = 'terminated' in result ? readFlag(result['terminated'], 'terminated', where) : false;
        const truncated = 'truncated' in result ? readFlag(result['truncated'], 'truncated', where) : false;
        return [obs, reward, terminated, truncated, infoObj];
      }
      if ('done' in result) {
        const [terminated, truncated] = this.resolveDone(readFlag(result['done'], 'done', where), infoObj);
        return [obs, reward, terminated, truncated, infoObj];
      }
      throw new EnvError(
        `step() returned an object without terminated/truncated (keys: ${Object.keys(result).join(', ')}); add both flags (${TUPLE_HELP}).`,
      );
    }
    throw new EnvError(
      `step() returned ${describeValue(result)}; expected [observation, reward, terminated, truncated, info] or { observation, reward, terminated, truncated, info }.`,
    );
  }

  /** Maps an old-Gym `done` to `[terminated, truncated]`, or throws when that is ambiguous. */
  private resolveDone(done: boolean, info: Info): [boolean, boolean] {
    if (!done) return [false, false];
    const cut = info['TimeLimit.truncated'];
    if (typeof cut === 'boolean') return cut ? [false, true] : [true, false];
    if (this.legacyDone === 'terminated') return [true, false];
    if (this.legacyDone === 'truncated') return [false, true];
    throw new EnvError(
      `step() returned the old Gym flag done = true without a boolean info['TimeLimit.truncated'], so it is ambiguous whether the episode terminated or was truncated: ${TUPLE_HELP}. Return terminated and truncated separately, or, if done always means one of them for this env, pass fromGymnasiumLike(obj, { legacyDone: 'terminated' }) (or 'truncated').`,
    );
  }

  /** True when `value` is a Dict observation whose keys happen to include `observation`/`obs`. */
  private isBareDictObservation(value: Record<string, unknown>): boolean {
    const space = this.observationSpace as Space;
    if (!(space instanceof Dict)) return false;
    const keys = Object.keys(space.spaces).sort().join('\u0000');
    return Object.keys(value).sort().join('\u0000') === keys;
  }
}

function readMetadata(raw: unknown): EnvMetadata | undefined {
  if (!isPlainObject(raw)) return undefined;
  const { render_modes: renderModes, render_fps: renderFps, ...rest } = raw;
  const out: Record<string, unknown> = { ...rest };
  if (renderModes !== undefined)
    out['renderModes'] = Array.isArray(renderModes) ? Array.from(renderModes) : renderModes;
  if (renderFps !== undefined) out['renderFps'] = renderFps;
  return Object.freeze(out);
}

/**
 * Wraps a plain Gymnasium-shaped object as an {@link Env}. See the module description for the
 * accepted shapes.
 *
 * @example
 * ```ts
 * const env = fromGymnasiumLike({
 *   observation_space: { shape: [2], low: -1, high: 1, dtype: 'float32' },
 *   action_space: { n: 3 },
 *   reset: () => ({ observation: [0, 0], info: {} }),
 *   step: (a) => [[0.1, 0], 1, false, false, {}],
 * });
 * const [obs] = await env.reset({ seed: 0 }); // Float32Array [0, 0]
 * ```
 * @throws {@link ConfigError} when the object lacks reset/step or usable spaces.
 */
export function fromGymnasiumLike<Obs = unknown, Act = unknown>(
  obj: GymnasiumLike,
  options: FromGymnasiumLikeOptions = {},
): GymnasiumLikeEnv<Obs, Act> {
  return new GymnasiumLikeEnv<Obs, Act>(obj, options);
}
