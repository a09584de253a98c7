/**
 * makeSuite and writeSuiteDatasets: dataset sizes and mix, prompt provenance, determinism under
 * a seed, user specs and splits, the D4RL files, and no leaked WASM handles.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, NotFoundError } from '../../src/core/errors.js';
import { loadD4rl } from '../../src/datasets/index.js';
import { evaluatePolicy } from '../../src/eval/index.js';
import {
  DEFAULT_TRANSITIONS_PER_TASK,
  POINTMASS_REACH_DEFAULT_SPLIT,
  makeSuite,
  parseSuiteSpec,
  pointMassMemoryStats,
  scriptedPolicy,
  writeSuiteDatasets,
  loadSuiteDatasets,
  type Suite,
  type SuiteManifest,
} from '../../src/suites/index.js';

afterEach(() => {
  expect(pointMassMemoryStats()).toEqual({ liveModels: 0, liveEnvs: 0 });
});

describe('makeSuite("pointmass-reach") with the defaults', () => {
  let suite: Suite;
  beforeAll(async () => {
    suite = await makeSuite('pointmass-reach', { seed: 0 });
    console.log(
      `generated ${suite.seen.length} seen tasks x ${suite.transitionsPerTask} transitions + ${suite.tasks.length} prompts in ${suite.generationSeconds.toFixed(2)} s`,
    );
  }, 60_000);

  test('holds the default split: 12 seen tasks with >= 20k transitions each, 6 unseen tasks with prompts only', () => {
    expect(suite.split).toEqual(POINTMASS_REACH_DEFAULT_SPLIT);
    expect(suite.seen.map((t) => t.name)).toEqual(POINTMASS_REACH_DEFAULT_SPLIT.seen);
    expect(suite.unseen.map((t) => t.name)).toEqual(POINTMASS_REACH_DEFAULT_SPLIT.unseen);
    expect(suite.transitionsPerTask).toBe(DEFAULT_TRANSITIONS_PER_TASK);
    expect(suite.dataset.numTasks).toBe(12);
    expect(suite.dataset.tasks).toEqual(POINTMASS_REACH_DEFAULT_SPLIT.seen);
    expect(suite.dataset.observationDim).toBe(4);
    expect(suite.dataset.actionDim).toBe(2);
    for (const t of suite.seen) {
      expect(t.data!.buffer.size).toBeGreaterThanOrEqual(20_000);
      expect(t.data!.buffer.numEpisodes).toBe(400);
      const d = suite.dataset.task(t.name);
      expect(d.index).toBe(t.datasetIndex);
      expect(d.textPrompt).toBe(t.textPrompt);
      expect(d.params).toEqual(t.params);
      expect(Array.from(d.trajectoryPrompt.observations)).toEqual(Array.from(t.trajectoryPrompt.observations));
    }
    for (const t of suite.unseen) {
      expect(t.data).toBeNull();
      expect(t.datasetIndex).toBe(-1);
      expect(() => suite.dataset.task(t.name)).toThrow(NotFoundError);
    }
    expect(suite.generationSeconds).toBeLessThan(60);
  });

  test('the data follows the documented mix: 100 random, 200 medium, 100 expert episodes, graded in return and success', () => {
    for (const t of suite.seen) {
      const d = t.data!;
      const by = (k: string) =>
        d.episodeBehaviours
          .map((b, i) => [b, i] as const)
          .filter(([b]) => b === k)
          .map(([, i]) => i);
      expect([by('random').length, by('medium').length, by('expert').length]).toEqual([100, 200, 100]);
      expect(by('random')[99]).toBe(99);
      expect(by('expert')[0]).toBe(300);
      const rate = (ix: number[]) => ix.filter((i) => d.episodeSuccesses[i]).length / ix.length;
      const ret = (ix: number[]) => ix.reduce((s, i) => s + d.episodeReturns[i], 0) / ix.length;
      expect(rate(by('expert'))).toBeGreaterThanOrEqual(0.9);
      expect(rate(by('random'))).toBeLessThan(0.1);
      expect(ret(by('expert'))).toBeGreaterThan(ret(by('medium')));
      expect(ret(by('medium'))).toBeGreaterThan(ret(by('random')));
      // Every episode is 50 steps ended by a time-out; returns match the stored rewards.
      const c = d.buffer.columns();
      let sum = 0;
      for (let i = 0; i < 50; i++) sum += c.rewards[i];
      expect(sum).toBeCloseTo(d.episodeReturns[0], 4);
      expect(c.terminals.every((x) => x === 0)).toBe(true);
      expect(c.timeouts.reduce((s, x) => s + x, 0)).toBe(400);
      expect([c.timeouts[48], c.timeouts[49]]).toEqual([0, 1]);
    }
  });

  test('prompt provenance: one expert episode per task, with its own seed, never a reset seed of the task data', () => {
    for (const t of suite.tasks) {
      const p = t.prompt;
      expect(p.behaviour).toBe('expert');
      expect(p.success).toBe(true);
      expect(t.trajectoryPrompt.length).toBe(50);
      expect(t.trajectoryPrompt.observationDim).toBe(4);
      if (t.data !== null) {
        expect(t.data.episodeSeeds).not.toContain(p.seed);
        expect(new Set(t.data.episodeSeeds).size).toBe(400);
        // Not a copy of any training episode either: no data episode starts where the prompt does.
        const c = t.data.buffer.columns();
        const start = Array.from(t.trajectoryPrompt.observations.subarray(0, 4));
        for (let e = 0; e < 400; e++)
          expect(Array.from(c.observations.subarray(e * 200, e * 200 + 4))).not.toEqual(start);
      }
    }
    // Prompts of different tasks differ, and an unseen task's prompt ends at its own goal.
    const ne = suite.task('reach-north-east-far');
    const last = ne.trajectoryPrompt.observations.subarray(49 * 4, 49 * 4 + 2);
    expect(Math.hypot(last[0] - ne.params.goalX, last[1] - ne.params.goalY)).toBeLessThan(0.1);
  });

  test('env factories build each task env; the expert succeeds on unseen tasks too', async () => {
    for (const t of suite.unseen) {
      const r = await evaluatePolicy(scriptedPolicy('expert', t.params), t.makeEnv, { episodes: 5, seed: 9 });
      expect(r.successRate).toBe(1);
      expect(r.lengths).toEqual([50, 50, 50, 50, 50]);
    }
    expect(() => suite.task('reach-east-middle')).toThrow(/belongs to suite pointmass-reach but not to this split/);
    expect(() => suite.task('nope')).toThrow(NotFoundError);
  });
});

describe('determinism and independence', () => {
  const small = { transitionsPerTask: 1000 } as const;

  test('the same seed gives identical datasets and prompts; another seed gives others', async () => {
    const split = { seen: ['reach-north-far', 'reach-west-near'], unseen: ['reach-north-east-far'] };
    const a = await makeSuite('pointmass-reach', { seed: 3, split, ...small });
    const b = await makeSuite('pointmass-reach', { seed: 3, split, ...small });
    const c = await makeSuite('pointmass-reach', { seed: 4, split, ...small });
    for (const name of split.seen) {
      expect(a.task(name).data!.buffer.columns()).toEqual(b.task(name).data!.buffer.columns());
      expect(a.task(name).data!.episodeSeeds).toEqual(b.task(name).data!.episodeSeeds);
      expect(a.task(name).data!.buffer.columns().observations).not.toEqual(
        c.task(name).data!.buffer.columns().observations,
      );
    }
    for (const name of [...split.seen, ...split.unseen]) {
      expect(a.task(name).prompt).toEqual(b.task(name).prompt);
      expect(a.task(name).prompt.seed).not.toBe(c.task(name).prompt.seed);
    }
    expect(a.dataset.totalSize).toBe(2000);
  }, 30_000);

  test("a task's data and prompt do not depend on the rest of the split or its role", async () => {
    const a = await makeSuite('pointmass-reach', {
      seed: 5,
      split: { seen: ['reach-south-far', 'reach-east-near'], unseen: ['reach-west-far'] },
      ...small,
    });
    const b = await makeSuite('pointmass-reach', {
      seed: 5,
      split: { seen: ['reach-west-far', 'reach-south-far'], unseen: ['reach-east-near'] },
      ...small,
    });
    expect(a.task('reach-south-far').data!.buffer.columns()).toEqual(b.task('reach-south-far').data!.buffer.columns());
    expect(a.task('reach-east-near').prompt).toEqual(b.task('reach-east-near').prompt);
    expect(a.task('reach-west-far').prompt).toEqual(b.task('reach-west-far').prompt);
    expect(b.dataset.tasks).toEqual(['reach-west-far', 'reach-south-far']);
  }, 30_000);

  test('transitionsPerTask rounds up to whole episodes; a custom mix is honoured', async () => {
    const s = await makeSuite('pointmass-reach', {
      seed: 1,
      split: { seen: ['reach-north-near'], unseen: [] },
      transitionsPerTask: 120,
      mix: { random: 0, medium: 0, expert: 1 },
    });
    expect(s.transitionsPerTask).toBe(150);
    expect(s.task('reach-north-near').data!.episodeBehaviours).toEqual(['expert', 'expert', 'expert']);
  });
});

describe('user specs and options', () => {
  test('a JSON spec with off-compass tasks runs end to end', async () => {
    const spec = {
      name: 'tilted',
      tasks: [
        { name: 'a30', params: { angleDegrees: 30, distance: 0.7 } },
        { name: 'a150', params: { angleDegrees: 150, distance: 0.5, tolerance: 0.08 } },
      ],
      split: { seen: ['a30'], unseen: ['a150'] },
      episodeSteps: 40,
    };
    const s = await makeSuite(JSON.stringify(spec), { seed: 2, transitionsPerTask: 400 });
    expect(s.name).toBe('tilted');
    expect(s.task('a30').data!.buffer.size).toBe(400);
    expect(s.task('a150').trajectoryPrompt.length).toBe(40);
    expect(s.task('a150').textPrompt).toContain('150 degrees counter-clockwise from east');
    const r = await evaluatePolicy(scriptedPolicy('expert', s.task('a150').params), s.task('a150').makeEnv, {
      episodes: 4,
      seed: 0,
    });
    expect(r.successRate).toBe(1);
    expect(r.lengths[0]).toBe(40);
  });

  test('bad options and splits are ConfigErrors naming the field', async () => {
    await expect(makeSuite('pointmass-reach', {} as never)).rejects.toThrow(
      /options\.seed must be a non-negative integer/,
    );
    await expect(makeSuite('pointmass-reach', { seed: 0, transitionsPerTask: 0 })).rejects.toThrow(
      /options\.transitionsPerTask must be a positive integer/,
    );
    await expect(
      makeSuite('pointmass-reach', { seed: 0, split: { seen: ['reach-north-far'], unseen: ['reach-north-far'] } }),
    ).rejects.toThrow(/makeSuite options\.split\.unseen\[0\] repeats "reach-north-far"/);
    await expect(makeSuite('pointmass-reach', { seed: 0, mix: { random: 1, medium: 1, expert: 0 } })).rejects.toThrow(
      ConfigError,
    );
    await expect(makeSuite('pointmass-reach', { seed: 0, steps: 5 } as never)).rejects.toThrow(
      /makeSuite has no option "steps"/,
    );
    await expect(
      makeSuite({ name: 'x', tasks: [{ params: { direction: 'north', distance: 2 } }] }, { seed: 0 }),
    ).rejects.toThrow(/tasks\[0\]\.params\.distance/);
    await expect(makeSuite('pointmass', { seed: 0 })).rejects.toThrow(NotFoundError);
  });
});

describe('writeSuiteDatasets', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'llmdpd-suite-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes each seen task in the D4RL layout, every prompt, and a manifest; loadD4rl reads them back exactly', async () => {
    const split = { seen: ['reach-north-far', 'reach-east-near'], unseen: ['reach-north-east-far'] };
    const { files, manifest, suite } = await writeSuiteDatasets('pointmass-reach', dir, {
      seed: 7,
      split,
      transitionsPerTask: 500,
    });
    expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(
      [
        'reach-east-near.hdf5',
        'reach-north-far.hdf5',
        'prompts/reach-east-near.hdf5',
        'prompts/reach-north-far.hdf5',
        'prompts/reach-north-east-far.hdf5',
        'suite.json',
      ].sort(),
    );
    const onDisk = JSON.parse(await readFile(join(dir, 'suite.json'), 'utf8')) as SuiteManifest;
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(manifest)));
    expect(onDisk.format).toBe('llmdpd.suite-datasets');
    expect(parseSuiteSpec(onDisk.spec).tasks).toHaveLength(24);
    const north = onDisk.tasks.find((t) => t.name === 'reach-north-far')!;
    expect(north).toMatchObject({
      role: 'seen',
      dataFile: 'reach-north-far.hdf5',
      transitions: 500,
      env: { id: 'llmdpd/PointMassReach-v0', maxEpisodeSteps: 50 },
    });
    expect(north.episodeSeeds).not.toContain(north.promptSeed);
    expect(onDisk.tasks.find((t) => t.name === 'reach-north-east-far')).toMatchObject({
      role: 'unseen',
      dataFile: null,
      transitions: 0,
    });

    const loaded = await loadD4rl(join(dir, 'reach-north-far.hdf5'), { timeouts: 'keep' });
    expect(loaded.buffer.columns()).toEqual(suite.task('reach-north-far').data!.buffer.columns());
    expect(loaded.info.metadata).toMatchObject({
      suite: 'pointmass-reach',
      task: 'reach-north-far',
      role: 'seen',
      kind: 'data',
      seed: 7,
    });
    expect(loaded.info.metadata.text_prompt).toBe(suite.task('reach-north-far').textPrompt);
    expect(JSON.parse(String(loaded.info.metadata.params_json))).toEqual(suite.task('reach-north-far').params);

    const prompt = await loadD4rl(join(dir, 'prompts/reach-north-east-far.hdf5'), { timeouts: 'keep' });
    const t = suite.task('reach-north-east-far');
    expect(prompt.buffer.size).toBe(50);
    expect(Array.from(prompt.buffer.columns().observations)).toEqual(Array.from(t.trajectoryPrompt.observations));
    expect(Array.from(prompt.buffer.columns().actions)).toEqual(Array.from(t.trajectoryPrompt.actions));
    expect(prompt.info.metadata).toMatchObject({ kind: 'trajectory-prompt', prompt_seed: t.prompt.seed });

    const back = await loadSuiteDatasets(dir);
    expect(back.dataset.tasks).toEqual(suite.dataset.tasks);
    for (const name of split.seen) {
      const [x, y] = [back.dataset.task(name), suite.dataset.task(name)];
      expect(x.buffer.columns()).toEqual(y.buffer.columns());
      expect(x.textPrompt).toBe(y.textPrompt);
      expect(x.params).toEqual(y.params);
      expect(x.trajectoryPrompt).toEqual(y.trajectoryPrompt);
    }
    expect(back.prompts.get('reach-north-east-far')).toEqual(t.trajectoryPrompt);
    await expect(loadSuiteDatasets(join(dir, 'prompts'))).rejects.toThrow(/cannot read .*suite\.json/);
  }, 30_000);
});
