/**
 * Meta-World on MuJoCo WebAssembly: the six manipulation tasks of the LLMDPD paper (sweep-into,
 * coffee-push, disassemble; box-close, hand-insert, bin-picking) with Meta-World v3's
 * observations, actions, rewards and resets, on the user's own copy of Meta-World's models;
 * scripted experts and noisy behaviours for offline data; the MT50 task texts and LLMDPD's
 * structured prompts. Re-exported by `llmdpd/envs`.
 *
 * @example
 * ```ts
 * import { makeEnvAsync, metaWorldExpert } from 'llmdpd/envs';
 * const env = await makeEnvAsync<Float32Array, Float32Array>('MetaWorld/box-close-v3', {
 *   assetsDir: '/path/to/metaworld/assets',
 * });
 * const expert = metaWorldExpert('box-close');
 * const [obs] = await env.reset({ seed: 0 });
 * const [next, reward, terminated, truncated, info] = await env.step(expert(obs));
 * ```
 *
 * @module
 */
export {
  loadMetaWorldAssets,
  requireMetaWorldAssets,
  resolveMetaWorldAssetsDir,
  MetaWorldAssetsError,
  METAWORLD_ASSETS_ENV,
  METAWORLD_ASSETS_HINT,
  METAWORLD_MODEL_FILES,
  type MetaWorldAssetsOptions,
} from './assets.js';
export {
  SawyerEnv,
  METAWORLD_TASKS,
  METAWORLD_MAX_PATH_LENGTH,
  METAWORLD_NUM_GOALS,
  METAWORLD_FRAME_SKIP,
  METAWORLD_ACTION_SCALE,
  METAWORLD_ARENA_BYTES,
  METAWORLD_OBSERVATION_DIM,
  METAWORLD_OPTION_KEYS,
  type MetaWorldTaskName,
  type MetaWorldGoalMode,
  type MetaWorldOptions,
  type SawyerTaskDefinition,
  type CagingParameters,
  type TaskEvaluation,
  type Vec3,
} from './sawyer-env.js';
export { SweepIntoEnv, SWEEP_INTO } from './tasks/sweep-into.js';
export { CoffeePushEnv, COFFEE_PUSH } from './tasks/coffee-push.js';
export { DisassembleEnv, DISASSEMBLE } from './tasks/disassemble.js';
export { BoxCloseEnv, BOX_CLOSE } from './tasks/box-close.js';
export { HandInsertEnv, HAND_INSERT } from './tasks/hand-insert.js';
export { BinPickingEnv, BIN_PICKING } from './tasks/bin-picking.js';
export {
  METAWORLD_ENV_CLASSES,
  METAWORLD_NAMESPACE,
  METAWORLD_REGISTRATIONS,
  metaWorldEnvId,
  type MetaWorldRegistration,
} from './registry.js';
export {
  metaWorldExpert,
  metaWorldBehaviour,
  METAWORLD_BEHAVIOURS,
  METAWORLD_BEHAVIOUR_SETTINGS,
  type MetaWorldExpert,
  type MetaWorldBehaviour,
  type MetaWorldBehaviourKind,
  type MetaWorldBehaviourSettings,
  type MetaWorldBehaviourContext,
} from './experts.js';
export {
  METAWORLD_MT50,
  METAWORLD_MT10,
  METAWORLD_ML45_TEST,
  metaWorldTaskText,
  metaWorldTaskPrompt,
  metaWorldPromptText,
  type MetaWorldTaskText,
} from './texts.js';
