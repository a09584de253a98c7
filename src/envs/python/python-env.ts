/**
 * {@link PythonEnv}: one Gymnasium env running in a Python process, behind the library's
 * {@link Env} contract. Every method returns a promise (the env lives in another process); made
 * by {@link makePythonEnv}.
 *
 * @module
 */
import type { Space } from '../../core/spaces.js';
import type { Env, EnvMetadata, EnvSpec, ResetOptions, ResetResult, StepResult } from '../env.js';
import { validateSeed } from '../seeding.js';
import type { BridgeConnection, PythonEnvInfo } from './bridge-connection.js';
import type { PythonExit } from './errors.js';
import { StepOp } from './protocol.js';

const STEP_OPS = Uint8Array.of(StepOp.step);

/**
 * A Gymnasium env in a Python process. Observations arrive as the library's values (a
 * `Float32Array` for a float32 Box, a number for a Discrete), infos as plain objects.
 *
 * Errors: {@link PythonEnvError} when Python raises (the env stays usable),
 * {@link PythonProcessError} when the process is gone, {@link PythonTimeoutError} when a call
 * exceeded `timeoutMs`.
 *
 * @example
 * ```ts
 * const env = await makePythonEnv('my_envs:GridWorld', { kwargs: { size: 8 } });
 * let [obs] = await env.reset({ seed: 0 });
 * const [next, reward, terminated, truncated, info] = await env.step(1);
 * await env.close();
 * ```
 */
export class PythonEnv<Obs = unknown, Act = unknown> implements Env<Obs, Act> {
  /** The observation space, from the Python env's `observation_space`. */
  readonly observationSpace: Space<Obs>;
  /** The action space, from the Python env's `action_space`. */
  readonly actionSpace: Space<Act>;
  /** The Python env's `metadata`, with `render_modes`/`render_fps` renamed to camelCase. */
  readonly metadata: EnvMetadata | undefined;
  /** Gymnasium's spec (id, step limit) for a Gymnasium id, else the target and its kwargs. */
  readonly spec: EnvSpec;
  /** The interpreter and env class on the Python side. */
  readonly python: PythonEnvInfo;
  private readonly connection: BridgeConnection;

  /** @internal Use {@link makePythonEnv}. */
  constructor(connection: BridgeConnection) {
    this.connection = connection;
    this.observationSpace = connection.observationSpace as Space<Obs>;
    this.actionSpace = connection.actionSpace as Space<Act>;
    this.metadata = connection.metadata;
    this.spec = connection.spec;
    this.python = connection.info;
  }

  /** Process id of the Python interpreter. */
  get pid(): number {
    return this.connection.pid;
  }

  /** How the Python process ended, or `undefined` while it runs. */
  get exit(): PythonExit | undefined {
    return this.connection.exit;
  }

  /**
   * Calls the Python env's `reset(seed=..., options=...)` (only the arguments given).
   * @throws {@link ConfigError} for an invalid seed; the bridge errors listed on the class.
   */
  async reset(options: ResetOptions = {}): Promise<ResetResult<Obs>> {
    const seed = validateSeed(options.seed);
    const reply = await this.connection.reset([{ index: 0, seed }], options.options);
    return [reply.observations[0] as Obs, reply.infos[0]];
  }

  /**
   * Calls the Python env's `step(action)`. The action must have the action space's layout (a typed
   * or plain array of the Box's size, an integer for Discrete); its bounds are the env's business.
   * @throws {@link ShapeError} when the action does not fit the layout; the bridge errors listed on the class.
   */
  async step(action: Act): Promise<StepResult<Obs>> {
    const reply = await this.connection.step(STEP_OPS, [action]);
    return [
      reply.observations[0] as Obs,
      reply.rewards[0],
      reply.terminated[0] === 1,
      reply.truncated[0] === 1,
      reply.infos[0],
    ];
  }

  /**
   * Calls the Python env's `close()` and ends the process; resolves once it has exited. Safe to
   * call more than once.
   * @throws {@link PythonEnvError} from the first call when the env's `close()` raised (the process is ended anyway).
   */
  close(): Promise<void> {
    return this.connection.close();
  }
}
