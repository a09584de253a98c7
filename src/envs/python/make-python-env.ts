/**
 * {@link makePythonEnv}: starts a Python interpreter on the bridge file the library ships
 * (`assets/python/llmdpd_bridge.py`, standard library only), makes the env there, and returns a
 * {@link PythonEnv}, or with `numEnvs` a {@link PythonVectorEnv}. Nothing has to be installed in
 * Python for a plain env class; `gymnasium` is needed only for Gymnasium ids.
 *
 * Protocol, lifecycle and errors: `docs/envs/python-bridge.md`.
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';
import { describeValue, spaceFromJSON } from '../../core/spaces.js';
import { isPlainObject } from '../values.js';
import type { AutoresetMode } from '../vector.js';
import { BridgeConnection, type ReadyMessage } from './bridge-connection.js';
import { PROTOCOL_VERSION, FrameKind, decodeJson, encodeJson } from './protocol.js';
import { PythonEnv } from './python-env.js';
import { PythonVectorEnv } from './python-vector-env.js';

/** Options of {@link makePythonEnv}. */
export interface PythonEnvOptions {
  /** The interpreter: a command on `PATH` or a path (a virtualenv's `bin/python`). @defaultValue `'python3'` */
  readonly python?: string;
  /** Positional arguments of the env's constructor (JSON values); not allowed with a Gymnasium id. */
  readonly args?: readonly unknown[];
  /** Keyword arguments of the env's constructor or of `gymnasium.make` (JSON values). */
  readonly kwargs?: Readonly<Record<string, unknown>>;
  /**
   * Working directory of the interpreter; `module` in `'module:Attribute'` is imported from here
   * first (as `python -m` does). @defaultValue the Node process's working directory
   */
  readonly cwd?: string;
  /**
   * Environment variables added to the Node process's own (for example `PYTHONPATH`,
   * `MUJOCO_GL`); `undefined` removes a variable.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Time one `reset` or `step` may take in Python, in ms. When it runs out, the process is
   * killed and the call rejects with a {@link PythonTimeoutError}. @defaultValue no limit
   */
  readonly timeoutMs?: number;
  /**
   * Time the interpreter may take to start and make the env (imports included), in ms.
   * @defaultValue 60000
   */
  readonly startTimeoutMs?: number;
  /** Grace period of each step of `close()` (close request, SIGTERM, SIGKILL), in ms. @defaultValue 5000 */
  readonly closeTimeoutMs?: number;
  /** Called with the text the process writes to stderr (the env's `print` output goes there too). */
  readonly onStderr?: (text: string) => void;
  /**
   * Path of the bridge file, when a bundler moved the package's `assets/python/`.
   * @defaultValue the package's `assets/python/llmdpd_bridge.py`, resolved from this module
   */
  readonly bridgeScript?: string;
}

/** Options of {@link makePythonEnv} for N envs in one process. */
export interface PythonVectorEnvOptions extends PythonEnvOptions {
  /** Number of envs in the process; {@link makePythonEnv} then returns a {@link PythonVectorEnv}. */
  readonly numEnvs: number;
  /** What happens when a sub-env's episode ends; see {@link AutoresetMode}. @defaultValue `'next-step'` */
  readonly autoresetMode?: AutoresetMode;
}

const DEFAULT_START_TIMEOUT_MS = 60_000;
const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;

function positiveMs(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0)
    throw new ConfigError(
      `makePythonEnv ${name} must be a positive number of milliseconds (or Infinity), got ${describeValue(value)}.`,
    );
  return value;
}

function checkJson(value: unknown, name: string): void {
  try {
    encodeJson(value);
  } catch (error) {
    throw new ConfigError(
      `makePythonEnv ${name} must hold JSON values (numbers, strings, booleans, null, arrays, plain objects): ${error instanceof Error ? error.message : String(error)}.`,
    );
  }
}

