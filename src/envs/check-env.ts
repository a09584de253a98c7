/**
 * {@link checkEnv}: runs an env through the Gymnasium contract and reports every violation
 * with a fix, in the spirit of Gymnasium's `check_env` and Stable-Baselines3's `env_checker`.
 *
 * @module
 */
import { ConfigError, EnvError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { Box, Discrete, describeValue, type BoxArray, type BoxDtype, type Space } from '../core/spaces.js';
import type { Env } from './env.js';
import { isCoreSpace } from './plain-spaces.js';
import { isPlainObject, previewValue, valuesEqual } from './values.js';

/** Options of {@link checkEnv}. */
export interface CheckEnvOptions {
  /** Number of steps to take with sampled actions (resetting when an episode ends). @defaultValue 100 */
  readonly steps?: number;
  /** Seed for `reset({ seed })` and for sampling actions. @defaultValue 0 */
  readonly seed?: number;
  /**
   * Number of initial steps replayed after a second `reset({ seed })` to check that the same
   * seed and actions give the same trajectory. @defaultValue 20
   */
  readonly determinismSteps?: number;
}

/** What {@link checkEnv} returns when the env passes. */
export interface CheckEnvReport {
  /** Things that are allowed but often wrong or slow (for example an unbounded action space). */
  readonly warnings: readonly string[];
  /** Number of `step()` calls made in the main loop. */
  readonly stepsRun: number;
  /** Number of episodes that ended (terminated or truncated) during the main loop. */
  readonly episodesFinished: number;
}

/** Thrown by {@link checkEnv}: an {@link EnvError} that also carries the list of problems. */
export class EnvCheckError extends EnvError {
  /** Every problem found, each with a fix hint. */
  readonly problems: readonly string[];

  /** @param problems - the problems found (at least one). */
  constructor(problems: readonly string[]) {
    super(
      `checkEnv found ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p, i) => `  ${i + 1}. ${p}`).join('\n')}`,
    );
    this.problems = Object.freeze([...problems]);
  }
}

function checkSpace(space: unknown, name: 'observationSpace' | 'actionSpace', problems: string[]): boolean {
  if (isCoreSpace(space)) return true;
  problems.push(
    `${name} must be a Box, Discrete or Dict from llmdpd core; got ${describeValue(space)} — build it with new Box({ low, high, shape }) / new Discrete(n), or wrap a plain object env with fromGymnasiumLike(obj).`,
  );
  return false;
}

function spaceWarnings(observationSpace: Space, actionSpace: Space): string[] {
  const warnings: string[] = [];
  if (actionSpace instanceof Box) {
    if (!actionSpace.isBounded()) {
      warnings.push(
        'actionSpace is unbounded: sampling draws normal/exponential values and squashed policies cannot cover it. Give the Box finite low/high if the env has physical limits.',
      );
    } else {
      let unit = true;
      for (let i = 0; i < actionSpace.size; i++)
        if (actionSpace.low[i] !== -1 || actionSpace.high[i] !== 1) unit = false;
      if (!unit) {
        warnings.push(
          `actionSpace is not [-1, 1] (low [${Array.from(actionSpace.low).join(', ')}], high [${Array.from(actionSpace.high).join(', ')}]): tanh-squashed policies act in [-1, 1]; wrap with RescaleAction(env, { min: -1, max: 1 }).`,
        );
      }
    }
  }
  if (observationSpace instanceof Box && observationSpace.dtype !== 'float32') {
    warnings.push(
      `observationSpace has dtype ${observationSpace.dtype}; buffers and agents store float32, so observations are converted on every step.`,
    );
  }
  return warnings;
}

const TYPED_CTOR: Record<BoxDtype, string> = { float32: 'Float32Array', float64: 'Float64Array', int32: 'Int32Array' };

/** A fix hint for an observation that `space` rejected. */
function observationHint(space: Space, obs: unknown, why: string): string {
  if (space instanceof Box) {
    const box = space as Box<BoxDtype>;
    const ctor = TYPED_CTOR[box.dtype];
    if (Array.isArray(obs)) return `return a typed array: ${ctor}.from(obs)`;
    if (ArrayBuffer.isView(obs) && why.startsWith('expected dtype'))
      return `return ${ctor}.from(obs), or declare the Box with the dtype you return`;
    if (why.includes('is NaN'))
      return 'find where the NaN is produced (0/0, sqrt or log of a negative number, an uninitialised state) before returning it';
    if (why.includes('outside')) return "clip the observation into the space, or widen the observationSpace's low/high";
    if (why.startsWith('expected') && why.includes('elements'))
      return `return ${box.size} values per observation (shape [${box.shape.join(', ')}]), or fix the observationSpace shape`;
  }
  if (space instanceof Discrete) return `return an integer in {${space.start}, ..., ${space.start + space.n - 1}}`;
  return 'make the observation an element of observationSpace (observationSpace.contains(obs) must be true)';
}

function checkObservation(space: Space, obs: unknown, where: string, problems: string[]): boolean {
  const why = space.explainMismatch(obs);
  if (why === null) return true;
  problems.push(
    `${where} returned an observation outside observationSpace: ${why} (got ${previewValue(obs)}) — ${observationHint(space, obs, why)}.`,
  );
  return false;
}

function checkInfo(info: unknown, where: string, problems: string[]): boolean {
  if (isPlainObject(info)) return true;
  problems.push(
    `${where} info must be a plain object; got ${describeValue(info)} — return {} when there is nothing to report.`,
  );
  return false;
}

/** Validates a reset result; returns the observation when the shape of the result is right. */
function checkResetResult(
  result: unknown,
  where: string,
  space: Space,
  problems: string[],
): { ok: boolean; obs: unknown } {
  if (!Array.isArray(result)) {
    if (isPlainObject(result) && ('observation' in result || 'obs' in result)) {
      problems.push(
        `${where} must return [observation, info]; got an object with keys [${Object.keys(result).join(', ')}] — return [obs, info] as a 2-element array, or wrap the env with fromGymnasiumLike(env), which converts object results.`,
      );
    } else {
      problems.push(
        `${where} must return [observation, info]; got ${describeValue(result)}${ArrayBuffer.isView(result) ? ', which looks like a bare observation (old Gym API)' : ''} — return [obs, {}].`,
      );
    }
    return { ok: false, obs: undefined };
  }
  if (result.length !== 2) {
    problems.push(
      `${where} must return [observation, info]; got an array of length ${result.length} — return [obs, {}].`,
    );
    return { ok: false, obs: undefined };
  }
  const okObs = checkObservation(space, result[0], where, problems);
  const okInfo = checkInfo(result[1], where, problems);
  return { ok: okObs && okInfo, obs: result[0] };
}

interface StepView {
  readonly obs: unknown;
  readonly reward: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
}

function checkFlag(value: unknown, name: 'terminated' | 'truncated', where: string, problems: string[]): boolean {
  if (typeof value === 'boolean') return true;
  const fix = typeof value === 'number' ? `return ${name} !== 0 (a boolean)` : `return true or false`;
  problems.push(`${where} ${name} must be a boolean; got ${describeValue(value)} — ${fix}.`);
  return false;
}

/** Validates a step result; returns its fields when every one is valid. */
function checkStepResult(result: unknown, where: string, space: Space, problems: string[]): StepView | undefined {
  if (!Array.isArray(result)) {
    const keys = isPlainObject(result) ? ` with keys [${Object.keys(result).join(', ')}]` : '';
    problems.push(
      `${where} must return [observation, reward, terminated, truncated, info]; got ${isPlainObject(result) ? `an object${keys}` : describeValue(result)} — return a 5-element array, or wrap the env with fromGymnasiumLike(env), which converts object results.`,
    );
    return undefined;
  }
  if (result.length !== 5) {
    const legacy = result.length === 4 ? ', which looks like the old Gym API [obs, reward, done, info]' : '';
    problems.push(
      `${where} must return [observation, reward, terminated, truncated, info]; got an array of length ${result.length}${legacy} — return 5 elements, with terminated for MDP terminal states and truncated for time limits.`,
    );
    return undefined;
  }
  const [obs, reward, terminated, truncated, info] = result as unknown[];
  const before = problems.length;
  checkObservation(space, obs, where, problems);
  if (typeof reward !== 'number') {
    problems.push(`${where} reward must be a number; got ${describeValue(reward)} — return Number(reward).`);
  } else if (!Number.isFinite(reward)) {
    problems.push(
      `${where} reward must be finite; got ${reward} — find the NaN/Infinity in the reward computation (division by zero, log of 0).`,
    );
  }
  checkFlag(terminated, 'terminated', where, problems);
  checkFlag(truncated, 'truncated', where, problems);
  checkInfo(info, where, problems);
  if (problems.length > before) return undefined;
  return { obs, reward: reward as number, terminated: terminated as boolean, truncated: truncated as boolean };
}

async function attempt<T>(
  call: () => unknown,
  where: string,
  problems: string[],
): Promise<{ ok: true; value: T } | { ok: false }> {
  try {
    return { ok: true, value: (await call()) as T };
  } catch (error) {
    problems.push(
      `${where} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)} — it must not throw for valid inputs (a sampled action, a seed).`,
    );
    return { ok: false };
  }
}

function positiveInt(value: number, name: string, allowZero: boolean): number {
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new ConfigError(
      `checkEnv ${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${String(value)}.`,
    );
  }
  return value;
}

