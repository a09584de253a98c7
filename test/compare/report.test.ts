import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aggregateRuns, readRuns } from '../../src/compare/aggregate.js';
import { groupedBarChart, lineChart } from '../../src/compare/charts.js';
import { writeReport } from '../../src/compare/report.js';
import { RunFolderWriter } from '../../src/core/run/writer.js';
import { aggregateIqm, aggregateMean, stratifiedBootstrapCi } from '../../src/compare/stats.js';

interface FakeRun {
  agent: string;
  data: string;
  seed: number;
  tasks: { name: string; split: 'seen' | 'unseen'; metric: string }[];
  /** Scores by evaluation step, one per task. */
  scores: Record<number, number[]>;
  state?: 'completed' | 'failed';
}

/** Writes run folders as the runner would, with chosen scores. */
function writeComparison(dir: string, runs: FakeRun[], agents: string[], data: string[]): void {
  mkdirSync(join(dir, 'runs'), { recursive: true });
  const planned = runs.map((r) => ({
    id: `${r.agent}__${r.data}__s${r.seed}`,
    key: 'k',
    agent: r.agent,
    data: r.data,
    seed: r.seed,
  }));
  writeFileSync(
    join(dir, 'comparison.json'),
    JSON.stringify({
      format: 'llmdpd-comparison',
      version: 1,
      spec: {
        name: 'fake',
        agents: agents.map((name) => ({ name })),
        data: data.map((name) => ({ name })),
        bootstrap: { reps: 2000, confidence: 0.95, seed: 0 },
      },
      runs: planned,
    }),
  );
  runs.forEach((r, i) => {
    const steps = Object.keys(r.scores).map(Number);
    const last = Math.max(...steps);
    const writer = RunFolderWriter.open(join(dir, 'runs', planned[i].id), {
      agent: `${r.agent}Agent`,
      config: {},
      seed: r.seed,
      data: { name: r.data, tasks: r.tasks, comparison: { key: 'k', agent: r.agent, data: r.data } },
      fit: {},
      engine: null,
      startStep: 0,
      targetSteps: last,
    });
    for (const step of steps) {
      const values: Record<string, number> = {};
      r.tasks.forEach((t, j) => {
        values[`eval/${t.name}/${t.metric}`] = r.scores[step][j];
        if (t.metric !== 'return') values[`eval/${t.name}/return`] = r.scores[step][j] * 100 - 50;
      });
      writer.evaluation({ step, epoch: step, seconds: step, values });
    }
    writer.metrics({ step: last, epoch: last, seconds: 12.5, values: {} });
    writer.finish(r.state ?? 'completed', last);
  });
}

const SUITE_TASKS = [
  { name: 'north', split: 'seen' as const, metric: 'success' },
  { name: 'east', split: 'seen' as const, metric: 'success' },
  { name: 'south', split: 'unseen' as const, metric: 'success' },
];

function suiteComparison(dir: string): void {
  // Agent A succeeds on unseen tasks, B does not; both are equal on seen tasks.
  const runs: FakeRun[] = [];
  const seen = [0.8, 0.9, 0.7];
  for (const [i, seed] of [0, 1, 2].entries()) {
    runs.push({
      agent: 'A',
      data: 'reach',
      seed,
      tasks: SUITE_TASKS,
      scores: { 10: [0.2, 0.3, 0.1], 20: [seen[i], seen[i], 0.6 + 0.1 * i] },
    });
    runs.push({
      agent: 'B',
      data: 'reach',
      seed,
      tasks: SUITE_TASKS,
      scores: { 10: [0.9, 0.9, 0], 20: [seen[2 - i], seen[i], 0] },
    });
  }
  runs.push({ agent: 'B', data: 'reach', seed: 3, tasks: SUITE_TASKS, scores: { 10: [0, 0, 0] }, state: 'failed' });
  writeComparison(dir, runs, ['A', 'B'], ['reach']);
}

