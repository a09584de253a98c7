import { collectDataset } from '../../src/eval/collect.js';
import { writeD4rl } from '../../src/datasets/d4rl.js';
import { main } from '../../src/cli/index.js';

/** Runs the CLI in-process and captures what it prints. */
export async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
  });
  return { code, out, err };
}

/** A small D4RL-layout file of Pendulum-v1 transitions from a noisy linear controller (2000 rows, 10 episodes). */
export async function writePendulumD4rl(path: string): Promise<void> {
  const { buffer } = await collectDataset(
    'Pendulum-v1',
    (obs: Float32Array, { rng }) =>
      Float32Array.of(Math.max(-2, Math.min(2, -2 * obs[1] - 0.5 * obs[2] + 0.3 * rng.normal()))),
    { steps: 2000, seed: 0, progress: 'off' },
  );
  await writeD4rl(path, buffer, {});
}

/** Small networks so a CLI run takes seconds. */
export const SMALL_CONFIG = JSON.stringify({
  hiddenDims: [32, 32],
  criticHiddenDims: [32, 32],
  batchSize: 32,
  diffusionSteps: 3,
  actionCandidates: 4,
  maxAction: 2,
});