/**
 * Checks that `env` follows the Gymnasium contract, by using it:
 *
 * 1. both spaces are core `Box`/`Discrete`/`Dict` instances and `reset`, `step`, `close` exist;
 * 2. `reset({ seed })` returns `[observation, info]` with the observation in
 *    `observationSpace` (type, dtype, shape, no NaN, bounds) and `info` a plain object;
 * 3. `steps` steps with actions sampled from `actionSpace` return
 *    `[observation, reward, terminated, truncated, info]` with a finite number reward, boolean
 *    flags, a plain-object info and a contained observation (resetting when an episode ends);
 * 4. a second `reset({ seed })` gives an identical first observation, and replaying the same
 *    sampled actions gives the same first `determinismSteps` steps.
 *
 * It stops at the first call whose result is malformed (later calls would only repeat the
 * error) and reports every problem found in that call. It does not close the env.
 *
 * @returns warnings when the env passes.
 * @throws {@link EnvCheckError} (an {@link EnvError}) listing every problem with a fix.
 * @throws {@link ConfigError} when `steps`, `seed` or `determinismSteps` is invalid.
 *
 * @example
 * ```ts
 * const report = await checkEnv(makeEnv('Pendulum-v1'), { steps: 300 });
 * for (const w of report.warnings) console.warn(w);
 * ```
 */