describe('aggregation', () => {
  test('per task and per split: mean ± std over seeds, IQM and stratified intervals', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmdpd-report-'));
    suiteComparison(dir);
    const { runs } = readRuns(dir);
    expect(runs.map((r) => r.state)).toEqual([
      'completed',
      'completed',
      'completed',
      'completed',
      'completed',
      'completed',
      'failed',
    ]);
    const agg = aggregateRuns(runs, { bootstrap: { reps: 2000 } });
    const row = (agent: string, scope: string, name: string, which = 'final', metric = 'success') =>
      agg.summary.find(
        (r) => r.agent === agent && r.scope === scope && r.name === name && r.which === which && r.metric === metric,
      )!;
    // A on unseen: 0.6, 0.7, 0.8 over seeds.
    const unseen = row('A', 'split', 'unseen');
    expect(unseen.seeds).toBe(3);
    expect(unseen.mean).toBeCloseTo(0.7, 12);
    expect(unseen.std).toBeCloseTo(Math.sqrt(0.02 / 3), 12);
    expect(unseen.iqm).toBeCloseTo(0.7, 12);
    // A on seen: the matrix [[.8,.8],[.9,.9],[.7,.7]]; its intervals are those of the stats module.
    const seen = row('A', 'split', 'seen');
    const matrix = [
      [0.8, 0.8],
      [0.9, 0.9],
      [0.7, 0.7],
    ];
    const ci = stratifiedBootstrapCi(matrix, aggregateMean, { reps: 2000, seed: 0 });
    const iqmCi = stratifiedBootstrapCi(matrix, aggregateIqm, { reps: 2000, seed: 0 });
    expect(seen.meanCi).toEqual([ci.low, ci.high]);
    expect(seen.iqmCi).toEqual([iqmCi.low, iqmCi.high]);
    // std over seeds of each seed's mean over the tasks.
    expect(seen.std).toBeCloseTo(Math.sqrt(0.02 / 3), 12);
    // The failed run of B does not count.
    expect(row('B', 'split', 'unseen').seeds).toBe(3);
    // Per task.
    expect(row('B', 'task', 'north').mean).toBeCloseTo(0.8, 12);
    // Best: the evaluation with the highest mean seen score (B: step 10 with 0.9 seen).
    expect(row('B', 'split', 'seen', 'best').mean).toBeCloseTo(0.9, 12);
    expect(row('A', 'split', 'seen', 'best').mean).toBeCloseTo(0.8, 12);
    // Return rows exist too.
    expect(row('A', 'split', 'unseen', 'final', 'return').mean).toBeCloseTo(20, 10);
    // Learning curves: one point per evaluation step.
    const curve = agg.curves.find((c) => c.agent === 'A' && c.split === 'unseen')!;
    expect(curve.points.map((p) => p.step)).toEqual([10, 20]);
    expect(curve.points[1].mean).toBeCloseTo(0.7, 12);
    expect(curve.points[1].low).toBeLessThanOrEqual(0.7);
  });

  test('sources with normalised scores are also aggregated over sources', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmdpd-report-'));
    const runs: FakeRun[] = [];
    for (const data of ['hopper', 'walker'])
      for (const seed of [0, 1])
        runs.push({
          agent: 'A',
          data,
          seed,
          tasks: [{ name: data, split: 'seen', metric: 'normalized' }],
          scores: { 5: [data === 'hopper' ? 50 + seed : 70 + seed] },
        });
    writeComparison(dir, runs, ['A'], ['hopper', 'walker']);
    const agg = aggregateRuns(readRuns(dir).runs, { bootstrap: { reps: 500 } });
    const group = agg.summary.find((r) => r.scope === 'group' && r.which === 'final')!;
    expect(group).toMatchObject({ name: 'hopper + walker', seeds: 2, tasks: 2, metric: 'normalized' });
    expect(group.mean).toBeCloseTo(60.5, 12);
  });
});

describe('the report', () => {
  test('writes Markdown, CSV, JSON and SVG, with verdicts only where intervals separate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmdpd-report-'));
    suiteComparison(dir);
    const report = writeReport(dir);
    const files = readdirSync(join(dir, 'report')).sort();
    expect(files).toEqual([
      'bars-reach.svg',
      'curve-reach-seen.svg',
      'curve-reach-unseen.svg',
      'report.json',
      'report.md',
      'runs.csv',
      'summary.csv',
    ]);
    expect(report.verdicts.map((v) => [v.split, v.higher])).toEqual([
      ['seen', 'none'],
      ['unseen', 'A'],
    ]);
    expect(report.verdicts[0].line).toMatch(
      /^reach, seen tasks, success rate \(%\), IQM .*: no difference measured \(the intervals overlap\)\.$/,
    );
    expect(report.verdicts[1].line).toMatch(
      /A 70\.0 \[60\.0, 80\.0\] vs B 0\.0 \[0\.0, 0\.0\]: A higher \(the intervals do not overlap\)\.$/,
    );
    const md = readFileSync(join(dir, 'report', 'report.md'), 'utf8');
    expect(md).toContain('| A | 3 | 80.0 ± 8.2 |');
    expect(md).toContain('1 failed');
    expect(md).toContain('![reach unseen learning curves](curve-reach-unseen.svg)');
    const summary = readFileSync(join(dir, 'report', 'summary.csv'), 'utf8').split('\n');
    expect(summary[0]).toBe(
      'data,agent,scope,name,split,metric,which,seeds,tasks,mean,std,iqm,mean_ci_low,mean_ci_high,iqm_ci_low,iqm_ci_high',
    );
    const unseenLine = summary.find((l) => l.startsWith('reach,A,split,unseen,unseen,success,final,3,1,'))!;
    expect(Number(unseenLine.split(',')[9])).toBeCloseTo(0.7, 12);
    const runsCsv = readFileSync(join(dir, 'report', 'runs.csv'), 'utf8');
    expect(runsCsv).toContain('A__reach__s0,A,reach,0,completed,final,20,south,unseen,success,0.6\n');
    const svg = readFileSync(join(dir, 'report', 'curve-reach-unseen.svg'), 'utf8');
    expect(svg).toContain('<polygon');
    expect(svg).toContain('gradient steps');
    expect(svg).toContain('95% stratified bootstrap CI');
    // Reproducible: writing it again gives the same files.
    const json = readFileSync(join(dir, 'report', 'report.json'), 'utf8');
    writeReport(dir);
    expect(readFileSync(join(dir, 'report', 'report.json'), 'utf8')).toBe(json);
  });
});

describe('charts', () => {
  test('bars draw asymmetric intervals; lines draw bands and escape labels', () => {
    const bars = groupedBarChart({
      title: 'A & B',
      yLabel: 'IQM',
      groups: ['seen'],
      series: [{ name: 'A', bars: [{ value: 0.5, error: 0, low: 0.2, high: 0.9 }] }],
      yMax: 1,
    });
    expect(bars).toContain('A &amp; B');
    expect(bars).toContain('0.500 [0.200, 0.900]');
    const line = lineChart({
      title: 't',
      xLabel: 'steps',
      yLabel: 'success',
      series: [
        {
          name: '<x>',
          points: [
            { x: 0, y: 1, low: 0, high: 2 },
            { x: 10, y: 2, low: 1, high: 3 },
          ],
        },
      ],
    });
    expect(line).toContain('&lt;x&gt;');
    expect((line.match(/<polygon/g) ?? []).length).toBe(1);
    expect((line.match(/<circle/g) ?? []).length).toBe(2);
  });
});
