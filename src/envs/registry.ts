/**
 * The env registry: {@link registerEnv}, {@link makeEnv}, {@link listEnvs}, {@link envSpec}.
 *
 * Ids follow Gymnasium: `Name-vN` or `namespace/Name-vN` (for example `Pendulum-v1`,
 * `metaworld/pick-place-v3`). The version suffix is required, so a changed env gets a new id
 * instead of silently changing results. Built-in envs ({@link BUILTIN_ENVS}) are registered the
 * first time any registry function runs.
 *
 * Some envs need an asynchronous prerequisite before they can be built (the MuJoCo locomotion
 * envs need the WebAssembly runtime). {@link makeEnv} stays synchronous and throws an
 * {@link EnvError} naming the loader to await; {@link makeEnvAsync} awaits the registered
 * `prepare` step itself and then calls {@link makeEnv}.
 *
 * @module
 */
import { ConfigError, NotFoundError } from '../core/errors.js';
import { BUILTIN_ENVS } from './builtin-envs.js';
import type { Env, EnvSpec } from './env.js';
import { isPromiseLike } from './maybe-promise.js';
import { OrderEnforcing } from './wrappers/order-enforcing.js';
import { isPlainObject } from './values.js';
import { TimeLimit } from './wrappers/time-limit.js';
import { assertEnvLike, type Wrapper } from './wrappers/wrapper.js';

/** Builds an env from options (the registration's `defaultOptions` merged with the caller's). */
export type EnvFactory<Obs = unknown, Act = unknown> = (options: Record<string, unknown>) => Env<Obs, Act>;

/** Options of {@link registerEnv}. */
export interface RegisterEnvOptions {
  /** Episodes made by {@link makeEnv} are truncated after this many steps (positive integer). */
  readonly maxEpisodeSteps?: number;
  /** Options passed to the factory unless the caller of {@link makeEnv} overrides them. */
  readonly defaultOptions?: Record<string, unknown>;
  /** Replace an existing registration with the same id instead of throwing. @defaultValue false */
  readonly override?: boolean;
  /**
   * Asynchronous prerequisite of the factory (loading wasm, model files, ...), awaited by
   * {@link makeEnvAsync} before it calls the factory, with the same merged options the factory
   * will get (so it can load, say, the model folder an option names). It should cache its work,
   * since it runs on every `makeEnvAsync` call. {@link makeEnv} does not run it: until it has
   * finished, the factory should throw an {@link EnvError} that says what to await.
   */
  readonly prepare?: (options: Record<string, unknown>) => Promise<unknown>;
}

/** Options of {@link makeEnv}: factory options, plus `maxEpisodeSteps` which is not passed on. */
export type MakeEnvOptions = Record<string, unknown> & {
  /** Overrides the registered step limit (positive integer). */
  readonly maxEpisodeSteps?: number;
};

/** What the registry knows about one id, as returned by {@link envSpec}. */
export interface EnvRegistration {
  /** The full id, e.g. `metaworld/pick-place-v3`. */
  readonly id: string;
  /** The part before `/`, or `undefined`. */
  readonly namespace: string | undefined;
  /** The name without namespace and version, e.g. `pick-place`. */
  readonly name: string;
  /** The version number N of `-vN`. */
  readonly version: number;
  /** The registered step limit, or `undefined` for none. */
  readonly maxEpisodeSteps: number | undefined;
  /** The registered default factory options. */
  readonly defaultOptions: Readonly<Record<string, unknown>>;
}

interface Entry extends EnvRegistration {
  readonly factory: EnvFactory;
  readonly prepare: ((options: Record<string, unknown>) => Promise<unknown>) | undefined;
}

/** `[namespace/]Name-vN`; the name may contain letters, digits, `_`, `.`, `:` and `-`. */
const ID_PATTERN = /^(?:([A-Za-z0-9_.-]+)\/)?([A-Za-z0-9][A-Za-z0-9_.:-]*?)-v(0|[1-9][0-9]*)$/;

const registry = new Map<string, Entry>();
let builtinsLoaded = false;

function ensureBuiltins(): void {
  if (builtinsLoaded) return;
  builtinsLoaded = true;
  registerBuiltinEnvs();
}

/**
 * Registers the built-in envs ({@link BUILTIN_ENVS}: `Pendulum-v1` and the MuJoCo locomotion
 * envs). Runs automatically the first time a
 * registry function is called; call it yourself only to restore them after
 * {@link unregisterEnv}.
 *
 * @param options - `override: true` replaces existing registrations with the same ids.
 */
export function registerBuiltinEnvs(options: { readonly override?: boolean } = {}): void {
  builtinsLoaded = true;
  for (const b of BUILTIN_ENVS) {
    if (registry.has(b.id) && options.override !== true) continue;
    registerEnv(b.id, b.factory, {
      override: true,
      ...(b.maxEpisodeSteps === undefined ? {} : { maxEpisodeSteps: b.maxEpisodeSteps }),
      ...(b.prepare === undefined ? {} : { prepare: b.prepare }),
    });
  }
}

