/**
 * Meta-World offline data on the real models: behaviours in order, seeds, successes, the D4RL
 * and Minari files and the manifest read back, the prompt seed kept apart. Short episodes keep
 * it fast; skipped, with a printed reason, when the assets are missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DatasetError } from '../../src/core/errors.js';
import { loadD4rl } from '../../src/datasets/d4rl.js';
import { loadMinari } from '../../src/datasets/minari.js';
import { metaWorldPromptText } from '../../src/envs/metaworld/texts.js';
import {
  METAWORLD_LLMDPD_SPLIT,
  collectMetaWorldTaskData,
  loadMetaWorldDatasets,
  writeMetaWorldDatasets,
} from '../../src/suites/metaworld.js';
import { METAWORLD_TEST_ASSETS, describeWithAssets } from '../envs/metaworld/assets-dir.js';

const assetsDir = METAWORLD_TEST_ASSETS ?? '';

test('the paper’s split: three seen and three unseen tasks', () => {
  expect(METAWORLD_LLMDPD_SPLIT.seen).toEqual(['sweep-into', 'coffee-push', 'disassemble']);
  expect(METAWORLD_LLMDPD_SPLIT.unseen).toEqual(['box-close', 'hand-insert', 'bin-picking']);
});

test('bad options are ConfigErrors before anything runs', async () => {
  await expect(collectMetaWorldTaskData('box-open' as never, { seed: 0 })).rejects.toThrow(ConfigError);
  await expect(collectMetaWorldTaskData('box-close', { seed: -1 })).rejects.toThrow(/seed/);
  await expect(collectMetaWorldTaskData('box-close', { seed: 0, episodes: 0 })).rejects.toThrow(/episodes/);
  await expect(
    collectMetaWorldTaskData('box-close', { seed: 0, mix: { random: 0.5, medium: 0.1, expert: 0.1 } }),
  ).rejects.toThrow(/sum to/);
  await expect(writeMetaWorldDatasets('', { seed: 0 })).rejects.toThrow(ConfigError);
  await expect(loadMetaWorldDatasets(join(tmpdir(), 'no-such-llmdpd-folder'))).rejects.toThrow(DatasetError);
});

describeWithAssets('Meta-World datasets on the real models', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'llmdpd-mwdata-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('collect, write (D4RL + Minari + manifest) and read back', async () => {
    const options = { assetsDir, seed: 3, episodes: 4, maxEpisodeSteps: 120, tasks: ['hand-insert'] as const };
    const result = await writeMetaWorldDatasets(dir, { ...options, tasks: [...options.tasks] });
    const [data] = result.data;
    expect(data.buffer.size).toBe(4 * 120);
    expect(data.episodeBehaviours).toEqual(['random', 'medium', 'medium', 'expert']);
    expect(data.episodeSuccesses[0]).toBe(false); // random
    expect(data.episodeSuccesses[3]).toBe(true); // expert
    expect(data.prompt.success).toBe(true);
    expect(data.episodeSeeds).not.toContain(data.prompt.seed);
    expect(data.text).toBe(metaWorldPromptText('hand-insert'));
    // Every episode runs its full length and ends with a time-out.
    const episodes = [...data.buffer.episodes()];
    expect(episodes.map((e) => e.length)).toEqual([120, 120, 120, 120]);
    expect(episodes.every((e) => e.truncated && !e.terminated)).toBe(true);

    // Same seed, same data: each behaviour's run seed is fixed by the seed and the task, so an
    // expert-only collection of one episode repeats the mixed collection's expert episode.
    const again = await collectMetaWorldTaskData('hand-insert', {
      ...options,
      episodes: 1,
      mix: { random: 0, medium: 0, expert: 1 },
    });
    expect(again.episodeSeeds).toEqual([data.episodeSeeds[3]]);
    expect(Array.from(again.buffer.columns().actions)).toEqual(
      Array.from(data.buffer.columns().actions.subarray(3 * 120 * 4)),
    );

    const d4rl = await loadD4rl(join(dir, 'hand-insert.hdf5'), { timeouts: 'keep' });
    expect(Array.from(d4rl.buffer.columns().observations)).toEqual(Array.from(data.buffer.columns().observations));
    expect(d4rl.info.datasetId).toBe('metaworld/hand-insert/mixed-v0');
    const minari = await loadMinari(join(dir, 'minari', 'metaworld', 'hand-insert', 'mixed-v0'));
    expect(minari.info.envId).toBe('MetaWorld/hand-insert-v3');
    expect(minari.info.episodes).toBe(4);
    expect(Array.from(minari.buffer.columns().rewards)).toEqual(Array.from(data.buffer.columns().rewards));
    expect(minari.info.observationSpace?.shape).toEqual([39]);

    const loaded = await loadMetaWorldDatasets(dir);
    expect(loaded.manifest.tasks.map((t) => t.task)).toEqual(['hand-insert']);
    expect(loaded.manifest.tasks[0].episodeSuccesses).toEqual(data.episodeSuccesses);
    expect(loaded.dataset.tasks).toEqual(['hand-insert']);
    expect(loaded.dataset.task('hand-insert').textPrompt).toBe(data.text);
    expect(loaded.prompts.get('hand-insert')!.length).toBe(120);
    await expect(loadMetaWorldDatasets(dir, { tasks: ['box-close'] })).rejects.toThrow(/no task "box-close"/);
  }, 120_000);
});