interface CheckedOptions {
  readonly python: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly numEnvs: number;
  readonly vector: boolean;
  readonly autoresetMode: AutoresetMode;
  readonly timeoutMs: number;
  readonly startTimeoutMs: number;
  readonly closeTimeoutMs: number;
}

function checkOptions(target: unknown, options: PythonEnvOptions & Partial<PythonVectorEnvOptions>): CheckedOptions {
  if (typeof target !== 'string' || target.trim().length === 0)
    throw new ConfigError(
      `makePythonEnv needs 'module:EnvClass' (e.g. 'my_envs:GridWorld') or a Gymnasium id (e.g. 'CartPole-v1'), got ${describeValue(target)}.`,
    );
  if (!isPlainObject(options))
    throw new ConfigError(`makePythonEnv options must be an object, got ${describeValue(options)}.`);
  const python = options.python ?? 'python3';
  if (typeof python !== 'string' || python.length === 0)
    throw new ConfigError(
      `makePythonEnv python must be a command or path such as 'python3', got ${describeValue(python)}.`,
    );
  const args = options.args ?? [];
  if (!Array.isArray(args))
    throw new ConfigError(`makePythonEnv args must be an array of constructor arguments, got ${describeValue(args)}.`);
  const kwargs = options.kwargs ?? {};
  if (!isPlainObject(kwargs))
    throw new ConfigError(`makePythonEnv kwargs must be a plain object, got ${describeValue(kwargs)}.`);
  checkJson(args, 'args');
  checkJson(kwargs, 'kwargs');
  const vector = options.numEnvs !== undefined;
  const numEnvs: unknown = options.numEnvs ?? 1;
  if (typeof numEnvs !== 'number' || !Number.isInteger(numEnvs) || numEnvs < 1)
    throw new ConfigError(`makePythonEnv numEnvs must be a positive integer, got ${describeValue(numEnvs)}.`);
  const autoresetMode = options.autoresetMode ?? 'next-step';
  if (autoresetMode !== 'next-step' && autoresetMode !== 'same-step' && autoresetMode !== 'disabled')
    throw new ConfigError(
      `makePythonEnv autoresetMode must be 'next-step', 'same-step' or 'disabled', got ${JSON.stringify(autoresetMode)}.`,
    );
  if (!vector && options.autoresetMode !== undefined)
    throw new ConfigError('makePythonEnv autoresetMode applies to vector envs only; pass numEnvs as well.');
  if (options.cwd !== undefined && typeof options.cwd !== 'string')
    throw new ConfigError(`makePythonEnv cwd must be a path, got ${describeValue(options.cwd)}.`);
  if (options.env !== undefined) {
    if (!isPlainObject(options.env))
      throw new ConfigError(`makePythonEnv env must be an object of variables, got ${describeValue(options.env)}.`);
    for (const [key, value] of Object.entries(options.env))
      if (value !== undefined && typeof value !== 'string')
        throw new ConfigError(`makePythonEnv env.${key} must be a string (or undefined), got ${describeValue(value)}.`);
  }
  if (options.onStderr !== undefined && typeof options.onStderr !== 'function')
    throw new ConfigError(`makePythonEnv onStderr must be a function, got ${describeValue(options.onStderr)}.`);
  return {
    python,
    args,
    kwargs,
    numEnvs,
    vector,
    autoresetMode,
    timeoutMs: positiveMs(options.timeoutMs, 'timeoutMs', Infinity),
    startTimeoutMs: positiveMs(options.startTimeoutMs, 'startTimeoutMs', DEFAULT_START_TIMEOUT_MS),
    closeTimeoutMs: positiveMs(options.closeTimeoutMs, 'closeTimeoutMs', DEFAULT_CLOSE_TIMEOUT_MS),
  };
}

async function bridgeScriptPath(explicit: string | undefined): Promise<string> {
  if (explicit !== undefined) return explicit;
  const { fileURLToPath } = await import('node:url');
  return fileURLToPath(new URL('../../../assets/python/llmdpd_bridge.py', import.meta.url));
}

