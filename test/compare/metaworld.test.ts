/**
 * A Meta-World folder as a comparison data source: train on a seen task, evaluate on it and on an
 * unseen one, on the real models. Short episodes keep it to seconds; skipped, with the reason
 * printed, when Meta-World's assets are not found (see test/envs/metaworld/assets-dir.ts).
 */
import { join } from 'node:path';
import { runComparison } from '../../src/compare/runner.js';
import { writeMetaWorldDatasets } from '../../src/suites/metaworld.js';
import { METAWORLD_TEST_ASSETS, describeWithAssets } from '../envs/metaworld/assets-dir.js';
import { tempDir } from './support/grid.js';

describeWithAssets('Meta-World data sources', () => {
  test('trains on the seen tasks of a Meta-World folder and evaluates on seen and unseen ones', async () => {
    const dir = tempDir('llmdpd-compare-mw-');
    const assetsDir = METAWORLD_TEST_ASSETS!;
    await writeMetaWorldDatasets(join(dir, 'data'), {
      assetsDir,
      seed: 0,
      episodes: 2,
      maxEpisodeSteps: 40,
      tasks: ['hand-insert', 'box-close'],
      minari: false,
    });
    const result = await runComparison(
      {
        name: 'metaworld',
        agents: [{ class: 'LLMDPD', preset: 'tiny' }],
        data: [
          {
            kind: 'metaworld',
            path: join(dir, 'data'),
            split: { seen: ['hand-insert'], unseen: ['box-close'] },
            assetsDir,
          },
        ],
        seeds: [0],
        steps: 5,
        evaluation: { episodes: 1, maxEpisodeSteps: 40 },
        bootstrap: { reps: 100 },
      },
      { outDir: join(dir, 'out'), threads: 0, progress: 'off' },
    );
    expect(result.runs.map((r) => [r.outcome?.state, r.outcome?.error])).toEqual([['completed', undefined]]);
    const final = result.report!.runs[0].final!;
    expect(
      Object.keys(final)
        .filter((k) => k.startsWith('eval/'))
        .sort(),
    ).toEqual([
      'eval/box-close/return',
      'eval/box-close/success',
      'eval/hand-insert/return',
      'eval/hand-insert/success',
    ]);
    expect(result.report!.summary.filter((r) => r.scope === 'split').map((r) => r.name)).toContain('unseen');
  });
});
