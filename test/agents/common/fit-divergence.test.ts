// fit stops on divergence: a metric that is not finite, or a checkpoint whose weights are not
// (the checkpoint writer refuses them). The learning-rate-1e6 runs of real agents are in the
// bad-input corpus (test/corpus/cases-non-finite.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FitHost, runFit } from '../../../src/agents/common/fit-loop.js';
import type { Metrics } from '../../../src/agents/agent.js';
import { createBatch } from '../../../src/core/batch.js';
import { DivergenceError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/rng.js';
import type { LogRow, TrainingLogger } from '../../../src/core/run/index.js';
import { randomBuffer } from '../../support/agent-conformance.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'llmdpd-divergence-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A host whose update returns `metricsAt(step)` and whose checkpoint writer calls `save(step, dir)`. */
function host(
  metricsAt: (step: number) => Metrics,
  save: (step: number, dir: string) => void = () => {},
): FitHost<object> {
  let step = 0;
  return {
    agent: { config: { seed: 0 } },
    get step() {
      return step;
    },
    samplerRng: new Rng(0),
    batch: createBatch(4, 3, 2),
    label: 'fake',
    update: (_batch, read) => {
      step += 1;
      return read ? metricsAt(step) : null;
    },
    saveCheckpoint: (dir) => save(step, dir),
  };
}

function recorder(): TrainingLogger & { rows: LogRow[] } {
  const rows: LogRow[] = [];
  return { rows, metrics: (row) => rows.push(row), evaluation: () => {} };
}

async function rejection(p: Promise<unknown>): Promise<DivergenceError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DivergenceError) return e;
    throw e;
  }
  throw new Error('fit completed');
}

test('a non-finite metric stops fit at that step, before any logger sees the row', async () => {
  const logger = recorder();
  const h = host((s) => ({ 'loss/critic': s === 7 ? Infinity : 1 / s, 'loss/actor': 0.5 }));
  const error = await rejection(
    runFit(h, randomBuffer(3, 2, 32), { steps: 20, logEvery: 1, stepsPerEpoch: 5, progress: 'off', loggers: [logger] }),
  );
  expect([error.step, error.metric]).toEqual([7, 'loss/critic']);
  expect(error.message).toMatch(/^Training diverged: metric 'loss\/critic' is Infinity at step 7\. fit stopped;/);
  expect(logger.rows.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
  expect(h.step).toBe(7);
});

test('metrics are checked whenever they are read: with logEvery 4, a NaN at step 8 is caught at step 8', async () => {
  const error = await rejection(
    runFit(
      host((s) => ({ 'value/qMean': s >= 6 ? NaN : 0 })),
      randomBuffer(3, 2, 32),
      {
        steps: 20,
        logEvery: 4,
        stepsPerEpoch: 20,
        progress: 'off',
      },
    ),
  );
  expect([error.step, error.metric]).toEqual([8, 'value/qMean']);
});

test('weights found non-finite at a checkpoint: fit stops, status.json says failed, the last good checkpoint stays', async () => {
  const logDir = join(root, 'run');
  const saved: number[] = [];
  const save = (step: number) => {
    if (step >= 10)
      throw new DivergenceError(
        `Refusing to save a checkpoint of step ${step}: actor/0 holds NaN.`,
        step,
        'weights actor/0',
      );
    saved.push(step);
  };
  const error = await rejection(
    runFit(
      host(() => ({ 'loss/actor': 1 }), save),
      randomBuffer(3, 2, 32),
      {
        steps: 20,
        stepsPerEpoch: 5,
        progress: 'off',
        logDir,
      },
    ),
  );
  expect(saved).toEqual([5]);
  expect([error.step, error.metric]).toEqual([10, 'weights actor/0']);
  expect(error.message).toMatch(
    /^Training diverged: the weights are not finite at step 10, so no checkpoint was written; the last good checkpoint \(step 5\) stays in .*checkpoint\. Refusing to save/,
  );
  const status = JSON.parse(readFileSync(join(logDir, 'status.json'), 'utf8')) as Record<string, unknown>;
  expect(status['state']).toBe('failed');
  expect(status['checkpointStep']).toBe(5);
  expect(String(status['error'])).toMatch(/^DivergenceError: Training diverged: the weights are not finite at step 10/);
});

test("keepBest's best checkpoint is refused the same way: fit stops, naming the folder it did not write", async () => {
  const best = join(root, 'best');
  const saved: number[] = [];
  const save = (step: number, dir: string) => {
    expect(dir).toBe(best);
    if (step >= 10)
      throw new DivergenceError(
        `Refusing to save a checkpoint of step ${step}: critic/1 holds NaN.`,
        step,
        'weights critic/1',
      );
    saved.push(step);
  };
  let epochs = 0;
  const error = await rejection(
    runFit(
      host(() => ({ 'loss/actor': 1 }), save),
      randomBuffer(3, 2, 32),
      {
        steps: 20,
        stepsPerEpoch: 5,
        progress: 'off',
        evaluators: { score: () => ++epochs },
        keepBest: { evaluator: 'score', dir: best },
      },
    ),
  );
  expect(saved).toEqual([5]);
  expect([error.step, error.metric]).toEqual([10, 'weights critic/1']);
  expect(error.message).toMatch(
    /^Training diverged: the weights are not finite at step 10, so no best checkpoint was written to .*best; no checkpoint was being written\. Refusing to save/,
  );
});
