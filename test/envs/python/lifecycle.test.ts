/**
 * The Python process's lifecycle: close() ends and reaps it (no zombie), SIGTERM closes the envs
 * before exiting, and it goes away with its parent however the parent ends: returning without
 * close(), process.exit, SIGKILL while idle, SIGKILL while Python is busy in a call. The parent
 * cases run child/bridge-parent.ts in a Node process of its own.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvError } from '../../../src/core/errors.js';
import { makePythonEnv, PythonEnvError, PythonProcessError } from '../../../src/envs/python/index.js';
import { FIXTURES, PYTHON, describeWithPython, pidExists, waitForPidGone } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'llmdpd-pybridge-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let markers = 0;
function markerFile(): string {
  return join(scratch, `closed-${++markers}.txt`);
}

function readMarker(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** True when the pid is gone or a zombie: an orphan is reaped by init, not by us. */
function exited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return !pidExists(pid);
  }
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end && !exited(pid)) await new Promise((r) => setTimeout(r, 25));
  return exited(pid);
}

const CHILD = fileURLToPath(new URL('./child/bridge-parent.ts', import.meta.url));
const REGISTER = fileURLToPath(new URL('./child/register-ts.mjs', import.meta.url));

/** Runs the parent script in `mode`; resolves with the Python pid it printed and how it ended. */
function runParent(
  mode: string,
  marker: string,
): Promise<{ pythonPid: number; code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', REGISTER, CHILD, mode, PYTHON as string, FIXTURES, marker], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the parent (${mode}) did not end within 90 s; stdout ${stdout}, stderr ${stderr}`));
    }, 90_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const pythonPid = Number.parseInt(stdout.trim(), 10);
      if (!Number.isInteger(pythonPid)) reject(new Error(`the parent printed no pid; stderr: ${stderr}`));
      else resolve({ pythonPid, code, signal, stderr });
    });
  });
}

describeWithPython('close()', () => {
  it('closes the env in Python, ends the process and reaps it', async () => {
    const marker = markerFile();
    const env = await makePythonEnv('toy_envs:DriftEnv', {
      python: PYTHON,
      cwd: FIXTURES,
      kwargs: { close_marker: marker },
    });
    await env.reset({ seed: 0 });
    const pid = env.pid;
    expect(pidExists(pid)).toBe(true);
    await env.close();
    expect(pidExists(pid)).toBe(false); // gone, not a zombie: kill(pid, 0) fails
    expect(env.exit).toEqual({ exitCode: 0, signal: null });
    expect(readMarker(marker)).toBe('closed drift\n');
    await expect(env.close()).resolves.toBeUndefined(); // safe twice
    await expect(env.step(Float32Array.of(0))).rejects.toThrow(EnvError);
    await expect(env.step(Float32Array.of(0))).rejects.toThrow(
      /step\(\) of toy_envs:DriftEnv was called after close\(\)/,
    );
  });

  it('reports an exception from the env’s close() and still ends the process', async () => {
    const env = await makePythonEnv('toy_envs:DriftEnv', {
      python: PYTHON,
      cwd: FIXTURES,
      kwargs: { fail_close: true },
    });
    const error = await env.close().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PythonEnvError);
    expect((error as PythonEnvError).operation).toBe('close');
    expect((error as PythonEnvError).pythonMessage).toBe('could not release the simulator');
    expect(pidExists(env.pid)).toBe(false);
    await expect(env.close()).resolves.toBeUndefined(); // reported once
  });

  it('waits for calls in flight, then closes', async () => {
    const env = await makePythonEnv('toy_envs:DriftEnv', { python: PYTHON, cwd: FIXTURES });
    await env.reset({ seed: 0 });
    const steps = [env.step(Float32Array.of(0)), env.step(Float32Array.of(0))];
    await env.close();
    await expect(Promise.all(steps)).resolves.toHaveLength(2);
    expect(pidExists(env.pid)).toBe(false);
  });
});

describeWithPython('signals and the parent’s end', () => {
  it('SIGTERM closes the envs, then the process exits with 143', async () => {
    const marker = markerFile();
    const env = await makePythonEnv('toy_envs:DriftEnv', {
      python: PYTHON,
      cwd: FIXTURES,
      kwargs: { close_marker: marker },
    });
    await env.reset({ seed: 0 });
    process.kill(env.pid, 'SIGTERM');
    expect(await waitForPidGone(env.pid, 5000)).toBe(true);
    const error = await env.step(Float32Array.of(0)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PythonProcessError);
    expect((error as PythonProcessError).exitCode).toBe(143);
    expect(readMarker(marker)).toBe('closed drift\n');
  });

  // The four parents start together (each takes seconds to load the TypeScript sources).
  type ParentRun = Awaited<ReturnType<typeof runParent>>;
  const modes = ['return', 'exit', 'sigkill', 'sigkill-busy'] as const;
  const runs = new Map<string, { marker: string; result: Promise<ParentRun> }>();
  beforeAll(() => {
    for (const mode of modes) {
      const marker = markerFile();
      const result = runParent(mode, marker);
      result.catch(() => undefined); // awaited in the test; avoid an unhandled rejection before it
      runs.set(mode, { marker, result });
    }
  });
  const run = async (mode: (typeof modes)[number]) => {
    const entry = runs.get(mode)!;
    return { ...(await entry.result), marker: entry.marker };
  };

  it('a parent that returns without close() exits on its own and takes Python along', async () => {
    const { pythonPid, code, stderr, marker } = await run('return');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(await waitForExit(pythonPid, 5000)).toBe(true);
    expect(readMarker(marker)).toBe('closed drift\n'); // the exit hook's SIGTERM let the env close
  }, 120_000);

  it('a parent that calls process.exit takes Python along', async () => {
    const { pythonPid, code, marker } = await run('exit');
    expect(code).toBe(0);
    expect(await waitForExit(pythonPid, 5000)).toBe(true);
    expect(readMarker(marker)).toBe('closed drift\n');
  });

  it('a parent killed with SIGKILL: Python sees end-of-file, closes the env and exits', async () => {
    const { pythonPid, signal, marker } = await run('sigkill');
    expect(signal).toBe('SIGKILL');
    expect(await waitForExit(pythonPid, 5000)).toBe(true);
    expect(readMarker(marker)).toBe('closed drift\n');
  });

  it('a parent killed while Python hangs in a call: the watchdog ends Python', async () => {
    const { pythonPid, signal, marker } = await run('sigkill-busy');
    expect(signal).toBe('SIGKILL');
    expect(await waitForExit(pythonPid, 5000)).toBe(true);
    expect(readMarker(marker)).toBe(''); // it was stuck in reset(): os._exit, no close
  });
});
