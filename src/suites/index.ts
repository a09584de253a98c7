/**
 * Built-in multi-task benchmarks for generalisation to unseen tasks, with nothing to download.
 *
 * `pointmass-reach`: a planar point mass on MuJoCo ({@link PointMassEnv}) must reach and stop
 * on a goal it cannot observe, given by a compass direction and a distance. 24 tasks share one
 * robot, observation (`[x, y, vx, vy]`) and action space; the default split trains on 12 and
 * holds out 6 (new direction-distance combinations and a middle distance). Each task has a
 * structured text description (Task / Objective / Constraints), scripted behaviours of graded
 * quality, a medium-replay-like offline dataset and one expert trajectory prompt.
 *
 * - {@link makeSuite}: datasets as a `MultiTaskDataset`, prompts, env factories.
 * - {@link writeSuiteDatasets}: the same on disk, in the D4RL layout; {@link loadSuiteDatasets} reads it back.
 * - {@link parseSuiteSpec}: user-defined tasks and splits from JSON.
 * - {@link scriptedPolicy}: the expert, medium and random behaviours as eval policies.
 * - {@link writeMetaWorldDatasets}: offline data for the Meta-World tasks (scripted behaviours on
 *   the user's Meta-World models) in the D4RL layout and as Minari datasets, with the LLMDPD
 *   paper's split ({@link METAWORLD_LLMDPD_SPLIT}); {@link loadMetaWorldDatasets} reads it back.
 *
 * `pointmass-landmarks` ({@link makeLandmarkSuite}): the benchmark of generalisation without
 * leaks. Three observed markers are re-drawn every episode; a hidden rule, stated only by the text
 * prompt, places the goal relative to them; a hidden actuation map, shown only by probe-behaviour
 * trajectory prompts, sits between action and motors. 12 seen tasks, 12 unseen combinations of seen
 * rules and maps, and the same 12 with paraphrased texts (docs/suites/pointmass-landmarks.md).
 * {@link fitReadout} and {@link trainReadoutCloner} are the leak probes.
 *
 * @example
 * ```ts
 * import { makeSuite, scriptedPolicy } from 'llmdpd/suites';
 * import { evaluatePolicy } from 'llmdpd/eval';
 * const suite = await makeSuite('pointmass-reach', { seed: 0 });
 * console.log(suite.dataset.numTasks, suite.dataset.totalSize);   // 12 240000
 * const task = suite.unseen[0]!;
 * console.log(task.textPrompt);
 * const r = await evaluatePolicy(scriptedPolicy('expert', task.params), task.makeEnv, { episodes: 10, seed: 1 });
 * ```
 *
 * @module suites
 */