/** The parts of an env id `[namespace/]Name-vN`. */
export interface ParsedEnvId {
  /** The namespace before the slash, if any. */
  readonly namespace: string | undefined;
  /** The name without namespace and version. */
  readonly name: string;
  /** The version number N. */
  readonly version: number;
}

/**
 * Splits an env id into namespace, name and version.
 * @throws {@link ConfigError} when the id does not match `[namespace/]Name-vN`.
 */
export function parseEnvId(id: string): ParsedEnvId {
  const m = typeof id === 'string' ? ID_PATTERN.exec(id) : null;
  if (m === null) {
    throw new ConfigError(
      `Invalid env id ${JSON.stringify(id)}: expected "Name-vN" or "namespace/Name-vN" (letters, digits, _ . : - in the name, a version such as -v0), e.g. "Pendulum-v1" or "metaworld/pick-place-v3".`,
    );
  }
  return { namespace: m[1], name: m[2], version: Number(m[3]) };
}

function checkMaxEpisodeSteps(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ConfigError(
      `${where} maxEpisodeSteps must be a positive integer or undefined, got ${typeof value === 'number' ? value : JSON.stringify(value)}.`,
    );
  }
  return value;
}

/**
 * Registers an env factory under an id.
 *
 * @example
 * ```ts
 * registerEnv('toy/Corridor-v0', (opts) => new Corridor(opts), { maxEpisodeSteps: 50, defaultOptions: { length: 10 } });
 * const env = makeEnv('toy/Corridor-v0', { length: 20 });
 * ```
 * @throws {@link ConfigError} on a malformed id or options, a factory that is not a function,
 * or an id that is already registered (unless `override: true`).
 */
export function registerEnv<Obs, Act>(
  id: string,
  factory: EnvFactory<Obs, Act>,
  options: RegisterEnvOptions = {},
): void {
  if (builtinsLoaded === false) ensureBuiltins();
  const parsed = parseEnvId(id);
  if (typeof factory !== 'function')
    throw new ConfigError(
      `registerEnv(${JSON.stringify(id)}) needs a factory function (options) => Env, got ${typeof factory}.`,
    );
  if (!isPlainObject(options))
    throw new ConfigError(
      `registerEnv(${JSON.stringify(id)}) options must be an object like { maxEpisodeSteps: 200 }.`,
    );
  const maxEpisodeSteps = checkMaxEpisodeSteps(options.maxEpisodeSteps, `registerEnv(${JSON.stringify(id)})`);
  const defaults = options.defaultOptions ?? {};
  if (!isPlainObject(defaults))
    throw new ConfigError(
      `registerEnv(${JSON.stringify(id)}) defaultOptions must be a plain object, got ${typeof defaults}.`,
    );
  if ('maxEpisodeSteps' in defaults)
    throw new ConfigError(
      `registerEnv(${JSON.stringify(id)}): put maxEpisodeSteps in the registration options, not in defaultOptions.`,
    );
  if (options.prepare !== undefined && typeof options.prepare !== 'function') {
    throw new ConfigError(
      `registerEnv(${JSON.stringify(id)}) prepare must be a function () => Promise, got ${typeof options.prepare}.`,
    );
  }
  if (registry.has(id) && options.override !== true) {
    throw new ConfigError(
      `An env is already registered as ${JSON.stringify(id)}. Pass { override: true } to replace it, or register a new version such as "${parsed.namespace === undefined ? '' : `${parsed.namespace}/`}${parsed.name}-v${parsed.version + 1}".`,
    );
  }
  registry.set(id, {
    id,
    ...parsed,
    maxEpisodeSteps,
    defaultOptions: Object.freeze({ ...defaults }),
    factory: factory,
    prepare: options.prepare as ((options: Record<string, unknown>) => Promise<unknown>) | undefined,
  });
}

/**
 * Removes a registration.
 * @returns whether the id was registered.
 */
export function unregisterEnv(id: string): boolean {
  ensureBuiltins();
  return registry.delete(id);
}

/** All registered ids, sorted; only those in `namespace` when given. */
export function listEnvs(namespace?: string): string[] {
  ensureBuiltins();
  const ids = [...registry.values()]
    .filter((e) => namespace === undefined || e.namespace === namespace)
    .map((e) => e.id);
  return ids.sort();
}

/**
 * What the registry holds for `id`.
 * @throws {@link NotFoundError} for an unknown id, suggesting the closest registered ids.
 */
export function envSpec(id: string): EnvRegistration {
  const { factory: _factory, prepare: _prepare, ...registration } = lookup(id);
  return Object.freeze(registration);
}

