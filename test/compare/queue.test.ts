import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planRuns } from '../../src/compare/plan.js';
import { bundleKey, jobIdOf } from '../../src/compare/queue-common.js';
import { runComparison, type ComparisonResult } from '../../src/compare/runner.js';
import { parseComparisonSpec } from '../../src/compare/spec.js';
import {
  hasRedisServer,
  numbers,
  queueTestPolicy,
  SMALL_SPEC,
  startRedis,
  startWorker,
  tempDir,
  waitFor,
  type RedisServer,
  type WorkerProcess,
} from './support/grid.js';

// Queue mode against a private redis-server (Debian's redis-server package; CI installs it).
// About 1-3 minutes on 2 loaded cores: worker processes load the TypeScript sources.
jest.setTimeout(300_000);

// Without redis-server the queue tests fail (CI must install it); a developer skips them only
// explicitly, with LLMDPD_SKIP_QUEUE_TESTS=1 (support/grid.ts, queueTestPolicy).
const POLICY = queueTestPolicy(hasRedisServer(), process.env);
const HAVE_REDIS = POLICY.mode === 'run';
if (POLICY.mode === 'skip') console.warn(POLICY.message);
const describeWithRedis = HAVE_REDIS ? describe : describe.skip;

describe('the queue tests need redis-server', () => {
  test('redis-server is installed, or skipping was asked for explicitly', () => {
    if (POLICY.mode === 'missing') throw new Error(POLICY.message);
  });

  test('a missing redis-server fails unless LLMDPD_SKIP_QUEUE_TESTS=1 outside CI', () => {
    expect(queueTestPolicy(true, { CI: 'true' }).mode).toBe('run');
    expect(queueTestPolicy(false, {}).mode).toBe('missing');
    expect(queueTestPolicy(false, {}).message).toMatch(/apt-get install -y redis-server.*LLMDPD_SKIP_QUEUE_TESTS=1/);
    expect(queueTestPolicy(false, { LLMDPD_SKIP_QUEUE_TESTS: '1' }).mode).toBe('skip');
    expect(queueTestPolicy(false, { LLMDPD_SKIP_QUEUE_TESTS: 'yes' }).mode).toBe('missing');
    const ci = queueTestPolicy(false, { LLMDPD_SKIP_QUEUE_TESTS: '1', CI: 'true' });
    expect(ci.mode).toBe('missing');
    expect(ci.message).toMatch(/CI must install it \(\.ci\/run\)/);
  });
});

let redis: RedisServer;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  if (HAVE_REDIS) redis = await startRedis();
});

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  if (HAVE_REDIS) await redis.stop();
});

async function stopWorkers(list: WorkerProcess[]): Promise<void> {
  for (const w of list) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  await Promise.all(list.map((w) => w.exited));
}

describeWithRedis('queue mode (BullMQ on Redis)', () => {
  test('2 worker processes give the aggregates of a local run; enqueuing twice runs nothing twice', async () => {
    const local = await runComparison(SMALL_SPEC, { outDir: tempDir('llmdpd-q-local-'), threads: 0, progress: 'off' });
    const pair = [startWorker(redis.url, 'grid'), startWorker(redis.url, 'grid')];
    workers.push(...pair);
    const first: ComparisonResult = await runComparison(SMALL_SPEC, {
      outDir: tempDir('llmdpd-q-first-'),
      queue: redis.url,
      queueName: 'grid',
      progress: 'off',
    });
    expect(first.runs.every((r) => r.outcome?.state === 'completed')).toBe(true);
    expect(numbers(first.report!.summary)).toBe(numbers(local.report!.summary));
    const started = () => pair.map((w) => (w.log().match(/: started/g) ?? []).length);
    expect(started().reduce((a, b) => a + b)).toBe(8);
    expect(started().every((n) => n > 0)).toBe(true); // both processes worked

    // The same spec again, into another folder: the jobs exist and are complete, so the
    // coordinator only collects their folders.
    const second = await runComparison(SMALL_SPEC, {
      outDir: tempDir('llmdpd-q-second-'),
      queue: redis.url,
      queueName: 'grid',
      progress: 'off',
    });
    expect(numbers(second.report!.summary)).toBe(numbers(local.report!.summary));
    expect(started().reduce((a, b) => a + b)).toBe(8);
    const file = (root: string) => readFileSync(join(root, 'runs', 'LLMDPD__reach-b__s1', 'evaluations.jsonl'), 'utf8');
    expect(file(second.outDir)).toBe(file(first.outDir));
    await stopWorkers(pair);
    expect(pair.map((w) => w.log())).toEqual([
      expect.stringMatching(/worker done/),
      expect.stringMatching(/worker done/),
    ]);
  });

  test('a worker SIGKILLed mid-run: its job resumes on another worker and every run counts once', async () => {
    const spec = {
      ...SMALL_SPEC,
      name: 'kill-test',
      agents: [SMALL_SPEC.agents[0]],
      data: [SMALL_SPEC.data[0]],
      steps: 60,
      evaluation: { every: 10, episodes: 2 },
    };
    const local = await runComparison(spec, { outDir: tempDir('llmdpd-k-local-'), threads: 0, progress: 'off' });
    const plans = planRuns(parseComparisonSpec(spec));
    const queueName = 'kill';
    const pair = [
      startWorker(redis.url, queueName, ['--lock-duration', '2000']),
      startWorker(redis.url, queueName, ['--lock-duration', '2000']),
    ];
    workers.push(...pair);
    const running = runComparison(spec, {
      outDir: tempDir('llmdpd-k-queue-'),
      queue: redis.url,
      queueName,
      progress: 'off',
    });

    // Kill the worker of the first run once that run has uploaded a checkpoint, before it ends.
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    const target = plans[0];
    let victim: WorkerProcess | undefined;
    await waitFor(
      async () => {
        victim = pair.find((w) => w.log().includes(`${target.id}: started`));
        return victim !== undefined && (await client.exists(bundleKey(queueName, jobIdOf(target)))) === 1;
      },
      120_000,
      'the first checkpoint upload',
    );
    victim!.child.kill('SIGKILL');
    expect(await victim!.exited).toBe('SIGKILL');
    expect(victim!.log()).not.toMatch(new RegExp(`${target.id}: completed`));
    const survivor = pair.find((w) => w !== victim)!;
    const spare = startWorker(redis.url, queueName, ['--lock-duration', '2000']);
    workers.push(spare);

    const result = await running;
    client.disconnect();
    expect(result.runs.map((r) => r.outcome?.state)).toEqual(['completed', 'completed']);
    // Taken over after the lock expired, resumed from the uploaded checkpoint, not from 0.
    const takeover = [survivor, spare].map((w) => w.log()).join('\n');
    expect(takeover).toMatch(new RegExp(`${target.id}: started \\(attempt 1, 1 stalls so far\\)`));
    expect(takeover).toMatch(new RegExp(`${target.id}: completed \\(.* s, resumed from step [1-9]\\d*\\)`));
    // Every row exactly once, and the numbers of a run never interrupted.
    const steps = readFileSync(join(result.outDir, 'runs', target.id, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { step: number }).step);
    expect(steps).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]);
    expect(numbers(result.report!.summary)).toBe(numbers(local.report!.summary));
    await stopWorkers([survivor, spare]);
  });
});