export async function checkEnv<Obs, Act>(env: Env<Obs, Act>, options: CheckEnvOptions = {}): Promise<CheckEnvReport> {
  const steps = positiveInt(options.steps ?? 100, 'steps', true);
  const seed = positiveInt(options.seed ?? 0, 'seed', true);
  const replaySteps = Math.min(steps, positiveInt(options.determinismSteps ?? 20, 'determinismSteps', true));
  const problems: string[] = [];
  const fail = (): never => {
    throw new EnvCheckError(problems);
  };

  if (typeof env !== 'object' || env === null) {
    problems.push(`the env must be an object; got ${describeValue(env)} — pass an instance implementing Env.`);
    fail();
  }
  for (const method of ['reset', 'step', 'close'] as const) {
    if (typeof (env as unknown as Record<string, unknown>)[method] !== 'function') {
      problems.push(
        `the env has no ${method}() method — implement ${method === 'close' ? 'close() (an empty one is fine)' : `${method}() as in the Env interface`}.`,
      );
    }
  }
  const obsOk = checkSpace(env.observationSpace, 'observationSpace', problems);
  const actOk = checkSpace(env.actionSpace, 'actionSpace', problems);
  if (problems.length > 0 || !obsOk || !actOk) fail();
  const obsSpace = env.observationSpace as Space;
  const actSpace = env.actionSpace as Space;
  const warnings = spaceWarnings(obsSpace, actSpace);

  // Pass A: reset with the seed and run the main loop, recording the first episode's steps.
  const resetWhere = `reset({ seed: ${seed} })`;
  const first = await attempt<unknown>(() => env.reset({ seed }), resetWhere, problems);
  if (!first.ok) fail();
  const firstReset = checkResetResult((first as { value: unknown }).value, resetWhere, obsSpace, problems);
  if (!firstReset.ok) fail();
  const firstObs = copyValue(firstReset.obs);

  const actionRng = new Rng(seed);
  const recorded: StepView[] = [];
  let recording = true;
  let episodesFinished = 0;
  let previousObs: unknown = firstReset.obs;
  let aliasWarned = false;
  for (let t = 0; t < steps; t++) {
    const action = actSpace.sample(actionRng);
    const where = `step() #${t + 1}`;
    const res = await attempt<unknown>(() => env.step(action as Act), where, problems);
    if (!res.ok) fail();
    const view = checkStepResult((res as { value: unknown }).value, where, obsSpace, problems);
    if (view === undefined) fail();
    const v = view as StepView;
    if (!aliasWarned && typeof v.obs === 'object' && v.obs !== null && v.obs === previousObs) {
      warnings.push(
        'step() returned the same observation object as the previous call: the env reuses one buffer, so stored observations change under the caller. Return a new array (or a copy) each step.',
      );
      aliasWarned = true;
    }
    previousObs = v.obs;
    if (recording && recorded.length < replaySteps) recorded.push({ ...v, obs: copyValue(v.obs) });
    if (v.terminated || v.truncated) {
      episodesFinished++;
      recording = false;
      const again = await attempt<unknown>(() => env.reset(), `reset() after step #${t + 1}`, problems);
      if (!again.ok) fail();
      const checked = checkResetResult(
        (again as { value: unknown }).value,
        `reset() after step #${t + 1}`,
        obsSpace,
        problems,
      );
      if (!checked.ok) fail();
      previousObs = checked.obs;
    }
  }

  // Pass B: the same seed must give the same first observation, and the same actions the same steps.
  const second = await attempt<unknown>(() => env.reset({ seed }), `second ${resetWhere}`, problems);
  if (!second.ok) fail();
  const secondReset = checkResetResult(
    (second as { value: unknown }).value,
    `second ${resetWhere}`,
    obsSpace,
    problems,
  );
  if (!secondReset.ok) fail();
  if (!valuesEqual(firstObs, secondReset.obs)) {
    problems.push(
      `${resetWhere} twice gave different first observations (${previewValue(firstObs)} then ${previewValue(secondReset.obs)}) — re-create the env's generator from the seed in reset (this.rng = new Rng(seed), or resolveResetRng(this.rng, seed)) and draw all randomness from it.`,
    );
    fail();
  }
  const replayRng = new Rng(seed);
  for (let t = 0; t < recorded.length; t++) {
    const action = actSpace.sample(replayRng);
    const where = `replayed step() #${t + 1}`;
    const res = await attempt<unknown>(() => env.step(action as Act), where, problems);
    if (!res.ok) fail();
    const view = checkStepResult((res as { value: unknown }).value, where, obsSpace, problems);
    if (view === undefined) fail();
    const a = recorded[t];
    const b = view as StepView;
    if (
      !valuesEqual(a.obs, b.obs) ||
      !valuesEqual(a.reward, b.reward) ||
      a.terminated !== b.terminated ||
      a.truncated !== b.truncated
    ) {
      problems.push(
        `the same seed and actions gave a different step #${t + 1} (observation ${previewValue(a.obs)} vs ${previewValue(b.obs)}, reward ${a.reward} vs ${b.reward}) — draw all randomness in step() from the generator seeded in reset(), never from Math.random().`,
      );
      fail();
    }
  }
  return { warnings: Object.freeze(warnings), stepsRun: steps, episodesFinished };
}

/** Copies typed arrays, arrays and plain objects so later env calls cannot change a recorded value. */
function copyValue<T>(x: T): T {
  if (ArrayBuffer.isView(x)) return (x as unknown as BoxArray).slice() as unknown as T;
  if (Array.isArray(x)) {
    const items: readonly unknown[] = x;
    return items.map((v) => copyValue(v)) as unknown as T;
  }
  if (isPlainObject(x)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = copyValue(v);
    return out as T;
  }
  return x;
}