export { ConfigError, DatasetError, EnvError, NotFoundError, SaveConflictError, ShapeError } from '../core/errors.js';
export {
  POINT_MASS_ENV_ID,
  POINT_MASS_EPISODE_STEPS,
  POINT_MASS_FRAME_SKIP,
  POINT_MASS_ARENA_HALF_WIDTH,
  POINT_MASS_MAX_GOAL_COORDINATE,
  POINT_MASS_MODEL_FILE,
  POINT_MASS_DEFAULTS,
  PointMassEnv,
  loadPointMassRuntime,
  isPointMassRuntimeLoaded,
  pointMassMemoryStats,
  registerSuiteEnvs,
  resolvePointMassOptions,
  type PointMassOptions,
  type ResolvedPointMassOptions,
  type PointMassStepInfo,
  type PointMassState,
  type PointMassMemoryStats,
  type LoadPointMassRuntimeOptions,
} from './point-mass-env.js';
export {
  COMPASS_DIRECTIONS,
  DISTANCES,
  POINTMASS_REACH,
  POINTMASS_REACH_DEFAULT_SPLIT,
  builtinSuiteSpec,
  checkTaskFeasible,
  describeReachTask,
  earliestSuccessStep,
  distanceWords,
  formatDescription,
  isSuiteSpec,
  listSuites,
  parseSplit,
  parseSuiteSpec,
  reachParams,
  reachTaskName,
  suiteSpecToJson,
  type CompassDirection,
  type DistanceName,
  type ReachTaskParams,
  type ReachTaskParamsInput,
  type StructuredDescription,
  type SuiteSpec,
  type SuiteSpecInput,
  type SuiteSplit,
  type SuiteSplitInput,
  type StructuredDescriptionInput,
  type SuiteTaskInput,
  type SuiteTaskSpec,
} from './tasks.js';
export {
  BEHAVIOUR_KINDS,
  BEHAVIOUR_SETTINGS,
  ScriptedController,
  scriptedPolicy,
  type BehaviourGoal,
  type BehaviourKind,
  type PdBehaviourSettings,
} from './policies.js';
export {
  DEFAULT_BEHAVIOUR_MIX,
  DEFAULT_TRANSITIONS_PER_TASK,
  behaviourSchedule,
  checkBehaviourMix,
  generateTaskDataset,
  generateTrajectoryPrompt,
  taskEnvOptions,
  type BehaviourMix,
  type TaskDataset,
  type TaskDatasetOptions,
  type TaskGenerationOptions,
  type TrajectoryPromptOptions,
  type TrajectoryPromptRecord,
} from './generate.js';
export {
  makeSuite,
  readSuiteSpecFile,
  resolveSuiteSpec,
  type MakeSuiteOptions,
  type SplitRole,
  type Suite,
  type SuiteProgressEvent,
  type SuiteTask,
} from './suite.js';
export {
  SUITE_MANIFEST_FORMAT,
  SUITE_MANIFEST_FORMAT_VERSION,
  writeSuiteDatasets,
  loadSuiteDatasets,
  type LoadedSuiteDatasets,
  type SuiteManifest,
  type SuiteManifestTask,
  type SuiteManifestEnv,
  type WriteSuiteOptions,
  type WriteSuiteResult,
} from './write.js';
export {
  BUILTIN_ACTUATION_MAPS,
  BUILTIN_RULES,
  BUILTIN_SEEN_PAIRS,
  builtinLandmarkSuite,
  describeRule,
  invertActuation,
  LANDMARK_COLOURS,
  LANDMARK_MAX_OFFSET,
  LANDMARK_MIN_SEPARATION,
  LANDMARK_OBSERVATION_DIM,
  LANDMARK_RANGE,
  OFFSET_DIRECTIONS,
  parseActuationMap,
  parseLandmarkRule,
  parseLandmarkSuiteSpec,
  POINTMASS_LANDMARKS,
  ruleGoal,
  ruleName,
  type ActuationMap,
  type BetweenRule,
  type OffsetRule,
  type OnRule,
  type LandmarkColour,
  type LandmarkRule,
  type LandmarkSuccessSettings,
  type LandmarkSuiteSpec,
  type LandmarkTask,
  type LandmarkTaskGroup,
  type OffsetDirection,
} from './landmarks/family.js';
export {
  drawLandmarks,
  LANDMARK_ENV_ID,
  LandmarkEnv,
  registerLandmarkEnv,
  type LandmarkEnvOptions,
  type LandmarkStepInfo,
} from './landmarks/env.js';
export {
  LANDMARK_BEHAVIOURS,
  LandmarkController,
  landmarkPolicy,
  type LandmarkBehaviour,
} from './landmarks/behaviours.js';
export {
  generateLandmarkDataset,
  generateLandmarkPrompts,
  landmarkStreamKey,
  type LandmarkDatasetOptions,
  type LandmarkPromptOptions,
  type LandmarkPromptRecord,
} from './landmarks/generate.js';
export {
  makeLandmarkSuite,
  type LandmarkSuite,
  type LandmarkSuiteTask,
  type MakeLandmarkSuiteOptions,
} from './landmarks/suite.js';
export {
  fitReadout,
  lastPositions,
  probeData,
  TinyMlp,
  trainReadoutCloner,
  type ProbeData,
  type ReadoutClonerOptions,
  type ReadoutClonerTask,
  type ReadoutResult,
} from './landmarks/probes.js';
export {
  DEFAULT_TRUNCATED_STEPS,
  evaluateLandmarkTask,
  LANDMARK_PERTURBATIONS,
  landmarkOracleFeatures,
  perturbedLandmarkPrompt,
  type BatchedLandmarkPolicy,
  type LandmarkEvaluationOptions,
  type LandmarkPerturbation,
  type LandmarkPolicyContext,
  type LandmarkTaskEvaluation,
  type PerturbedPrompt,
} from './landmarks/benchmark.js';
export {
  METAWORLD_DATASETS_FORMAT,
  METAWORLD_DATASETS_FORMAT_VERSION,
  DEFAULT_METAWORLD_EPISODES,
  METAWORLD_LLMDPD_SPLIT,
  collectMetaWorldTaskData,
  writeMetaWorldDatasets,
  loadMetaWorldDatasets,
  type MetaWorldDataOptions,
  type MetaWorldPromptRecord,
  type MetaWorldTaskData,
  type WriteMetaWorldOptions,
  type MetaWorldManifest,
  type MetaWorldManifestTask,
  type MetaWorldManifestEnv,
  type MetaWorldSplit,
  type WriteMetaWorldResult,
  type LoadedMetaWorldDatasets,
} from './metaworld.js';
