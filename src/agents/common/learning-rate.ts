/**
 * Learning-rate schedules as pure functions of the agent's step count, so that a resumed run
 * (whose step comes back from the checkpoint) continues the schedule exactly, with no scheduler
 * state to save. An agent passes the rate of each step to `Adam.applyGradients`.
 *
 * @module
 */

/** The learning-rate schedules an agent config can name. */
export type LearningRateSchedule = 'constant' | 'cosine';

/** Every {@link LearningRateSchedule}, for config validation. */
export const LEARNING_RATE_SCHEDULES: readonly LearningRateSchedule[] = Object.freeze(['constant', 'cosine'] as const);

/**
 * Cosine annealing to 0 over `period` steps, in the closed form of PyTorch's
 * `CosineAnnealingLR(optimizer, T_max=period, eta_min=0)` stepped once after every update:
 * the update with 0-based index `step` uses rate · (1 + cos(π · step / period)) / 2. Past
 * `period` the curve continues (it rises again after 2 · period), as PyTorch's does.
 */
export function cosineAnnealedRate(rate: number, step: number, period: number): number {
  return (rate * (1 + Math.cos((Math.PI * step) / period))) / 2;
}

/** The rate of update number `step` (0-based) under `schedule`. */
export function scheduledRate(schedule: LearningRateSchedule, rate: number, step: number, period: number): number {
  return schedule === 'cosine' ? cosineAnnealedRate(rate, step, period) : rate;
}
