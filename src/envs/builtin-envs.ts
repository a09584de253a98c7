/**
 * The table of envs that ship with the library. The registry loads it the first time it is
 * used, so `makeEnv('Pendulum-v1')` works without a registration call and without relying on
 * module side effects (the package is marked `sideEffects: false`).
 *
 * The MuJoCo locomotion envs (`HalfCheetah`, `Hopper`, `Walker2d`, each `-v4` and `-v5`, with a
 * 1000-step limit) are registered with an async `prepare` step that loads the WebAssembly
 * runtime: make them with `await makeEnvAsync(id)`, or `await loadMujocoRuntime()` once and then
 * `makeEnv(id)`. The Meta-World envs (`MetaWorld/<task>-v3`, `-v2` aliases, 500-step limit) read
 * the user's Meta-World asset folder: `await makeEnvAsync(id, { assetsDir })`, or
 * `await loadMetaWorldAssets({ assetsDir })` once and then `makeEnv(id, { assetsDir })` (the folder
 * may also come from `METAWORLD_ASSETS`).
 *
 * @module
 */
import { ConfigError } from '../core/errors.js';
import { describeValue } from '../core/spaces.js';
import { PendulumEnv, type PendulumOptions } from './classic/pendulum.js';
import type { Env } from './env.js';
import { HalfCheetahEnv } from './mujoco/half-cheetah.js';
import { HopperEnv } from './mujoco/hopper.js';
import type { LocomotionOptions, LocomotionVersion } from './mujoco/locomotion-env.js';
import { loadMujocoRuntime } from './mujoco/runtime.js';
import { Walker2dEnv } from './mujoco/walker2d.js';
import { METAWORLD_REGISTRATIONS } from './metaworld/registry.js';

/** One built-in env: its id, factory and registry options. */
export interface BuiltinEnv {
  /** Registered id. */
  readonly id: string;
  /** Builds the env from (merged) options. */
  readonly factory: (options: Record<string, unknown>) => Env;
  /** Step limit applied by `makeEnv`. */
  readonly maxEpisodeSteps?: number;
  /**
   * Async prerequisite awaited by `makeEnvAsync` with the env's merged options (the MuJoCo
   * runtime for the locomotion envs; the runtime and the model folder for Meta-World).
   */
  readonly prepare?: (options: Record<string, unknown>) => Promise<unknown>;
}

/** The factory of a locomotion id: pins the version that the id names. */
function locomotion(
  name: string,
  version: LocomotionVersion,
  Ctor: new (options: LocomotionOptions) => Env,
): BuiltinEnv {
  const id = `${name}-v${version}`;
  return {
    id,
    factory: (options: Record<string, unknown>): Env => {
      const given = options.version;
      if (given !== undefined) {
        const shown = typeof given === 'number' || typeof given === 'string' ? String(given) : describeValue(given);
        throw new ConfigError(
          `${id} fixes the version from its id; drop the version option (got ${shown}) and make "${name}-v${shown}" instead.`,
        );
      }
      return new Ctor({ ...options, version });
    },
    maxEpisodeSteps: 1000,
    prepare: () => loadMujocoRuntime(),
  };
}

/** Every built-in env, in registration order. */
export const BUILTIN_ENVS: readonly BuiltinEnv[] = Object.freeze([
  {
    id: 'Pendulum-v1',
    factory: (options: Record<string, unknown>): Env => new PendulumEnv(options as PendulumOptions) as Env,
    maxEpisodeSteps: 200,
  },
  locomotion('HalfCheetah', 4, HalfCheetahEnv),
  locomotion('HalfCheetah', 5, HalfCheetahEnv),
  locomotion('Hopper', 4, HopperEnv),
  locomotion('Hopper', 5, HopperEnv),
  locomotion('Walker2d', 4, Walker2dEnv),
  locomotion('Walker2d', 5, Walker2dEnv),
  ...METAWORLD_REGISTRATIONS,
]);