/**
 * Builds a registered env. The env is wrapped in {@link OrderEnforcing} and, when a step limit
 * applies, in {@link TimeLimit} (outermost), and the returned wrapper's `spec` records the id,
 * the limit and the options used.
 *
 * @param options - factory options, merged over the registered `defaultOptions`;
 * `maxEpisodeSteps` overrides the registered step limit and is not passed to the factory.
 * @throws {@link NotFoundError} for an unknown id (with suggestions); {@link ConfigError} when
 * `maxEpisodeSteps` is invalid or the factory does not return an env; whatever the factory
 * throws, e.g. an {@link EnvError} for a MuJoCo env whose runtime is not loaded yet (await
 * `loadMujocoRuntime()` first, or use {@link makeEnvAsync}).
 */
export function makeEnv<Obs = unknown, Act = unknown>(id: string, options: MakeEnvOptions = {}): Wrapper<Obs, Act> {
  const entry = lookup(id);
  if (!isPlainObject(options))
    throw new ConfigError(`makeEnv(${JSON.stringify(id)}) options must be an object, got ${typeof options}.`);
  const { maxEpisodeSteps: requested, ...factoryOptions } = options;
  const maxEpisodeSteps =
    requested === undefined ? entry.maxEpisodeSteps : checkMaxEpisodeSteps(requested, `makeEnv(${JSON.stringify(id)})`);
  const merged = { ...entry.defaultOptions, ...factoryOptions };
  const env: unknown = entry.factory(merged);
  if (isPromiseLike(env as Promise<unknown>)) {
    throw new ConfigError(
      `The factory registered for ${JSON.stringify(id)} returned a promise; makeEnv is synchronous. Load async resources (wasm, models) before registering and close over them in the factory.`,
    );
  }
  assertEnvLike(env, `makeEnv(${JSON.stringify(id)})`);
  let wrapped: Wrapper<Obs, Act> = new OrderEnforcing(env as Env<Obs, Act>);
  if (maxEpisodeSteps !== undefined) wrapped = new TimeLimit(wrapped, { maxEpisodeSteps });
  const spec: EnvSpec = Object.freeze({
    id,
    ...(maxEpisodeSteps === undefined ? {} : { maxEpisodeSteps }),
    options: Object.freeze(merged),
  });
  wrapped.spec = spec;
  return wrapped;
}

/**
 * Builds a registered env after awaiting its asynchronous prerequisite, if it has one (for the
 * MuJoCo envs, loading the WebAssembly runtime; later calls find it cached). Otherwise the same
 * as {@link makeEnv}.
 *
 * @example
 * ```ts
 * const env = await makeEnvAsync('Hopper-v4');   // loads the MuJoCo runtime first if needed
 * const [obs] = await env.reset({ seed: 0 });
 * ```
 * @throws (as a rejection) whatever {@link makeEnv} throws, and the prerequisite's own error
 * (an {@link EnvError} when the MuJoCo runtime cannot be loaded).
 */
export async function makeEnvAsync<Obs = unknown, Act = unknown>(
  id: string,
  options: MakeEnvOptions = {},
): Promise<Wrapper<Obs, Act>> {
  const entry = lookup(id);
  if (entry.prepare !== undefined) {
    if (!isPlainObject(options))
      throw new ConfigError(`makeEnvAsync(${JSON.stringify(id)}) options must be an object, got ${typeof options}.`);
    const { maxEpisodeSteps: _limit, ...factoryOptions } = options;
    await entry.prepare({ ...entry.defaultOptions, ...factoryOptions });
  }
  return makeEnv<Obs, Act>(id, options);
}

function lookup(id: string): Entry {
  ensureBuiltins();
  const entry = registry.get(id);
  if (entry !== undefined) return entry;
  const suggestions = closestIds(String(id), [...registry.keys()]);
  const hint = suggestions.length > 0 ? ` Did you mean ${suggestions.map((s) => JSON.stringify(s)).join(' or ')}?` : '';
  throw new NotFoundError(
    `No env is registered as ${JSON.stringify(id)}.${hint} listEnvs() lists the ${registry.size} registered ids; register your own with registerEnv(id, factory).`,
  );
}

/**
 * Up to three registered ids closest to `id`: other versions of the same name first, then by
 * case-insensitive edit distance (within a third of the id's length, at least 3).
 */
export function closestIds(id: string, candidates: readonly string[]): string[] {
  const lower = id.toLowerCase();
  const base = lower.replace(/-v\d+$/, '');
  const maxDistance = Math.max(3, Math.floor(lower.length / 3));
  const scored = candidates
    .map((c) => {
      const cl = c.toLowerCase();
      const sameName = cl.replace(/-v\d+$/, '') === base;
      return { c, d: sameName ? 0 : editDistance(lower, cl) };
    })
    .filter((s) => s.d <= maxDistance)
    .sort((a, b) => a.d - b.d || (a.c < b.c ? -1 : a.c > b.c ? 1 : 0));
  return scored.slice(0, 3).map((s) => s.c);
}

/** Levenshtein distance (insertions, deletions, substitutions), two-row dynamic programme. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
