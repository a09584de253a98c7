/**
 * Small offline tasks for the learning tests of value-based agents: tasks whose data comes from
 * a behaviour policy that knows nothing (uniform actions), so that only an agent whose critics
 * learn the returns, and whose actor climbs them, finds the best actions. Cloning the data gives
 * the mean action 0.
 */
import { ReplayBuffer } from '../../src/buffers/replay-buffer.js';
import { Rng } from '../../src/core/rng.js';

/**
 * A two-step task on observations [x, t]: at t = 0 the action only chooses the next state
 * x′ = a (reward 0, not terminal); at t = 1 the reward is 1 − 4(x − goal)² − a² and the episode
 * ends. The data's actions are uniform on [−1, 1] and half the transitions are first steps. The
 * best first action, `goal`, shows only through the bootstrapped target.
 */
export function twoStepTask(goal: number, seed = 1, n = 2048): ReplayBuffer {
  const rng = new Rng(seed);
  const observations = new Float32Array(n * 2);
  const nextObservations = new Float32Array(n * 2);
  const actions = rng.fillUniform(new Float32Array(n), -1, 1);
  const rewards = new Float32Array(n);
  const terminals = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = rng.uniform(-1, 1);
    const second = i % 2;
    observations.set([x, second], 2 * i);
    nextObservations.set(second ? [x, 1] : [actions[i], 1], 2 * i);
    rewards[i] = second ? 1 - 4 * (x - goal) ** 2 - actions[i] ** 2 : 0;
    terminals[i] = second;
  }
  return ReplayBuffer.fromArrays({
    observations,
    actions,
    rewards,
    nextObservations,
    terminals,
    observationDim: 2,
    actionDim: 1,
  });
}

/** Mean |a − goal| of `act` over 40 first-step observations [x, 0] of {@link twoStepTask}. */
export function firstStepError(act: (observation: Float32Array) => Float32Array, goal: number): number {
  const rng = new Rng(5);
  let error = 0;
  for (let i = 0; i < 40; i++) error += Math.abs(act(Float32Array.of(rng.uniform(-1, 1), 0))[0] - goal);
  return error / 40;
}

/** Small networks and fast learning rates for the soft actor-critics' learning tests on 2-d observations. */
export const TINY_SOFT_ACTOR_CRITIC = Object.freeze({
  observationDim: 2,
  actionDim: 1,
  batchSize: 64,
  hiddenDims: [64, 64],
  criticHiddenDims: [64, 64],
  actorLearningRate: 1e-3,
  criticLearningRate: 1e-3,
  temperatureLearningRate: 1e-3,
  seed: 1,
});

/**
 * Trains `agent` for `steps` steps on {@link twoStepTask} (goal 0.5) and checks that its first
 * action moved from about 0 (error > 0.4) to within 0.15 of the goal on average; disposes it.
 */
export async function expectToLearnTwoStepTask(
  agent: {
    act(observation: Float32Array): Float32Array;
    fit(data: ReplayBuffer, options: { steps: number; progress: 'off' }): Promise<unknown>;
    dispose(): void;
  },
  steps = 800,
): Promise<void> {
  expect(firstStepError((o) => agent.act(o), 0.5)).toBeGreaterThan(0.4);
  await agent.fit(twoStepTask(0.5), { steps, progress: 'off' });
  expect(firstStepError((o) => agent.act(o), 0.5)).toBeLessThan(0.15);
  agent.dispose();
}
