/**
 * The table of envs that ship with the library. The registry loads it the first time it is
 * used, so `makeEnv('Pendulum-v1')` works without a registration call and without relying on
 * module side effects (the package is marked `sideEffects: false`).
 *
 * @module
 */
import { PendulumEnv, type PendulumOptions } from './classic/pendulum.js';
import type { Env } from './env.js';

/** One built-in env: its id, factory and registry options. */
export interface BuiltinEnv {
  /** Registered id. */
  readonly id: string;
  /** Builds the env from (merged) options. */
  readonly factory: (options: Record<string, unknown>) => Env;
  /** Step limit applied by `makeEnv`. */
  readonly maxEpisodeSteps?: number;
}

/** Every built-in env, in registration order. */
export const BUILTIN_ENVS: readonly BuiltinEnv[] = Object.freeze([
  {
    id: 'Pendulum-v1',
    factory: (options: Record<string, unknown>): Env => new PendulumEnv(options as PendulumOptions) as Env,
    maxEpisodeSteps: 200,
  },
]);
