import { jest } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiffusionQLAgent } from '../../../src/agents/diffusion-ql.js';
import { readRunFolder } from '../../../src/core/run/index.js';
import type { LogRow, TrainingLogger } from '../../../src/core/run/index.js';
import { initEngine } from '../../../src/engine/index.js';
import { randomBuffer } from '../../support/agent-conformance.js';
import { FakeTerminal } from '../../support/fake-terminal.js';

const SMALL = {
  observationDim: 4,
  actionDim: 2,
  batchSize: 8,
  hiddenDims: [16, 16],
  criticHiddenDims: [16, 16],
  actionCandidates: 4,
  diffusionSteps: 3,
  seed: 1,
};

let root: string;
beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'llmdpd-fitlog-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function captureStderr(): { lines: () => string[]; restore: () => void } {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((t) => (chunks.push(String(t)), true));
  return { lines: () => chunks.join('').split('\n').filter(Boolean), restore: () => spy.mockRestore() };
}

test('fit with logDir writes the run folder as it trains and prints one line per epoch with the evaluation', async () => {
  const dir = join(root, 'run');
  const agent = new DiffusionQLAgent(SMALL);
  const seen: { metrics: LogRow[]; evaluations: LogRow[]; closed: number } = {
    metrics: [],
    evaluations: [],
    closed: 0,
  };
  const spyLogger: TrainingLogger = {
    metrics: (r) => seen.metrics.push(r),
    evaluation: (r) => seen.evaluations.push(r),
    close: () => seen.closed++,
  };
  let evaluations = 0;
  const out = captureStderr();
  let midRun: ReturnType<typeof readRunFolder> | null = null;
  try {
    await agent.fit(randomBuffer(4, 2), {
      steps: 30,
      stepsPerEpoch: 10,
      logEvery: 5,
      progress: 'lines',
      logDir: dir,
      loggers: [spyLogger],
      dataInfo: { file: 'toy.hdf5' },
      evaluators: { score: () => ++evaluations * 10 },
      onEpoch: (r) => {
        if (r.epoch === 2) midRun = readRunFolder(dir);
      },
    });
  } finally {
    out.restore();
  }
  // One line per epoch, each with the evaluation result.
  expect(out.lines()).toHaveLength(3);
  out
    .lines()
    .forEach((line, i) =>
      expect(line).toMatch(
        new RegExp(
          `^Diffusion-QL epoch ${i + 1}/3 step ${(i + 1) * 10}/30 eval/score=${(i + 1) * 10}\\.00 time=.* loss/critic=`,
        ),
      ),
    );
  // Mid-run: rows of the first two epochs are on disk already and the status is running.
  expect(midRun!.state).toBe('running');
  expect(midRun!.metrics.map((r) => r.step)).toEqual([5, 10, 15, 20]);
  expect(midRun!.status!.checkpointStep).toBe(20);

  const run = readRunFolder(dir);
  expect(run.params).toMatchObject({
    agent: 'DiffusionQLAgent',
    seed: 1,
    data: { file: 'toy.hdf5' },
    fit: { steps: 30, stepsPerEpoch: 10, logEvery: 5, checkpointEvery: 1, evaluators: ['score'] },
    engine: { backend: 'wasm' },
  });
  expect(run.params.config).toMatchObject(SMALL);
  expect(run.status).toMatchObject({ state: 'completed', step: 30, targetSteps: 30, checkpointStep: 30 });
  expect(run.metrics.map((r) => [r.step, r.epoch])).toEqual([
    [5, 1],
    [10, 1],
    [15, 2],
    [20, 2],
    [25, 3],
    [30, 3],
  ]);
  expect(Object.keys(run.metrics[0].values)).toEqual(['loss/critic', 'loss/actor', 'loss/bc', 'value/qMean']);
  expect(run.evaluations.map((r) => [r.step, r.values['eval/score']])).toEqual([
    [10, 10],
    [20, 20],
    [30, 30],
  ]);
  expect(run.hasCheckpoint).toBe(true);
  expect(seen.metrics).toEqual(run.metrics);
  expect(seen.evaluations).toEqual(run.evaluations);
  expect(seen.closed).toBe(1);
  expect(DiffusionQLAgent.load(run.paths.checkpoint).step).toBe(30);

  // The same folder continues only with the agent loaded from its checkpoint.
  await expect(
    new DiffusionQLAgent(SMALL).fit(randomBuffer(4, 2), { steps: 10, progress: 'off', logDir: dir }),
  ).rejects.toThrow(/already holds a run \(completed at step 30\)/);
  const resumed = DiffusionQLAgent.load(run.paths.checkpoint);
  await resumed.fit(randomBuffer(4, 2), { steps: 10, stepsPerEpoch: 10, logEvery: 5, progress: 'off', logDir: dir });
  const continued = readRunFolder(dir);
  expect(continued.metrics.map((r) => [r.step, r.epoch])).toEqual([
    ...run.metrics.map((r) => [r.step, r.epoch]),
    [35, 4],
    [40, 4],
  ]);
  expect(continued.metrics[6].seconds).toBeGreaterThanOrEqual(run.metrics[5].seconds);
  expect(continued.status).toMatchObject({ state: 'completed', step: 40, targetSteps: 40, checkpointStep: 40 });
  expect(continued.params.resumes).toHaveLength(1);
  agent.dispose();
  resumed.dispose();
}, 60_000);

