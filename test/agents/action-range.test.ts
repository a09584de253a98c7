/**
 * A D4RL file whose actions reach 2.96 (beyond the default bound of 1): `fit` refuses it with a
 * message giving the range and the fixes, and with action scaling on the agent learns the whole
 * range and acts in it, before and after save/load and through an exported policy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BCAgent } from '../../src/agents/bc.js';
import { DiffusionQLAgent } from '../../src/agents/diffusion-ql.js';
import { ReplayBuffer } from '../../src/buffers/replay-buffer.js';
import { ActionRangeError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { loadD4rl, writeD4rl } from '../../src/datasets/d4rl.js';
import { initEngine } from '../../src/engine/index.js';
import { loadExportedPolicy } from '../../src/export/artefact.js';
import { expectClose } from '../support/tensors.js';

let root: string;
let file: string;

/** a = 2.96 · sin(s0), s ~ U[−1.6, 1.6]²: actions reach ±2.96 (at s0 = ±π/2). */
async function writeWideActions(path: string): Promise<void> {
  const n = 2000;
  const rng = new Rng(0);
  const s = rng.fillUniform(new Float32Array(2 * n), -1.6, 1.6);
  const a = new Float32Array(n).map((_, i) => 2.96 * Math.sin(s[2 * i]));
  a[0] = 2.96;
  a[1] = -2.96;
  const buffer = ReplayBuffer.fromArrays({
    observations: s,
    actions: a,
    rewards: new Float32Array(n),
    nextObservations: s,
    terminals: Uint8Array.from({ length: n }, (_, i) => (i % 100 === 99 ? 1 : 0)),
    observationDim: 2,
    actionDim: 1,
  });
  await writeD4rl(path, buffer, {});
}

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
  root = mkdtempSync(join(tmpdir(), 'llmdpd-range-'));
  file = join(root, 'wide-actions.hdf5');
  await writeWideActions(file);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('fit refuses actions beyond maxAction with the range found and both fixes, before any step', async () => {
  const { buffer } = await loadD4rl(file);
  for (const agent of [
    new BCAgent({ observationDim: 2, actionDim: 1, hiddenDims: [16] }),
    new DiffusionQLAgent({ observationDim: 2, actionDim: 1, hiddenDims: [16], criticHiddenDims: [16] }),
  ]) {
    const fitting = agent.fit(buffer, { steps: 10, progress: 'off' });
    await expect(fitting).rejects.toThrow(ActionRangeError);
    await expect(agent.fit(buffer, { steps: 10, progress: 'off' })).rejects.toThrow(
      /actions reach from -2\.96 to 2\.96 \(dimension 0: \[-2\.96, 2\.96\]\), beyond the policy's range \[-1, 1\] \(maxAction 1\); training would clip them silently\. Fix: turn on action scaling \(config actionScaler: \{ kind: 'min-max' \}.*or set maxAction to at least 2\.96/,
    );
    expect(agent.step).toBe(0);
    agent.dispose();
  }
});

test('with min-max action scaling BC learns actions up to 2.96 and acts in the data range, saved and exported', async () => {
  const { buffer } = await loadD4rl(file);
  const agent = new BCAgent({
    observationDim: 2,
    actionDim: 1,
    hiddenDims: [64, 64],
    batchSize: 128,
    learningRate: 3e-3,
    actionScaler: { kind: 'min-max' },
  });
  await agent.fit(buffer, { steps: 600, progress: 'off' });
  const probes = [-1.5, -0.6, 0, 0.6, 1.5];
  const observations = Float32Array.from(probes.flatMap((s0) => [s0, 0]));
  const actions = agent.actBatch(observations);
  // Far beyond the unscaled bound of 1, close to the expert's 2.96·sin(s0).
  expectClose(
    actions,
    probes.map((s0) => 2.96 * Math.sin(s0)),
    0.25,
    0,
  );
  expect(Math.max(...actions)).toBeGreaterThan(2.5);
  for (const a of actions) expect(Math.abs(a)).toBeLessThanOrEqual(2.96 + 1e-4);
  const dir = join(root, 'bc');
  agent.save(dir);
  const loaded = BCAgent.load(dir);
  expect(Array.from(loaded.actBatch(observations))).toEqual(Array.from(actions));
  await agent.exportPolicy(join(root, 'bc-policy'));
  expectClose(loadExportedPolicy(join(root, 'bc-policy')).actBatch(observations), actions, 1e-5, 1e-5);
  agent.dispose();
  loaded.dispose();
});
