/**
 * The scripted experts on the real models: each solves its task on a few seeded episodes (the
 * 100-episode figures come from bench/metaworld-experts.js), and the behaviours built on them
 * draw their noise from the episode's stream only. Skipped, with a printed reason, when the assets
 * are missing.
 */
import { ConfigError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/rng.js';
import { loadMetaWorldAssets } from '../../../src/envs/metaworld/assets.js';
import {
  METAWORLD_BEHAVIOURS,
  METAWORLD_BEHAVIOUR_SETTINGS,
  metaWorldBehaviour,
  metaWorldExpert,
} from '../../../src/envs/metaworld/experts.js';
import { METAWORLD_ENV_CLASSES } from '../../../src/envs/metaworld/registry.js';
import { METAWORLD_TASKS, type MetaWorldTaskName } from '../../../src/envs/metaworld/sawyer-env.js';
import { METAWORLD_TEST_ASSETS, describeWithAssets } from './assets-dir.js';

const assetsDir = METAWORLD_TEST_ASSETS ?? '';

test('behaviours: the noise comes from the context’s stream; random ignores the observation; bad kinds throw', () => {
  const obs = new Float32Array(39);
  obs.set([0, 0.6, 0.2, 1, 0.05, 0.65, 0.02], 0);
  obs.set([0.1, 0.8, -0.02], 36);
  const expert = metaWorldExpert('hand-insert');
  const noisy = metaWorldBehaviour('hand-insert', 'expert');
  expect(Array.from(noisy(obs, { rng: new Rng(1), deterministic: true }))).toEqual(Array.from(expert(obs)));
  const a = noisy(obs, { rng: new Rng(5) });
  expect(Array.from(noisy(obs, { rng: new Rng(5) }))).toEqual(Array.from(a));
  expect(Array.from(a)).not.toEqual(Array.from(expert(obs)));
  expect(a.every((v) => v >= -1 && v <= 1)).toBe(true);
  const random = metaWorldBehaviour('hand-insert', 'random');
  const r = random(obs, { rng: new Rng(2) });
  expect(r).toHaveLength(4);
  expect(Array.from(random(new Float32Array(39), { rng: new Rng(2) }))).toEqual(Array.from(r));
  expect(METAWORLD_BEHAVIOURS).toEqual(['expert', 'medium', 'random']);
  expect(METAWORLD_BEHAVIOUR_SETTINGS.medium.actionNoise).toBeGreaterThan(
    METAWORLD_BEHAVIOUR_SETTINGS.expert.actionNoise,
  );
  expect(() => metaWorldBehaviour('hand-insert', 'great' as never)).toThrow(ConfigError);
  expect(() => metaWorldExpert('reach' as MetaWorldTaskName)).toThrow(/task must be one of/);
  expect(() => metaWorldBehaviour('hand-insert', 'medium', { actionNoise: -1, randomActionProbability: 0 })).toThrow(
    ConfigError,
  );
});

describeWithAssets('the scripted experts on the real models', () => {
  beforeAll(async () => {
    await loadMetaWorldAssets({ assetsDir });
  }, 120_000);

  test.each(METAWORLD_TASKS.map((t) => [t]))(
    '%s: the expert succeeds on seeds 0-1 within 300 steps and keeps the task solved',
    (task) => {
      const env = new METAWORLD_ENV_CLASSES[task]({ assetsDir });
      const expert = metaWorldExpert(task);
      try {
        for (let seed = 0; seed < 2; seed++) {
          let [obs] = env.reset({ seed });
          let first = -1;
          let last = 0;
          for (let t = 0; t < 300; t++) {
            const [next, , , , info] = env.step(expert(obs));
            obs = next;
            last = info['success'] as number;
            if (last === 1 && first < 0) first = t;
            if (first >= 0 && t >= first + 60) break;
          }
          expect(first).toBeGreaterThan(0);
          // 60 steps after the first success the task is solved (the expert does not undo it).
          expect(last).toBe(1);
        }
      } finally {
        env.close();
      }
    },
    60_000,
  );
});