test('an aborted fit leaves status stopped with the reason; a failing evaluator leaves failed', async () => {
  const agent = new DiffusionQLAgent(SMALL);
  const controller = new AbortController();
  await expect(
    agent.fit(randomBuffer(4, 2), {
      steps: 40,
      stepsPerEpoch: 10,
      progress: 'off',
      logDir: join(root, 'aborted'),
      signal: controller.signal,
      onEpoch: (r) => {
        if (r.epoch === 2) controller.abort(new Error('user pressed Ctrl-C'));
      },
    }),
  ).rejects.toThrow('user pressed Ctrl-C');
  const aborted = readRunFolder(join(root, 'aborted'));
  expect(aborted.status).toMatchObject({
    state: 'stopped',
    step: 20,
    checkpointStep: 20,
    error: 'aborted: Error: user pressed Ctrl-C',
  });
  expect(aborted.finished).toBe(false);

  await expect(
    agent.fit(randomBuffer(4, 2), {
      steps: 10,
      progress: 'off',
      logDir: join(root, 'failed'),
      evaluators: {
        broken: () => {
          throw new RangeError('env exploded');
        },
      },
    }),
  ).rejects.toThrow('env exploded');
  expect(readRunFolder(join(root, 'failed')).status).toMatchObject({
    state: 'failed',
    error: 'RangeError: env exploded',
  });
  expect(existsSync(join(root, 'failed', 'checkpoint'))).toBe(false);
  agent.dispose();
}, 60_000);

test('fit with a bar on a fake 80-column terminal never wraps and leaves one line per epoch above the bar', async () => {
  const term = new FakeTerminal(80);
  const had = Object.getOwnPropertyDescriptor(process.stderr, 'columns');
  Object.defineProperty(process.stderr, 'columns', { value: 80, configurable: true });
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((t) => term.write(String(t)));
  const agent = new DiffusionQLAgent(SMALL);
  try {
    await agent.fit(randomBuffer(4, 2), {
      steps: 30,
      stepsPerEpoch: 10,
      logEvery: 2,
      progress: 'bar',
      evaluators: { 'a-long-evaluator-name': () => 123.456 },
    });
  } finally {
    spy.mockRestore();
    if (had) Object.defineProperty(process.stderr, 'columns', had);
    else delete (process.stderr as { columns?: number }).columns;
    agent.dispose();
  }
  expect(term.wraps).toBe(0);
  expect(term.rows.filter(Boolean)).toHaveLength(4);
  term.rows
    .slice(0, 3)
    .forEach((row, i) =>
      expect(row).toMatch(new RegExp(`^Diffusion-QL epoch ${i + 1}/3 .* eval/a-long-evaluator-name=123\\.5`)),
    );
  expect(term.rows[3]).toMatch(/^Diffusion-QL (\[#+\] )?30\/30 100% .* eval\/a-long-evaluator-name=123\.5/);
  for (const row of term.rows) expect(row.length).toBeLessThan(80);
}, 60_000);
