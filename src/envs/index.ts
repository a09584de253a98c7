/**
 * Gymnasium-shaped environments: the {@link Env} interface, wrappers, a registry with
 * {@link makeEnv}, {@link checkEnv}, an adapter for plain Gymnasium-like objects,
 * {@link SyncVectorEnv}, the classic `Pendulum-v1`, the MuJoCo locomotion envs
 * `HalfCheetah`, `Hopper` and `Walker2d` (`-v4` and `-v5`), and six Meta-World tasks
 * (`MetaWorld/<task>-v3`) on the user's Meta-World models.
 *
 * Nothing here imports tfjs, agents or buffers; values are typed arrays and numbers. Built-in
 * envs are registered lazily on the first registry call, so
 * `makeEnv('Pendulum-v1')` works right after importing this module. The MuJoCo envs need their
 * WebAssembly runtime first: `await makeEnvAsync('Hopper-v4')`, or `await loadMujocoRuntime()`
 * once and then `makeEnv('Hopper-v4')`.
 *
 * @example
 * ```ts
 * import { makeEnv, checkEnv, RecordEpisodeStatistics } from 'llmdpd/envs';
 * const env = new RecordEpisodeStatistics(makeEnv('Pendulum-v1'));
 * await checkEnv(env);
 * ```
 *
 * @module envs
 */
export type { Env, EnvMetadata, EnvSpec, Info, ResetOptions, ResetResult, StepResult } from './env.js';
export { thenMaybe } from './maybe-promise.js';
export { entropySeed, resolveResetRng, validateSeed } from './seeding.js';
export { RunningMeanStd, type RunningMeanStdState, type NumericArray } from './running-mean-std.js';
export * from './wrappers/index.js';
export {
  registerEnv,
  unregisterEnv,
  registerBuiltinEnvs,
  makeEnv,
  makeEnvAsync,
  listEnvs,
  envSpec,
  parseEnvId,
  type ParsedEnvId,
  closestIds,
  type EnvFactory,
  type RegisterEnvOptions,
  type MakeEnvOptions,
  type EnvRegistration,
} from './registry.js';
export { BUILTIN_ENVS, type BuiltinEnv } from './builtin-envs.js';
export { checkEnv, EnvCheckError, type CheckEnvOptions, type CheckEnvReport } from './check-env.js';
export {
  spaceFromPlain,
  isCoreSpace,
  type SpaceLike,
  type PlainBoxSpace,
  type PlainDiscreteSpace,
  type PlainDictSpace,
} from './plain-spaces.js';
export { coerceToSpace } from './coerce.js';
export {
  fromGymnasiumLike,
  GymnasiumLikeEnv,
  type GymnasiumLike,
  type FromGymnasiumLikeOptions,
} from './gymnasium-adapter.js';
export { batchSpace, stackBatch, unstackBatch, type Batched, type BatchedInput } from './batching.js';
export {
  SyncVectorEnv,
  type AutoresetMode,
  type SyncVectorEnvOptions,
  type VectorResetOptions,
  type VectorResetResult,
  type VectorStepResult,
  type EnvThunk,
} from './vector.js';
export {
  PendulumEnv,
  angleNormalize,
  PENDULUM_DEFAULT_X_INIT,
  PENDULUM_DEFAULT_Y_INIT,
  type PendulumOptions,
} from './classic/pendulum.js';
export * from './mujoco/index.js';
export * from './python/index.js';
export * from './metaworld/index.js';
