/**
 * {@link PythonVectorEnv}: N copies of a Gymnasium env in one Python process, stepped with one
 * request per step, behind the same interface as {@link SyncVectorEnv}: batched spaces, seeds
 * `seed + i`, reset masks and the three autoreset modes with the same results (the tests compare
 * the two on the same env).
 *
 * @module
 */
import { ConfigError, EnvError } from '../../core/errors.js';
import type { Space } from '../../core/spaces.js';
import { batchSpace, stackBatch, unstackBatch, type Batched, type BatchedInput } from '../batching.js';
import type { EnvMetadata, EnvSpec, Info } from '../env.js';
import { validateSeed } from '../seeding.js';
import type { AutoresetMode, VectorResetOptions, VectorResetResult, VectorStepResult } from '../vector.js';
import type { BridgeConnection, PythonEnvInfo } from './bridge-connection.js';
import type { PythonExit } from './errors.js';
import { StepOp } from './protocol.js';

/**
 * N Gymnasium envs in one Python process, with {@link SyncVectorEnv}'s interface and semantics
 * (see {@link AutoresetMode}); every method returns a promise. Made by {@link makePythonEnv} with
 * the `numEnvs` option.
 *
 * Batch layout: as {@link SyncVectorEnv} (`N * size` values row-major for a Box, an `Int32Array(N)`
 * for a Discrete, key by key for a Dict); rewards as `Float32Array(N)`, flags as `Uint8Array(N)`.
 *
 * @example
 * ```ts
 * const vec = await makePythonEnv('my_envs:GridWorld', { numEnvs: 8 });
 * let [obs] = await vec.reset({ seed: 0 });              // sub-env i seeded with 0 + i
 * const [next, rewards, terminations, truncations, infos] = await vec.step(Int32Array.from({ length: 8 }, () => 1));
 * await vec.close();
 * ```
 */
export class PythonVectorEnv<Obs = unknown, Act = unknown> {
  /** Number of sub-envs N. */
  readonly numEnvs: number;
  /** The autoreset mode (see {@link AutoresetMode}). */
  readonly autoresetMode: AutoresetMode;
  /** Observation space of one sub-env. */
  readonly singleObservationSpace: Space<Obs>;
  /** Action space of one sub-env. */
  readonly singleActionSpace: Space<Act>;
  /** Space of batched observations (shape `[N, ...shape]` for a Box). */
  readonly observationSpace: Space;
  /** Space of batched actions (shape `[N, ...shape]` for a Box). */
  readonly actionSpace: Space;
  /** The Python env's metadata (camelCase render keys) plus the autoreset mode. */
  readonly metadata: Readonly<
    EnvMetadata & {
      /** How finished sub-envs are reset; see {@link AutoresetMode}. */
      autoresetMode: AutoresetMode;
    }
  >;
  /** The spec of one sub-env. */
  readonly spec: EnvSpec;
  /** The interpreter and env class on the Python side. */
  readonly python: PythonEnvInfo;
  private readonly connection: BridgeConnection;
  private readonly observations: (Obs | undefined)[];
  private readonly pending: boolean[];
  private started = false;
  private closed = false;

  /** @internal Use {@link makePythonEnv} with `numEnvs`. */
  constructor(connection: BridgeConnection, autoresetMode: AutoresetMode) {
    this.connection = connection;
    this.numEnvs = connection.numEnvs;
    this.autoresetMode = autoresetMode;
    this.singleObservationSpace = connection.observationSpace as Space<Obs>;
    this.singleActionSpace = connection.actionSpace as Space<Act>;
    this.observationSpace = batchSpace(this.singleObservationSpace, this.numEnvs);
    this.actionSpace = batchSpace(this.singleActionSpace, this.numEnvs);
    this.metadata = Object.freeze({ ...connection.metadata, autoresetMode });
    this.spec = connection.spec;
    this.python = connection.info;
    this.observations = new Array<Obs | undefined>(this.numEnvs).fill(undefined);
    this.pending = new Array<boolean>(this.numEnvs).fill(false);
  }

  /** Process id of the Python interpreter that runs every sub-env. */
  get pid(): number {
    return this.connection.pid;
  }

  /** How the Python process ended, or `undefined` while it runs. */
  get exit(): PythonExit | undefined {
    return this.connection.exit;
  }

  private seedFor(seed: VectorResetOptions['seed'], i: number): number | undefined {
    if (seed === undefined) return undefined;
    if (typeof seed === 'number')
      return validateSeed(seed, 'PythonVectorEnv.reset') === undefined ? undefined : seed + i;
    return validateSeed(seed[i], 'PythonVectorEnv.reset');
  }

