/**
 * The scaffold's side of the scalers: it fits them at bind, wraps the agent's `actWith` with
 * them, saves them, and refuses an agent whose `update` does not stage its batches through them.
 */
import { AgentScaffold, type AgentHooks } from '../../../src/agents/common/agent-scaffold.js';
import { stageBatch } from '../../../src/agents/common/batch-tensors.js';
import { createRandomStreams } from '../../../src/agents/common/random-streams.js';
import { resolveScalerConfig } from '../../../src/agents/common/scalers.js';
import { TargetNetworks } from '../../../src/agents/common/target-networks.js';
import { TaskConditioning } from '../../../src/agents/conditioning/task-conditioning.js';
import { ConfigError } from '../../../src/core/errors.js';
import type { Batch } from '../../../src/core/types.js';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../../src/engine/index.js';
import { randomBuffer } from '../../support/agent-conformance.js';
import { expectClose } from '../../support/tensors.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

const dims = { observationDim: 3, actionDim: 2, batchSize: 8, maxAction: 1 };

/** A scaffold whose agent acts by returning the (scaled) first two observation values and records what it saw. */
function scaffoldWith(update: AgentHooks['update']): { scaffold: AgentScaffold; seen: Float32Array[] } {
  const streams = createRandomStreams(0);
  const seen: Float32Array[] = [];
  const scaffold = new AgentScaffold({
    name: 'TestAgent',
    label: 'Test',
    dims,
    streams,
    targets: new TargetNetworks(),
    conditioning: new TaskConditioning(
      { kind: 'none' },
      { ...dims, rng: streams.conditioner, ema: null, criticConditioning: 'none' },
    ),
    normalizer: null,
    scalers: resolveScalerConfig('TestConfig', {
      ...dims,
      observationScaler: { kind: 'min-max' },
      actionScaler: { kind: 'min-max', minimum: [-4, -2], maximum: [4, 2] },
    }),
    hooks: {
      agent: null,
      update,
      actWith: (observations) => {
        seen.push(observations);
        const n = observations.length / 3;
        return Float32Array.from({ length: 2 * n }, (_, i) =>
          Math.max(-1, Math.min(1, observations[3 * Math.floor(i / 2) + (i % 2)])),
        );
      },
      save: () => undefined,
    },
  });
  return { scaffold, seen };
}

test('act scales observations in and maps actions back out; the scalers are fitted at bind', async () => {
  const data = randomBuffer(3, 2, 64, 1);
  const { scaffold, seen } = scaffoldWith(() => null);
  await scaffold.bindTasks(data);
  const stats = data.observationStatistics();
  const o = Float32Array.of(stats.max[0], stats.min[1], 0);
  const a = scaffold.act(o);
  expectClose(seen[0].subarray(0, 2), [1, -1], 1e-6);
  // actWith returned [1, -1] in the policy's range; the action scaler maps [-1, 1] onto [-4, 4] and [-2, 2].
  expectClose(a, [4, -2], 1e-6);
  const state = scaffold.scalers.getState();
  expect(state.observation?.kind).toBe('min-max');
  expect(state.action).toEqual({ kind: 'min-max', minimum: [-4, -2], maximum: [4, 2], bound: 1 });
});

test('fit refuses an agent whose update ignores the scalers, after its first step', async () => {
  const { scaffold } = scaffoldWith(() => null);
  await expect(scaffold.fit(randomBuffer(3, 2, 64, 1), { steps: 3, progress: 'off' })).rejects.toThrow(ConfigError);
  await expect(scaffold.fit(randomBuffer(3, 2, 64, 1), { steps: 3, progress: 'off' })).rejects.toThrow(
    /TestAgent.update did not stage its batch through the scaffold's scalers/,
  );
  let staged = 0;
  const ok = scaffoldWith((batch: Batch) => {
    tf.tidy(() => {
      stageBatch(batch, dims, ok.scaffold.scalers);
    });
    staged++;
    return null;
  });
  await ok.scaffold.fit(randomBuffer(3, 2, 64, 1), { steps: 3, progress: 'off' });
  expect(staged).toBe(3);
});

test('exportPolicy refuses an agent without an exportActing hook, naming what to use instead', async () => {
  const { scaffold } = scaffoldWith(() => null);
  await expect(scaffold.exportPolicy('/nonexistent/never-written')).rejects.toThrow(
    /TestAgent cannot export its policy yet \(it has no exportActing hook\); use save\(dir\) and load it with TestAgent.load/,
  );
});
