/**
 * The export helpers agents build their `exportActing` hook from: a network under a condition
 * (folded into the first bias) and a mean head cut from a [mean, log σ] output, as the runtime
 * then computes them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConditionedMlp } from '../../../src/agents/common/networks/conditioned-mlp.js';
import { tanhActing } from '../../../src/agents/common/policy-export.js';
import { Rng } from '../../../src/core/rng.js';
import { initEngine } from '../../../src/engine/index.js';
import { loadExportedPolicy, writePolicyArtefact } from '../../../src/export/artefact.js';
import { expectClose } from '../../support/tensors.js';

let root: string;
beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
  root = mkdtempSync(join(tmpdir(), 'llmdpd-policy-export-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('tanhActing keeps the mean head of a [mean, log σ] network and folds the condition in', () => {
  const S = 3;
  const A = 2;
  const net = new ConditionedMlp({
    inputDim: S,
    conditionDim: 4,
    hiddenDims: [8, 8],
    outputDim: 2 * A,
    activation: 'relu',
    rng: new Rng(1),
    name: 'tanh_gaussian',
    trainable: true,
  });
  const condition = Float32Array.of(0.5, -1, 0.25, 2);
  const { acting, tensors } = tanhActing(net, 1.5, condition, A);
  expect(acting.kind).toBe('deterministic');
  expect(Object.keys(tensors)).toHaveLength(6); // three layers, kernel and bias each; no condition block
  expect(tensors['actor/l2/kernel'].shape).toEqual([8, A]);
  const dir = join(root, 'tanh');
  writePolicyArtefact(
    dir,
    {
      agent: 'TestAgent',
      libraryVersion: '0',
      step: 0,
      observationDim: S,
      actionDim: A,
      scalers: { observation: { kind: 'none' }, action: { kind: 'none' } },
      context: null,
      condition: { actor: Array.from(condition), critic: null },
      acting,
      random: new Rng(0).getState(),
    },
    tensors,
  );
  const observations = new Rng(2).fillNormal(new Float32Array(5 * S));
  const want = tf.tidy(() => {
    const out = net.apply(tf.tensor2d(observations, [5, S]), tf.tensor2d(condition, [1, 4]));
    return Array.from(tf.mul(tf.tanh(tf.slice(out, [0, 0], [-1, A])), 1.5).dataSync());
  });
  expectClose(loadExportedPolicy(dir).actBatch(observations), want, 1e-6, 1e-5);
  net.dispose();
});