  /**
   * Resets all sub-envs (or those in `mask`) in one request; see {@link SyncVectorEnv.reset}.
   * @throws {@link ConfigError} on a malformed seed list or mask; {@link EnvError} after close or
   * when a masked-out sub-env has never been reset; the bridge errors of {@link PythonEnv}.
   */
  async reset(options: VectorResetOptions = {}): Promise<VectorResetResult<Obs>> {
    if (this.closed) throw new EnvError('PythonVectorEnv.reset() was called after close(); make a new env.');
    const { seed, mask } = options;
    if (Array.isArray(seed) && seed.length !== this.numEnvs) {
      throw new ConfigError(
        `PythonVectorEnv.reset seed list has ${seed.length} entries for ${this.numEnvs} envs; give one per env or a single number.`,
      );
    }
    if (mask !== undefined && mask.length !== this.numEnvs) {
      throw new ConfigError(
        `PythonVectorEnv.reset mask has ${mask.length} entries for ${this.numEnvs} envs; give one boolean per env.`,
      );
    }
    const entries: { index: number; seed: number | undefined }[] = [];
    for (let i = 0; i < this.numEnvs; i++) {
      const selected = mask === undefined || Boolean(mask[i]);
      if (!selected && this.observations[i] === undefined) {
        throw new EnvError(
          `PythonVectorEnv.reset: sub-env ${i} is masked out but has never been reset, so it has no observation; include it in the first reset.`,
        );
      }
      if (selected) entries.push({ index: i, seed: this.seedFor(seed, i) });
    }
    const reply = await this.connection.reset(entries, options.options);
    const infos: Info[] = Array.from({ length: this.numEnvs }, () => ({}));
    entries.forEach(({ index }, k) => {
      this.observations[index] = reply.observations[k] as Obs;
      this.pending[index] = false;
      infos[index] = reply.infos[k];
    });
    this.started = true;
    return [this.batch(), infos];
  }

  /**
   * Steps every sub-env with its row of `actions` in one request and applies the autoreset mode;
   * see {@link SyncVectorEnv.step}.
   * @throws {@link ShapeError} when `actions` has the wrong layout; {@link EnvError} before the
   * first reset, after close, or (mode `'disabled'`) when a finished sub-env is stepped; the
   * bridge errors of {@link PythonEnv}.
   */
  async step(actions: BatchedInput<Act>): Promise<VectorStepResult<Obs>> {
    if (this.closed) throw new EnvError('PythonVectorEnv.step() was called after close(); make a new env.');
    if (!this.started)
      throw new EnvError('PythonVectorEnv.step() was called before reset(); call vec.reset({ seed }) first.');
    if (this.autoresetMode === 'disabled') {
      const finished = this.pending.flatMap((p, i) => (p ? [i] : []));
      if (finished.length > 0) {
        throw new EnvError(
          `PythonVectorEnv (autoresetMode 'disabled'): sub-env${finished.length > 1 ? 's' : ''} ${finished.join(', ')} finished an episode and must be reset before stepping; call vec.reset({ mask }) with those entries set, or use autoresetMode 'next-step'.`,
        );
      }
    }
    const perEnv = unstackBatch(this.singleActionSpace, actions, this.numEnvs, 'PythonVectorEnv.step actions');
    const ops = new Uint8Array(this.numEnvs);
    for (let i = 0; i < this.numEnvs; i++) {
      if (this.pending[i] && this.autoresetMode === 'next-step') ops[i] = StepOp.reset;
      else ops[i] = this.autoresetMode === 'same-step' ? StepOp.stepSameStepReset : StepOp.step;
    }
    const reply = await this.connection.step(ops, perEnv);
    const rewards = new Float32Array(this.numEnvs);
    const terminations = new Uint8Array(this.numEnvs);
    const truncations = new Uint8Array(this.numEnvs);
    const infos: Info[] = Array.from({ length: this.numEnvs }, () => ({}));
    for (let i = 0; i < this.numEnvs; i++) {
      this.observations[i] = reply.observations[i] as Obs;
      infos[i] = reply.infos[i];
      if (ops[i] === StepOp.reset) {
        this.pending[i] = false;
        continue;
      }
      rewards[i] = reply.rewards[i];
      terminations[i] = reply.terminated[i];
      truncations[i] = reply.truncated[i];
      const done = reply.terminated[i] === 1 || reply.truncated[i] === 1;
      if (!done) continue;
      if (this.autoresetMode !== 'same-step') this.pending[i] = true;
      else
        infos[i] = { ...reply.infos[i], finalObservation: reply.finalObservations[i], finalInfo: reply.finalInfos[i] };
    }
    return [this.batch(), rewards, terminations, truncations, infos];
  }

  /** Closes every sub-env and ends the process; later calls do nothing. */
  async close(): Promise<void> {
    if (this.closed) return this.connection.close();
    this.closed = true;
    await this.connection.close();
  }

  private batch(): Batched<Obs> {
    return stackBatch(this.singleObservationSpace, this.observations) as Batched<Obs>;
  }
}
