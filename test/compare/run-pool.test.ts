/**
 * Worker threads inherit the process's options when no execArgv is given. Node refuses V8 flags
 * (`--single-threaded-gc`, `--max-old-space-size`, …) in an explicit `execArgv`, so a pool that
 * passed `process.execArgv` on failed in any process started with one
 * (ERR_WORKER_INVALID_EXEC_ARGV), and `node --single-threaded-gc` is what gives a grid that fills
 * every core its best throughput (BENCHMARKS.md, "Comparison runner").
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/architecture.js';
import { TS_EXEC_ARGV } from './support/grid.js';

test('a process started with V8 flags runs its grid on worker threads', () => {
  const fixture = join(REPO_ROOT, 'test', 'compare', 'fixtures', 'inherit-flags.ts');
  const result = spawnSync(
    process.execPath,
    ['--single-threaded-gc', '--max-old-space-size=2048', ...TS_EXEC_ARGV, fixture],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  expect(result.stderr).not.toMatch(/ERR_WORKER_INVALID_EXEC_ARGV/);
  expect(result.status).toBe(0);
  expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toEqual(['completed']);
}, 150_000);
