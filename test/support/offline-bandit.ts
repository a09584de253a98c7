/**
 * A one-step offline task that separates offline RL from behaviour cloning, for learning tests:
 * observations s ~ U(−1, 1)², behaviour actions a ~ U(−1, 1) (they ignore s), reward
 * −scale · (a − g(s))² with g(s) = slope · s₀, every transition terminal. Cloning the data gives
 * E[a | s] = 0, off by |g(s)| (0.35 on average for slope 0.7); an agent that learns Q and improves
 * on the behaviour moves towards g(s). An update that ignores the rewards, or follows Q the wrong
 * way, cannot get close.
 */
import { MultiTaskDataset } from '../../src/buffers/multi-task-dataset.js';
import { ReplayBuffer } from '../../src/buffers/replay-buffer.js';
import { Rng } from '../../src/core/rng.js';

/** The bandit's data: `n` transitions whose best action is `slope · s₀`. */
export function banditData(slope: number, seed: number, n = 2048, rewardScale = 4): ReplayBuffer {
  const rng = new Rng(seed);
  const s = rng.fillUniform(new Float32Array(n * 2), -1, 1);
  const a = rng.fillUniform(new Float32Array(n), -1, 1);
  const r = a.map((ai, i) => -rewardScale * (ai - slope * s[2 * i]) ** 2);
  return ReplayBuffer.fromArrays({
    observations: s,
    actions: a,
    rewards: r,
    nextObservations: s,
    terminals: new Uint8Array(n).fill(1),
    observationDim: 2,
    actionDim: 1,
  });
}

/** Two bandit tasks, `left` (best action −0.7 · s₀) and `right` (+0.7 · s₀), told apart only by a conditioner. */
export function twoBanditTasks(): MultiTaskDataset {
  const task = (name: string, slope: number, seed: number) => {
    const buffer = banditData(slope, seed);
    return { name, buffer, textPrompt: name, trajectoryPrompt: buffer.trajectory({ start: 0, length: 3 }) };
  };
  return new MultiTaskDataset([task('left', -0.7, 11), task('right', 0.7, 12)]);
}

/** Mean |π(s) − slope · s₀| over 64 fixed observations. */
export function banditError(act: (observation: Float32Array) => Float32Array, slope: number): number {
  const rng = new Rng(5);
  let error = 0;
  for (let i = 0; i < 64; i++) {
    const o = rng.fillUniform(new Float32Array(2), -1, 1);
    error += Math.abs(act(o)[0] - slope * o[0]);
  }
  return error / 64;
}
