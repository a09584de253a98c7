import { Rng } from '../../../src/core/rng.js';
import {
  createRandomStreams,
  randomStreamStates,
  restoreRandomStreams,
} from '../../../src/agents/common/random-streams.js';

test("the streams are the 0.1.0 agents' splits, in order, with the conditioner's fifth", () => {
  const root = new Rng(9);
  const expected = [root.split(), root.split(), root.split(), root.split(), root.split()].map((r) => r.float());
  const s = createRandomStreams(9);
  expect([s.init, s.sampler, s.noise, s.acting, s.conditioner].map((r) => r.float())).toEqual(expected);
});

test('drawing from one stream never shifts another', () => {
  const a = createRandomStreams(1);
  const b = createRandomStreams(1);
  for (let i = 0; i < 100; i++) a.noise.float();
  expect(a.sampler.float()).toBe(b.sampler.float());
  expect(a.acting.float()).toBe(b.acting.float());
});

test('saved states restore the sampler, noise and acting streams; a missing one is a clear error', () => {
  const a = createRandomStreams(3);
  a.noise.float();
  const states = JSON.parse(JSON.stringify(randomStreamStates(a))) as unknown;
  const b = createRandomStreams(77);
  restoreRandomStreams(b, states, 'test');
  expect([b.sampler.float(), b.noise.float(), b.acting.float()]).toEqual([
    a.sampler.float(),
    a.noise.float(),
    a.acting.float(),
  ]);
  expect(() => restoreRandomStreams(b, { sampler: a.sampler.getState() }, 'X.load(dir)')).toThrow(
    "X.load(dir): the checkpoint has no state for the 'noise' random stream",
  );
});
