/**
 * The MuJoCo locomotion envs (HalfCheetah, Hopper, Walker2d; Gymnasium v4 and v5 semantics) on
 * the official MuJoCo WebAssembly build, and the runtime they need. Re-exported by `llmdpd/envs`.
 *
 * @module
 */
export {
  loadMujocoRuntime,
  isMujocoRuntimeLoaded,
  mujocoMemoryStats,
  MUJOCO_ASSETS,
  MUJOCO_ARENA_BYTES,
  type MujocoAsset,
  type LoadMujocoRuntimeOptions,
  type MujocoRuntimeInfo,
  type MujocoMemoryStats,
  type MujocoModelSource,
  type MujocoModelRef,
  type MujocoRuntime,
} from './runtime.js';
export {
  mountMujocoModelFolder,
  mujocoModelFromFolder,
  normalizeRelativePath,
  stripTexturesFromXml,
  type MujocoModelFolder,
  type MountMujocoFolderOptions,
  type MujocoFolderModelOptions,
} from './model-folder.js';
export {
  MujocoLocomotionEnv,
  openLocomotionOptions,
  LOCOMOTION_OPTION_KEYS,
  type LocomotionOptions,
  type LocomotionVersion,
  type LocomotionDefinition,
  type OpenedLocomotionOptions,
  type MujocoState,
} from './locomotion-env.js';
export { OptionReader, type RangeOption } from './options.js';
export {
  MujocoSimulation,
  type MujocoViews,
  type MujocoDataField,
  type MujocoModelField,
  type MujocoLiveDataField,
  type MujocoLiveModelField,
  type MujocoElementKind,
  type MujocoContact,
} from './simulation.js';
export { HalfCheetahEnv, HALF_CHEETAH, type HalfCheetahOptions } from './half-cheetah.js';
export { HopperEnv, HOPPER, type HopperOptions } from './hopper.js';
export { Walker2dEnv, WALKER2D, type Walker2dOptions } from './walker2d.js';