/**
 * Starts Python, makes the env `target` there and returns it behind the library's env contract.
 *
 * `target` is either `'module:Attribute'` (a class or function in an importable module, called
 * with `args` and `kwargs`: it needs no Python package, only an object with Gymnasium's
 * `reset`/`step`/`observation_space`/`action_space`), or a Gymnasium id such as `'CartPole-v1'`
 * or `'ale_py:ALE/Pong-v5'`, made with `gymnasium.make(id, **kwargs)` when gymnasium is
 * importable by that interpreter.
 *
 * Spaces: Box (float32, float64, or integer dtypes carried as int32), Discrete, Dict, and
 * MultiDiscrete / MultiBinary as int32 Boxes. Observations and actions cross as raw binary rows;
 * infos as JSON (numpy arrays become nested arrays; NaN and infinities survive).
 *
 * @returns a {@link PythonEnv}, or a {@link PythonVectorEnv} of `numEnvs` envs in one process when
 * `numEnvs` is given.
 * @throws {@link ConfigError} on invalid options or spaces the library cannot hold;
 * {@link PythonProcessError} when Python cannot be started or dies while starting;
 * {@link PythonEnvError} when making the env raised in Python (missing module, wrong arguments,
 * gymnasium not installed for an id), with the Python traceback; {@link PythonTimeoutError} after
 * `startTimeoutMs`.
 *
 * @example
 * ```ts
 * const env = await makePythonEnv('my_envs:GridWorld', { python: '.venv/bin/python', kwargs: { size: 8 } });
 * await checkEnv(env);
 * const vec = await makePythonEnv('CartPole-v1', { numEnvs: 8 }); // needs gymnasium in that Python
 * await Promise.all([env.close(), vec.close()]);
 * ```
 */
export function makePythonEnv<Obs = unknown, Act = unknown>(
  target: string,
  options: PythonVectorEnvOptions,
): Promise<PythonVectorEnv<Obs, Act>>;
/** One env in its own Python process (no `numEnvs`). */
export function makePythonEnv<Obs = unknown, Act = unknown>(
  target: string,
  options?: PythonEnvOptions,
): Promise<PythonEnv<Obs, Act>>;
export async function makePythonEnv<Obs = unknown, Act = unknown>(
  target: string,
  options: PythonEnvOptions & Partial<PythonVectorEnvOptions> = {},
): Promise<PythonEnv<Obs, Act> | PythonVectorEnv<Obs, Act>> {
  const checked = checkOptions(target, options);
  const script = await bridgeScriptPath(options.bridgeScript);
  const { PythonProcess } = await import('./python-process.js');
  const bridge = await PythonProcess.start({
    python: checked.python,
    script,
    cwd: options.cwd,
    env: options.env,
    target,
    onStderr: options.onStderr,
    closeTimeoutMs: checked.closeTimeoutMs,
  });
  let connection: BridgeConnection;
  try {
    const init = encodeJson({
      protocol: PROTOCOL_VERSION,
      target,
      args: checked.args,
      kwargs: checked.kwargs,
      numEnvs: checked.numEnvs,
    });
    const reply = await bridge.request(FrameKind.init, init, 'make', FrameKind.ready, checked.startTimeoutMs);
    const ready = decodeJson(reply.body) as ReadyMessage;
    if (ready.protocol !== PROTOCOL_VERSION)
      throw new ConfigError(
        `The bridge file ${script} speaks protocol ${ready.protocol}, this library ${PROTOCOL_VERSION}; use the bridge file of the same llmdpd version.`,
      );
    const spaces = {
      observation: spaceFromJSON(ready.observationSpace),
      action: spaceFromJSON(ready.actionSpace),
    };
    connection = new BridgeConnection(bridge, target, ready, spaces, { callMs: checked.timeoutMs });
  } catch (error) {
    await bridge.close().catch(() => undefined);
    throw error;
  }
  if (checked.vector) return new PythonVectorEnv<Obs, Act>(connection, checked.autoresetMode);
  return new PythonEnv<Obs, Act>(connection);
}
