/**
 * Exported policies: the artefact `agent.exportPolicy(dir)` and `llmdpd export` write (weights,
 * scalers, the task's condition and the action-selection rule; `docs/export.md`), the Node
 * loader, and the dependency-free runtime that acts with it in Node and in browsers (also
 * published alone as `llmdpd/runtime`).
 *
 * @module export
 */
export {
  loadExportedPolicy,
  writePolicyArtefact,
  type PolicyExportSummary,
  type PolicyHeader,
  type PolicyTensor,
} from './artefact.js';
export {
  createPolicy,
  loadPolicy,
  PolicyRandom,
  PolicyRuntimeError,
  POLICY_FORMAT,
  POLICY_FORMAT_VERSION,
  POLICY_MANIFEST_FILE,
  scaleActions,
  scaleObservations,
  scaleRewards,
  unscaleActions,
  verifyPolicyData,
  type ActionScalerState,
  type DeterministicActing,
  type DiffusionActing,
  type FetchLike,
  type FetchResponseLike,
  type LoadPolicyOptions,
  type ObservationScalerState,
  type PolicyActing,
  type PolicyActivation,
  type PolicyColumn,
  type PolicyDenseLayer,
  type PolicyManifest,
  type PolicyMlp,
  type PolicyRandomState,
  type RewardScalerState,
  type RuntimePolicy,
} from './runtime.js';
