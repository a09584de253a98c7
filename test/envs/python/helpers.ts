/**
 * Shared pieces of the Python bridge tests: which interpreter to use, the fixture folder, and
 * process checks. The tests run with Debian's `/usr/bin/python3` when it exists (no numpy, no
 * gymnasium), else `python3` on PATH, or `$LLMDPD_TEST_PYTHON`. Without any Python 3.8+, every
 * bridge test is skipped with a message saying so.
 */
import { describe } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Folder of `toy_envs.py`; passed as `cwd` so `'toy_envs:DriftEnv'` resolves. */
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** The bridge file, as the library resolves it. */
export const BRIDGE_SCRIPT = fileURLToPath(new URL('../../../assets/python/llmdpd_bridge.py', import.meta.url));

function probe(python: string, code: string): boolean {
  const result = spawnSync(python, ['-c', code], { encoding: 'utf8', timeout: 20_000 });
  return result.status === 0;
}

function findPython(): string | undefined {
  const candidates = [
    process.env['LLMDPD_TEST_PYTHON'],
    existsSync('/usr/bin/python3') ? '/usr/bin/python3' : undefined,
    'python3',
  ];
  for (const candidate of candidates) {
    if (candidate !== undefined && probe(candidate, 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)'))
      return candidate;
  }
  return undefined;
}

/** The interpreter the tests use, or `undefined` when there is none. */
export const PYTHON = findPython();

/** An interpreter that has numpy (for the numpy test), or `undefined`. */
export const NUMPY_PYTHON = [PYTHON, 'python3'].find((p) => p !== undefined && probe(p, 'import numpy'));

if (PYTHON === undefined) {
  console.warn(
    'Python bridge tests SKIPPED: no Python 3.8+ found (tried $LLMDPD_TEST_PYTHON, /usr/bin/python3, python3). Install it (Debian: apt-get install python3) to run them.',
  );
}

/** `describe` when a Python is available, else `describe.skip`. */
export const describeWithPython: (name: string, fn: () => void) => void =
  PYTHON === undefined ? describe.skip : describe;

/** True while a process with this pid exists (a zombie counts as existing). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits until the pid is gone (reaped), polling every 20 ms; false after `ms`. */
export async function waitForPidGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!pidExists(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return !pidExists(pid);
}
