/**
 * Env wrappers: the {@link Wrapper} base class and Gymnasium's common wrappers.
 *
 * @module
 */
export { Wrapper, assertEnvLike } from './wrapper.js';
export { OrderEnforcing } from './order-enforcing.js';
export { TimeLimit, type TimeLimitOptions } from './time-limit.js';
export {
  RecordEpisodeStatistics,
  type EpisodeStatistics,
  type RecordEpisodeStatisticsOptions,
} from './record-episode-statistics.js';
export { ClipAction } from './clip-action.js';
export { RescaleAction, type RescaleActionOptions } from './rescale-action.js';
export { NormalizeObservation, type NormalizeObservationOptions } from './normalize-observation.js';
