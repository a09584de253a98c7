// Loading validates before it builds and frees what it built when it refuses; saving refuses
// non-finite weights and moments. The bad-input corpus (test/corpus/cases-checkpoint-headers.ts)
// covers every field; these tests pin the order and the clean-up.
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentScaffold } from '../../../src/agents/common/agent-scaffold.js';
import { DiffusionQLAgent } from '../../../src/agents/diffusion-ql.js';
import { CheckpointError, DivergenceError } from '../../../src/core/errors.js';
import { initEngine } from '../../../src/engine/index.js';
import type { Adam } from '../../../src/nets/adam.js';
import { editColumn, readManifest, writeManifest } from '../../corpus/corpus-case.js';
import { writeValidCheckpoint } from '../../support/valid-checkpoints.js';

let root: string;
beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
  root = mkdtempSync(join(tmpdir(), 'llmdpd-ckpt-validation-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
const fresh = () => join(root, `c${n++}`);

function counts(): { tensors: number; variables: number } {
  return { tensors: tf.memory().numTensors, variables: Object.keys(tf.engine().registeredVariables).length };
}

test('a bad header field is refused by readHeader, before any agent is built', async () => {
  const dir = await writeValidCheckpoint('diffusion-ql', fresh());
  const m = readManifest(dir);
  m['step'] = -5;
  writeManifest(dir, m);
  const before = counts();
  let error: unknown;
  try {
    AgentScaffold.readHeader(dir, 'DiffusionQLAgent');
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CheckpointError);
  expect((error as CheckpointError).field).toBe('step');
  expect(counts()).toEqual(before);
});

test('an absurd critic width is refused after the actor is built; everything built is freed', async () => {
  const dir = await writeValidCheckpoint('diffusion-ql', fresh());
  const m = readManifest(dir);
  (m['config'] as Record<string, unknown>)['criticHiddenDims'] = [50_000, 50_000];
  writeManifest(dir, m);
  const before = counts();
  expect(() => DiffusionQLAgent.load(dir)).toThrow(CheckpointError);
  expect(() => DiffusionQLAgent.load(dir)).toThrow(/config.criticHiddenDims\[0\] = 50000/);
  expect(counts()).toEqual(before);
});

test('a NaN weight found after the agent is built disposes the half-restored agent', async () => {
  const dir = await writeValidCheckpoint('diffusion-ql', fresh());
  editColumn(dir, 'criticTarget/3', (v) => v.setFloat32(0, NaN, true));
  const before = counts();
  let error: unknown;
  try {
    DiffusionQLAgent.load(dir);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CheckpointError);
  expect((error as CheckpointError).field).toBe('column criticTarget/3');
  expect(counts()).toEqual(before);
});

test('buildFromHeader reports a config the agent refuses as a damaged header and frees partial builds', async () => {
  const dir = await writeValidCheckpoint('diffusion-ql', fresh());
  const header = AgentScaffold.readHeader(dir, 'DiffusionQLAgent');
  const before = counts();
  expect(() =>
    AgentScaffold.buildFromHeader(dir, header, () => {
      tf.tidy(() => tf.variable(tf.zeros([4])));
      throw new RangeError('Invalid typed array length: 1e12');
    }),
  ).toThrow(/the checkpoint's config cannot be built: Invalid typed array length/);
  expect(counts()).toEqual(before);
});

test('saving refuses a negative Adam second moment and leaves the checkpoint on disk', () => {
  const agent = new DiffusionQLAgent({ observationDim: 3, actionDim: 2, hiddenDims: [8], criticHiddenDims: [8] });
  const dir = fresh();
  agent.save(dir);
  const manifest = readFileSync(join(dir, 'manifest.json'), 'utf8');
  const optimizer = (agent as unknown as { optimizers: Record<string, Adam> }).optimizers['critic'];
  const state = optimizer.getState();
  state.secondMoments[1][3] = -1;
  optimizer.setState(state);
  let error: unknown;
  try {
    agent.save(dir);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DivergenceError);
  expect((error as DivergenceError).metric).toBe('weights optimizer/critic/v/1');
  expect((error as Error).message).toMatch(/optimizer\/critic\/v\/1 holds -1 at \[3\] of \[8\]/);
  expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(manifest);
  agent.dispose();
});
