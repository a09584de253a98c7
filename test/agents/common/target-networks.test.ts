import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../../src/engine/index.js';
import { TargetNetworks } from '../../../src/agents/common/target-networks.js';
import type { NetModule } from '../../../src/nets/module.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

function scalarNet(value: number): NetModule & { v: tf.Variable } {
  const v = tf.variable(tf.scalar(value));
  return { v, trainableVariables: () => [v], dispose: () => v.dispose() };
}
const read = (n: { v: tf.Variable }) => n.v.dataSync()[0];

test('Polyak targets start as copies and move by tau after every `every`-th step', () => {
  const online = scalarNet(10);
  const target = scalarNet(0);
  const targets = new TargetNetworks();
  targets.polyak(target, online, 0.5, 2);
  expect(read(target)).toBe(10);
  online.v.assign(tf.scalar(20));
  targets.update(0); // step count 1: not a multiple of 2
  expect(read(target)).toBe(10);
  targets.update(1); // step count 2: moves, 0.5·20 + 0.5·10
  expect(read(target)).toBe(15);
  expect(() => targets.polyak(target, online, 1.5)).toThrow(/tau must be in \[0, 1\]/);
  targets.dispose();
  online.dispose();
  target.dispose();
});

test('EMA copies follow their schedule and report when they moved', () => {
  const online = scalarNet(1);
  const copy = scalarNet(0);
  const targets = new TargetNetworks();
  targets.ema(online, copy, { decay: 0.75, startStep: 2, every: 2 });
  online.v.assign(tf.scalar(5));
  expect(targets.update(0)).toBe(false);
  expect(targets.update(1)).toBe(false);
  expect(targets.update(2)).toBe(true); // 0.75·1 + 0.25·5
  expect(read(copy)).toBe(2);
  expect(targets.update(3)).toBe(false);
  targets.dispose();
  online.dispose();
  copy.dispose();
});

test('follow: a Polyak schedule moves the copy with TD3-style delayed targets, an EMA schedule as ema()', () => {
  const online = scalarNet(4);
  const polyakCopy = scalarNet(0);
  const emaCopy = scalarNet(0);
  const targets = new TargetNetworks();
  targets.follow(online, polyakCopy, { tau: 0.5, every: 2 });
  targets.follow(online, emaCopy, { decay: 0.5, startStep: 0, every: 2 });
  expect([read(polyakCopy), read(emaCopy)]).toEqual([4, 4]);
  online.v.assign(tf.scalar(8));
  targets.update(0); // Polyak waits for step count 2; the EMA moves on step 0
  expect([read(polyakCopy), read(emaCopy)]).toEqual([4, 6]);
  targets.update(1);
  expect([read(polyakCopy), read(emaCopy)]).toEqual([6, 6]);
  targets.dispose();
  for (const n of [online, polyakCopy, emaCopy]) n.dispose();
});
