/**
 * Shared pieces of the comparison-runner tests: a small spec, the TypeScript loader flags for
 * worker threads and processes, a private Redis server, and `llmdpd worker` processes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SummaryRow } from '../../../src/compare/aggregate.js';
import { REPO_ROOT } from '../../support/architecture.js';

/** Node flags that let worker threads and processes run the TypeScript sources. */
export const TS_EXEC_ARGV: readonly string[] = [
  '--import',
  pathToFileURL(join(REPO_ROOT, 'test', 'support', 'ts-register.mjs')).href,
];

/** 2 agents × 2 tasks × 2 seeds, tiny networks and steps: 8 runs of a second or two each. */
export const SMALL_SPEC = {
  name: 'grid-test',
  agents: [
    { class: 'LLMDPD', preset: 'tiny' },
    { class: 'DiffusionQL', preset: 'tiny' },
  ],
  data: [
    {
      kind: 'suite',
      name: 'reach-a',
      suite: 'pointmass-reach',
      transitionsPerTask: 150,
      split: { seen: ['reach-north-near'], unseen: ['reach-south-near'] },
    },
    {
      kind: 'suite',
      name: 'reach-b',
      suite: 'pointmass-reach',
      transitionsPerTask: 150,
      split: { seen: ['reach-east-near'], unseen: ['reach-west-near'] },
    },
  ],
  seeds: [0, 1],
  steps: 20,
  logEvery: 5,
  checkpointEvery: 10,
  evaluation: { every: 10, episodes: 2 },
  bootstrap: { reps: 1000 },
};

/** A fresh temporary folder. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The summary rows without what may differ between executions (nothing, today). */
export function numbers(summary: readonly SummaryRow[]): string {
  return JSON.stringify(summary);
}

/** True when `redis-server` is installed. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The environment variable that lets a developer without redis-server skip the queue tests. */
export const SKIP_QUEUE_TESTS_ENV = 'LLMDPD_SKIP_QUEUE_TESTS';

/**
 * Whether the queue tests run: `run` with redis-server installed; `skip` only when a developer
 * asked for it (`LLMDPD_SKIP_QUEUE_TESTS=1`, refused under CI, where `CI` is set); otherwise
 * `missing`, and the tests fail saying what to install. A missing server never passes silently.
 */
export function queueTestPolicy(
  haveRedisServer: boolean,
  env: Readonly<Record<string, string | undefined>>,
): { readonly mode: 'run' | 'skip' | 'missing'; readonly message: string } {
  if (haveRedisServer) return { mode: 'run', message: '' };
  const install =
    "the queue tests need Debian's redis-server (apt-get install -y redis-server; they start and stop their own server on 127.0.0.1)";
  const ci = env['CI'] !== undefined && env['CI'] !== '' && env['CI'] !== 'false';
  if (env[SKIP_QUEUE_TESTS_ENV] === '1' && !ci)
    return {
      mode: 'skip',
      message: `Skipping the queue tests (${SKIP_QUEUE_TESTS_ENV}=1): redis-server is not installed; ${install}.`,
    };
  return {
    mode: 'missing',
    message:
      `redis-server is not installed: ${install}.` +
      (ci ? ' CI must install it (.ci/run).' : ` To skip them on this machine instead, set ${SKIP_QUEUE_TESTS_ENV}=1.`),
  };
}

/** A Redis server of this test process on 127.0.0.1, on a free port, persisting nothing. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** Stops the server. */
  stop(): Promise<void>;
}

/** Starts `redis-server` on a free non-default port and waits until it answers. */
export async function startRedis(): Promise<RedisServer> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setInterval(() => {
        if (output.includes('Ready to accept connections')) finish(true);
      }, 50);
      const finish = (ok: boolean) => {
        clearInterval(timer);
        resolve(ok);
      };
      child.once('exit', () => finish(false));
      setTimeout(() => finish(false), 10_000);
    });
    if (ready)
      return {
        url: `redis://127.0.0.1:${port}`,
        stop: () =>
          new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      };
    child.kill('SIGKILL');
  }
  throw new Error('Could not start redis-server on a free port.');
}

/** An `llmdpd worker` process started from the sources, with its log. */
export interface WorkerProcess {
  /** The process. */
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  log(): string;
  /** Resolves with the exit code (or signal) once it has ended. */
  readonly exited: Promise<number | string>;
}

/** Starts `llmdpd worker --queue URL ...` as a child process running the TypeScript sources. */
export function startWorker(url: string, queueName: string, extra: readonly string[] = []): WorkerProcess {
  const child = spawn(
    process.execPath,
    [
      ...TS_EXEC_ARGV,
      join(REPO_ROOT, 'test', 'compare', 'support', 'cli.ts'),
      'worker',
      '--queue',
      url,
      '--queue-name',
      queueName,
      '--threads',
      '1',
      ...extra,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { child, log: () => text, exited };
}

/** Waits until `condition` holds (polling), or fails after `ms`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Timed out after ${ms} ms waiting for ${what}.`);
}
