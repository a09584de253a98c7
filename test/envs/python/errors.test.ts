/**
 * How Python failures reach TypeScript: exceptions as PythonEnvError with the traceback (the env
 * stays usable), a dead process as PythonProcessError with its exit code or signal and stderr, a
 * hung call as PythonTimeoutError after timeoutMs, and errors while making the env.
 */
import { afterAll, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { EnvError } from '../../../src/core/errors.js';
import {
  makePythonEnv,
  PythonEnvError,
  PythonProcessError,
  PythonTimeoutError,
  type PythonEnv,
  type PythonEnvOptions,
} from '../../../src/envs/python/index.js';
import { FIXTURES, PYTHON, describeWithPython, pidExists, waitForPidGone } from './helpers.js';

const opened: PythonEnv[] = [];

async function open(target: string, options: PythonEnvOptions = {}): Promise<PythonEnv<Float32Array, Float32Array>> {
  const env = await makePythonEnv<Float32Array, Float32Array>(target, { python: PYTHON, cwd: FIXTURES, ...options });
  opened.push(env);
  return env;
}

afterAll(async () => {
  await Promise.all(opened.map((env) => env.close().catch(() => undefined)));
});

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describeWithPython('Python exceptions', () => {
  it('arrive as PythonEnvError with the traceback, and the env goes on', async () => {
    const env = await open('toy_envs:DriftEnv', { kwargs: { fail_at_step: 2 } });
    await env.reset({ seed: 0 });
    await env.step(Float32Array.of(0));
    const error = await rejection(env.step(Float32Array.of(0)));
    expect(error).toBeInstanceOf(PythonEnvError);
    expect(error).toBeInstanceOf(EnvError);
    const e = error as PythonEnvError;
    expect([e.pythonType, e.pythonModule, e.pythonMessage, e.operation]).toEqual([
      'RuntimeError',
      'builtins',
      'boom at step 2',
      'step',
    ]);
    expect(e.traceback).toMatch(/^Traceback \(most recent call last\):/);
    expect(e.traceback).toMatch(/toy_envs\.py", line \d+, in step\n\s+_explode\(self\.t\)/);
    expect(e.traceback).toMatch(/toy_envs\.py", line \d+, in _explode/);
    expect(e.traceback).toMatch(/RuntimeError: boom at step 2\n$/);
    expect(e.traceback).not.toContain('llmdpd_bridge.py'); // the bridge's own frames are left out
    expect(e.message).toContain('Python raised RuntimeError in step() of toy_envs:DriftEnv: boom at step 2');
    expect(e.message).toContain(e.traceback.trimEnd());
    // The process is alive and the env can be reset and stepped again.
    expect(pidExists(env.pid)).toBe(true);
    const [obs] = await env.reset({ seed: 0 });
    expect(obs).toHaveLength(3);
    await expect(env.step(Float32Array.of(0))).resolves.toHaveLength(5);
  });

  it('in reset name the operation', async () => {
    const env = await open('toy_envs:DriftEnv');
    const error = (await rejection(env.reset({ options: { raise: 'bad option' } }))) as PythonEnvError;
    expect(error).toBeInstanceOf(PythonEnvError);
    expect([error.pythonType, error.pythonMessage, error.operation]).toEqual(['ValueError', 'bad option', 'reset']);
  });

  it('while making the env: missing module, missing class, wrong arguments', async () => {
    const noModule = (await rejection(open('no_such_module_xyz:Env'))) as PythonEnvError;
    expect(noModule).toBeInstanceOf(PythonEnvError);
    expect([noModule.pythonType, noModule.operation]).toEqual(['ModuleNotFoundError', 'make']);
    expect(noModule.message).toMatch(/Python raised ModuleNotFoundError in making no_such_module_xyz:Env/);

    const noClass = (await rejection(open('toy_envs:NoSuchEnv'))) as PythonEnvError;
    expect(noClass.pythonType).toBe('BridgeError');
    expect(noClass.pythonMessage).toMatch(/module 'toy_envs' has no attribute 'NoSuchEnv'/);

    const badKwargs = (await rejection(open('toy_envs:DriftEnv', { kwargs: { bogus: 1 } }))) as PythonEnvError;
    expect(badKwargs.pythonType).toBe('TypeError');
    expect(badKwargs.pythonMessage).toMatch(/unexpected keyword argument 'bogus'/);
  });

  it('for a Gymnasium id without gymnasium say how to fix it', async () => {
    const hasGymnasium = spawnSync(PYTHON as string, ['-c', 'import gymnasium']).status === 0;
    if (hasGymnasium) {
      console.warn(`${PYTHON} has gymnasium, so the missing-gymnasium message is not tested here.`);
      return;
    }
    const error = (await rejection(open('CartPole-v1'))) as PythonEnvError;
    expect(error).toBeInstanceOf(PythonEnvError);
    expect(error.pythonMessage).toMatch(
      /'CartPole-v1' is not of the form 'module:Attribute', so it was read as a Gymnasium id, but gymnasium cannot be imported by .*python.* \(Python 3\.\d+\.\d+\)/,
    );
    expect(error.pythonMessage).toMatch(/pip install gymnasium/);
  });

  it('when the env breaks the contract explain what to return', async () => {
    const oldGym = await open('toy_envs:OldGymEnv');
    await oldGym.reset();
    const step = (await rejection(oldGym.step(Float32Array.of(0, 0)))) as PythonEnvError;
    expect(step.pythonType).toBe('BridgeError');
    expect(step.pythonMessage).toMatch(
      /step\(\) returned 4 values; it must return \(observation, reward, terminated, truncated, info\)/,
    );
    expect(step.traceback).toMatch(/^BridgeError: env 0: step\(\) returned 4 values/); // no bridge frames
    expect(step.message).toMatch(
      /^The Python bridge refused step\(\) of toy_envs:OldGymEnv: env 0: step\(\) returned 4/,
    );
    expect(step.message).not.toContain('Traceback');

    const wrongObs = await open('toy_envs:WrongObservationEnv');
    const reset = (await rejection(wrongObs.reset())) as PythonEnvError;
    expect(reset.pythonMessage).toMatch(
      /reset\(\) observation has 3 values but observation_space has shape \(4,\) \(4 values\)/,
    );

    const tuple = (await rejection(open('toy_envs:TupleSpaceEnv'))) as PythonEnvError;
    expect(tuple.pythonMessage).toMatch(/observation_space is a Tuple, which the bridge does not carry/);
  });
});

describeWithPython('a dead or hung Python process', () => {
  it('that exits reports its exit code and stderr, and every later call fails fast', async () => {
    const env = await open('toy_envs:DriftEnv');
    await env.reset({ seed: 0 });
    const error = (await rejection(env.reset({ options: { exit: 3 } }))) as PythonProcessError;
    expect(error).toBeInstanceOf(PythonProcessError);
    expect(error).not.toBeInstanceOf(PythonEnvError);
    expect([error.exitCode, error.signal, error.operation, error.pid]).toEqual([3, null, 'reset', env.pid]);
    expect(error.stderrTail).toContain('toy env: exiting with code 3');
    expect(error.message).toMatch(/The Python process of toy_envs:DriftEnv \(pid \d+, .*python.*\) exited with code 3/);
    expect(error.message).toMatch(/Last lines of its stderr:\ntoy env: exiting with code 3/);
    expect(env.exit).toEqual({ exitCode: 3, signal: null });
    expect(pidExists(env.pid)).toBe(false);
    const later = (await rejection(env.step(Float32Array.of(0)))) as PythonProcessError;
    expect(later).toBeInstanceOf(PythonProcessError);
    expect([later.exitCode, later.operation]).toEqual([3, 'step']);
    await expect(env.close()).resolves.toBeUndefined();
  });

  it('killed from outside reports the signal', async () => {
    const env = await open('toy_envs:DriftEnv');
    await env.reset({ seed: 0 });
    process.kill(env.pid, 'SIGKILL');
    expect(await waitForPidGone(env.pid, 5000)).toBe(true);
    const error = (await rejection(env.step(Float32Array.of(0)))) as PythonProcessError;
    expect(error).toBeInstanceOf(PythonProcessError);
    expect([error.exitCode, error.signal]).toEqual([null, 'SIGKILL']);
    expect(error.message).toMatch(/was killed by SIGKILL .*out-of-memory killer/);
  });

  it('that crashes in a call reports the crash signal', async () => {
    const env = await open('toy_envs:DriftEnv');
    const error = (await rejection(env.reset({ options: { kill: 'SIGSEGV' } }))) as PythonProcessError;
    expect(error).toBeInstanceOf(PythonProcessError);
    expect([error.signal, error.operation]).toEqual(['SIGSEGV', 'reset']);
    expect(error.message).toMatch(
      /was killed by SIGSEGV during or before reset\(\)\. A crash like this comes from a C extension/,
    );
  });

  it('that hangs is killed after timeoutMs', async () => {
    const env = await open('toy_envs:DriftEnv', { timeoutMs: 400 });
    await env.reset({ seed: 0 }); // fast calls are unaffected
    const start = Date.now();
    const error = (await rejection(env.reset({ options: { hang: true } }))) as PythonTimeoutError;
    const waited = Date.now() - start;
    expect(error).toBeInstanceOf(PythonTimeoutError);
    expect(error).toBeInstanceOf(PythonProcessError);
    expect([error.timeoutMs, error.operation]).toEqual([400, 'reset']);
    expect(error.message).toMatch(
      /reset\(\) of toy_envs:DriftEnv got no answer from Python within 400 ms, so the process \(pid \d+\) was killed/,
    );
    expect(waited).toBeGreaterThanOrEqual(380);
    expect(waited).toBeLessThan(5000);
    expect(await waitForPidGone(env.pid, 5000)).toBe(true);
    const later = (await rejection(env.step(Float32Array.of(0)))) as PythonProcessError;
    expect(later).toBeInstanceOf(PythonProcessError);
    expect(later.message).toMatch(/is gone, it was killed after reset\(\) timed out \(400 ms\)/);
  });

  it('that does not finish making the env is killed after startTimeoutMs', async () => {
    const error = (await rejection(
      open('toy_envs:HangingConstructorEnv', { startTimeoutMs: 500 }),
    )) as PythonTimeoutError;
    expect(error).toBeInstanceOf(PythonTimeoutError);
    expect([error.operation, error.timeoutMs]).toEqual(['make', 500]);
    expect(error.message).toMatch(
      /^Making toy_envs:HangingConstructorEnv got no answer from Python within 500 ms \(startTimeoutMs\)/,
    );
    expect(await waitForPidGone(error.pid as number, 5000)).toBe(true);
  });

  it('that cannot be started names the interpreter and the fix', async () => {
    const error = (await rejection(
      makePythonEnv('toy_envs:DriftEnv', { python: '/nonexistent/bin/python3', cwd: FIXTURES }),
    )) as PythonProcessError;
    expect(error).toBeInstanceOf(PythonProcessError);
    expect(error.pid).toBeUndefined();
    expect(error.message).toMatch(
      /Could not start the Python interpreter "\/nonexistent\/bin\/python3" for toy_envs:DriftEnv/,
    );
    expect(error.message).toMatch(/pass \{ python: '\/path\/to\/python3' \}/);
  });

  it('that dies before the handshake reports its stderr', async () => {
    // A "bridge" that is not valid Python 3 stands for an interpreter too old for the bridge file.
    const error = (await rejection(
      makePythonEnv('toy_envs:DriftEnv', { python: PYTHON, cwd: FIXTURES, bridgeScript: `${FIXTURES}not_python.txt` }),
    )) as PythonProcessError;
    expect(error).toBeInstanceOf(PythonProcessError);
    expect(error.operation).toBe('make');
    expect(error.exitCode).not.toBe(0);
    expect(error.message).toMatch(/while the env was being made\. It ended before the handshake/);
    expect(error.stderrTail).toMatch(/SyntaxError/);
  });
});
