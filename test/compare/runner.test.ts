import { jest } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runComparison, type ComparisonResult } from '../../src/compare/runner.js';
import { ConfigError } from '../../src/core/errors.js';
import { loadMujocoRuntime } from '../../src/envs/index.js';
import { collectDataset } from '../../src/eval/index.js';
import { numbers, SMALL_SPEC, tempDir, TS_EXEC_ARGV } from './support/grid.js';

// 8 runs on 2 worker threads, then re-runs: about 30-60 s on 2 loaded cores, most of it the
// worker threads loading the TypeScript sources.
jest.setTimeout(240_000);

let baseline: ComparisonResult;
let outDir: string;

beforeAll(async () => {
  outDir = tempDir('llmdpd-compare-local-');
  baseline = await runComparison(SMALL_SPEC, { outDir, threads: 2, execArgv: TS_EXEC_ARGV, progress: 'off' });
});

describe('local comparison runs', () => {
  test('2 agents × 2 tasks × 2 seeds on 2 worker threads: 8 runs, one folder each, a report', () => {
    expect(baseline.stopped).toBe(false);
    expect(baseline.runs.map((r) => [r.plan.id, r.before.state, r.outcome?.state])).toEqual(
      ['reach-a', 'reach-b'].flatMap((data) =>
        [0, 1].flatMap((seed) =>
          ['LLMDPD', 'DiffusionQL'].map((agent) => [`${agent}__${data}__s${seed}`, 'absent', 'completed']),
        ),
      ),
    );
    const report = baseline.report!;
    expect(report.counts).toEqual({ completed: 8 });
    // Per agent: 2 data sources × 2 splits × 2 metrics (success, return) × final/best, plus per-task rows.
    expect(report.summary.filter((r) => r.agent === 'LLMDPD' && r.scope === 'split')).toHaveLength(16);
    expect(report.verdicts).toHaveLength(4);
    for (const v of report.verdicts)
      expect(v.line).toMatch(
        /: (no difference measured \(the intervals overlap\)|\S+ higher \(the intervals do not overlap\))\.$/,
      );
    // Each run stayed on one worker thread; both threads worked.
    const threads = new Set(baseline.runs.map((r) => r.outcome!.threadId));
    expect(threads.size).toBe(2);
    expect(threads.has(0)).toBe(false);
    const run = join(outDir, 'runs', 'LLMDPD__reach-a__s1');
    const params = JSON.parse(readFileSync(join(run, 'params.json'), 'utf8')) as Record<string, unknown>;
    expect(params).toMatchObject({
      format: 'llmdpd-run',
      version: 1,
      agent: 'LLMDPDAgent',
      seed: 1,
      data: {
        kind: 'suite',
        name: 'reach-a',
        comparison: { agent: 'LLMDPD', data: 'reach-a', key: baseline.runs[2].plan.key },
      },
      library: { name: 'llmdpd' },
    });
    expect(String(params.commit)).toMatch(/^[0-9a-f]{40}$|^null$/);
    expect(readFileSync(join(run, 'evaluations.csv'), 'utf8').split('\n')[0]).toBe(
      'step,epoch,seconds,eval/reach-north-near/success,eval/reach-north-near/return,eval/reach-south-near/success,eval/reach-south-near/return',
    );
  });

  test('running the spec again skips every finished run and gives the same report', async () => {
    const again = await runComparison(SMALL_SPEC, { outDir, threads: 2, execArgv: TS_EXEC_ARGV, progress: 'off' });
    expect(again.runs.every((r) => r.before.state === 'completed' && r.outcome === null)).toBe(true);
    expect(numbers(again.report!.summary)).toBe(numbers(baseline.report!.summary));
  });

  test('corrupt or partial run folders are detected, kept aside and run again', async () => {
    const runs = join(outDir, 'runs');
    const evals = join(runs, 'DiffusionQL__reach-b__s0', 'evaluations.jsonl');
    writeFileSync(evals, readFileSync(evals, 'utf8').slice(0, -20)); // a torn last line
    const metrics = join(runs, 'LLMDPD__reach-a__s1', 'metrics.jsonl');
    writeFileSync(metrics, readFileSync(metrics, 'utf8').split('\n').slice(0, 2).join('\n') + '\n'); // rows lost
    const lines: string[] = [];
    const result = await runComparison(SMALL_SPEC, {
      outDir,
      threads: 0, // in this thread: also checks that threads and the calling thread agree
      progress: 'lines',
      stream: { write: (t: string) => lines.push(t) },
    });
    const redone = result.runs.filter((r) => r.outcome !== null);
    expect(redone.map((r) => [r.plan.id, r.before.state, r.outcome?.state, r.outcome?.resumedFrom])).toEqual([
      ['LLMDPD__reach-a__s1', 'restart', 'completed', null],
      ['DiffusionQL__reach-b__s0', 'restart', 'completed', null],
    ]);
    expect(redone[0].before.reason).toMatch(/^marked completed but metrics.jsonl has rows at steps \[5, 10\]/);
    expect(redone[1].before.reason).toMatch(/The last line of evaluations.jsonl \(line 2\) was cut off/);
    expect(redone[0].movedTo).toMatch(/LLMDPD__reach-a__s1\.corrupt-/);
    expect(readFileSync(join(redone[0].movedTo!, 'metrics.jsonl'), 'utf8').split('\n')).toHaveLength(3);
    expect(numbers(result.report!.summary)).toBe(numbers(baseline.report!.summary));
    expect(lines.at(-1)).toMatch(/^compare: runs 8\/8 done \| 0 running \| 0 queued \| steps 160\/160 \(100%\)/);
  });

  test('a stopped comparison resumes from its checkpoints to the same numbers', async () => {
    const dir = tempDir('llmdpd-compare-resume-');
    const controller = new AbortController();
    // Stop as soon as the grid has done 15 of its 160 steps (mid-run: checkpoints every 10).
    const stream = {
      write: (text: string) => {
        const done = /steps (\d+)\//.exec(text);
        if (done !== null && Number(done[1]) >= 15) controller.abort();
        return true;
      },
    };
    const first = await runComparison(SMALL_SPEC, {
      outDir: dir,
      threads: 0,
      progress: 'bar',
      stream,
      signal: controller.signal,
    });
    expect(first.stopped).toBe(true);
    expect(first.report).toBeNull();
    expect(first.runs[0].outcome).toMatchObject({ state: 'stopped', step: 10 });
    expect(first.runs.slice(1).every((r) => r.outcome?.state === 'stopped' && r.outcome.step === 0)).toBe(true);
    const second = await runComparison(SMALL_SPEC, { outDir: dir, threads: 0, progress: 'off' });
    expect(second.runs[0]).toMatchObject({
      before: { state: 'resumable', step: 10 },
      outcome: { state: 'completed', resumedFrom: 10 },
    });
    expect(numbers(second.report!.summary)).toBe(numbers(baseline.report!.summary));
    // Every metrics row exactly once, and the same rows as a run never stopped (time aside).
    const rows = (root: string) =>
      readFileSync(join(root, 'runs', 'LLMDPD__reach-a__s0', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => {
          const { seconds: _s, ...rest } = JSON.parse(l) as Record<string, number>;
          return rest;
        });
    expect(rows(dir).map((r) => r.step)).toEqual([5, 10, 15, 20]);
    expect(rows(dir)).toEqual(rows(outDir));
  });

  test('other data sources: the landmark suite (with its unseen subsets) and a D4RL file (normalised scores)', async () => {
    const dir = tempDir('llmdpd-compare-sources-');
    await loadMujocoRuntime();
    const hopper = join(dir, 'hopper_random-v2.hdf5');
    await collectDataset('Hopper-v4', () => new Float32Array([0.1, -0.2, 0.3]), {
      episodes: 3,
      seed: 0,
      maxEpisodeSteps: 40,
      d4rlPath: hopper,
    });
    const result = await runComparison(
      {
        name: 'sources',
        agents: [{ class: 'LLMDPD', preset: 'tiny' }],
        data: [
          { kind: 'suite', suite: 'pointmass-landmarks', transitionsPerTask: 100 },
          { kind: 'd4rl', path: hopper, datasetId: 'hopper-random-v2' },
        ],
        seeds: [0],
        steps: 10,
        evaluation: { episodes: 1, maxEpisodeSteps: 30 },
        bootstrap: { reps: 200 },
      },
      { outDir: dir, threads: 0, progress: 'off' },
    );
    expect(result.runs.map((r) => r.outcome?.state)).toEqual(['completed', 'completed']);
    const rows = result.report!.summary.filter((r) => r.which === 'final' && r.scope !== 'task');
    expect(
      rows
        .filter((r) => r.data === 'pointmass-landmarks' && r.metric === 'success')
        .map((r) => [r.scope, r.name, r.tasks]),
    ).toEqual([
      ['split', 'seen', 12],
      ['split', 'unseen', 24],
      ['subset', 'unseen-combination', 12],
      ['subset', 'unseen-paraphrase', 12],
    ]);
    const d4rl = rows.find((r) => r.data === 'hopper-random-v2' && r.metric === 'normalized')!;
    expect(d4rl.tasks).toBe(1);
    expect(Number.isFinite(d4rl.mean)).toBe(true);
    const md = readFileSync(join(dir, 'report', 'report.md'), 'utf8');
    expect(md).toContain('unseen-paraphrase: IQM');
    expect(md).toContain('### normalised score, at the end of training');
  });

  test('task conditioners: task-id (unseen tasks not evaluated), features from the task parameters', async () => {
    const result = await runComparison(
      {
        ...SMALL_SPEC,
        name: 'conditioners',
        agents: [
          {
            class: 'DiffusionQL',
            name: 'DQL-task-id',
            preset: 'tiny',
            conditioner: { kind: 'task-id', embeddingDim: 4 },
          },
          { class: 'BC', preset: 'tiny', conditioner: { kind: 'features', paramKeys: ['goalX', 'goalY'] } },
        ],
        data: [SMALL_SPEC.data[0]],
        seeds: [0],
        steps: 10,
        evaluation: { every: 10, episodes: 2 },
      },
      { outDir: tempDir('llmdpd-compare-cond-'), threads: 0, progress: 'off' },
    );
    expect(result.runs.map((r) => [r.plan.id, r.outcome?.state, r.outcome?.error])).toEqual([
      ['DQL-task-id__reach-a__s0', 'completed', undefined],
      ['BC__reach-a__s0', 'completed', undefined],
    ]);
    const finalOf = (agent: string) => result.report!.runs.find((r) => r.agent === agent)!.final!;
    expect(Object.keys(finalOf('DQL-task-id')).filter((k) => k.startsWith('eval/'))).toEqual([
      'eval/reach-north-near/success',
      'eval/reach-north-near/return',
    ]);
    expect(Object.keys(finalOf('BC')).filter((k) => k.startsWith('eval/'))).toHaveLength(4);
    const params = JSON.parse(
      readFileSync(join(result.outDir, 'runs', 'DQL-task-id__reach-a__s0', 'params.json'), 'utf8'),
    ) as {
      config: { conditioner: unknown };
    };
    expect(params.config.conditioner).toEqual({ kind: 'task-id', embeddingDim: 4, tasks: ['reach-north-near'] });
  });

  test('running from sources without a loader for threads is refused with what to do', async () => {
    await expect(
      runComparison(SMALL_SPEC, { outDir: tempDir('llmdpd-x-'), threads: 2, progress: 'off' }),
    ).rejects.toThrow(ConfigError);
  });
});
