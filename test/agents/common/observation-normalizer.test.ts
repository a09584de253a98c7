import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../../src/engine/index.js';
import { ObservationNormalizer } from '../../../src/agents/common/observation-normalizer.js';
import { ReplayBuffer } from '../../../src/buffers/replay-buffer.js';
import { expectClose } from '../../support/tensors.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

const data = ReplayBuffer.fromArrays({
  observations: new Float32Array([0, 10, 2, 10, 4, 10]),
  actions: new Float32Array([0, 0, 0]),
  rewards: new Float32Array(3),
  nextObservations: new Float32Array(6),
  terminals: new Uint8Array(3),
  observationDim: 2,
  actionDim: 1,
});

test('(s − μ) / (σ + 1e-3) with the data statistics, on the device and on the host; identity before', () => {
  const n = new ObservationNormalizer(2);
  const x = new Float32Array([4, 12]);
  expect(n.applyHost(x)).toBe(x);
  n.fitTo(data);
  const sigma = Math.sqrt(8 / 3); // population std of 0, 2, 4
  const want = [(4 - 2) / (sigma + 1e-3), (12 - 10) / (0 + 1e-3)];
  expectClose(n.applyHost(x), want, 1e-4, 1e-5);
  expectClose(
    tf.tidy(() => n.apply(tf.tensor2d(x, [1, 2])).dataSync()),
    want,
    1e-4,
    1e-5,
  );
});

test('statistics are kept on a second fit and survive a save/restore exactly', () => {
  const n = new ObservationNormalizer(2);
  n.fitTo(data);
  const state = JSON.parse(JSON.stringify(n.getState())) as ReturnType<ObservationNormalizer['getState']>;
  const other = ReplayBuffer.fromArrays({ ...data.columns(), observations: new Float32Array(6).fill(100) });
  n.fitTo(other);
  expect(n.getState()).toEqual(state);
  const m = new ObservationNormalizer(2);
  m.setState(state);
  expect(Array.from(m.applyHost(new Float32Array([1, 2])))).toEqual(Array.from(n.applyHost(new Float32Array([1, 2]))));
});
