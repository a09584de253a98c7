/**
 * {@link BridgeConnection}: the env operations of the Python bridge (reset some envs, step all of
 * them, close), encoded as the frames of `protocol.ts` with the codecs of `wire-codec.ts`. Both
 * {@link PythonEnv} (one env) and {@link PythonVectorEnv} (N envs in one process) sit on it.
 *
 * @module
 */
import type { Space, SpaceJSON } from '../../core/spaces.js';
import type { EnvMetadata, EnvSpec, Info } from '../env.js';
import { isPlainObject } from '../values.js';
import {
  FrameKind,
  StepOp,
  RESET_ENTRY_BYTES,
  allocateFrame,
  encodeJson,
  readInfoSection,
  truncated,
  HEADER_BYTES,
} from './protocol.js';
import type { PythonProcess, Reply } from './python-process.js';
import { wireCodec, type WireCodec } from './wire-codec.js';

/** What the bridge answers to the handshake (JSON). */
export interface ReadyMessage {
  /** Protocol version of the bridge file. */
  readonly protocol: number;
  /** Observation space of one env, as space JSON. */
  readonly observationSpace: SpaceJSON;
  /** Action space of one env, as space JSON. */
  readonly actionSpace: SpaceJSON;
  /** The env's `metadata` dict, or `null`. */
  readonly metadata: Record<string, unknown> | null;
  /** Gymnasium's spec of the env (id, step limit), or the target and kwargs. */
  readonly spec: { readonly id: string; readonly maxEpisodeSteps?: number; readonly options?: Record<string, unknown> };
  /** `platform.python_version()`-style version, e.g. `'3.11.2'`. */
  readonly python: string;
  /** `sys.executable`. */
  readonly executable: string;
  /** numpy's version, or `null` when numpy is not importable. */
  readonly numpy: string | null;
  /** gymnasium's version when it was imported (a Gymnasium id was made), else `null`. */
  readonly gymnasium: string | null;
  /** The process id. */
  readonly pid: number;
  /** `module.QualifiedName` of the env's class. */
  readonly envType: string;
  /** Number of envs made. */
  readonly numEnvs: number;
}

/** Facts about the Python side of a bridged env, from the handshake. */
export interface PythonEnvInfo {
  /** What the env was made from: `'module:Attribute'` or a Gymnasium id. */
  readonly target: string;
  /** Process id of the interpreter. */
  readonly pid: number;
  /** Python's version, e.g. `'3.11.2'`. */
  readonly pythonVersion: string;
  /** Path of the interpreter (`sys.executable`). */
  readonly executable: string;
  /** numpy's version, or `null` when the interpreter has no numpy. */
  readonly numpyVersion: string | null;
  /** gymnasium's version when the env was made with `gymnasium.make`, else `null`. */
  readonly gymnasiumVersion: string | null;
  /** `module.QualifiedName` of the Python env's class. */
  readonly envType: string;
}

/** The result of a reset request. */
export interface ResetReply {
  /** One observation per reset env, in request order. */
  readonly observations: unknown[];
  /** One info per reset env, in request order. */
  readonly infos: Info[];
}

/** The result of a step request, one entry per env. */
export interface StepReply {
  /** The observation after the operation (the reset observation after an autoreset); `undefined` for skipped envs. */
  readonly observations: unknown[];
  /** Rewards, 0 for envs that were reset or skipped. */
  readonly rewards: Float64Array;
  /** 1 where the step terminated the episode. */
  readonly terminated: Uint8Array;
  /** 1 where the step truncated the episode. */
  readonly truncated: Uint8Array;
  /** 1 where the env was reset within this request. */
  readonly autoreset: Uint8Array;
  /** The last observation of an episode that a same-step reset replaced, else `undefined`. */
  readonly finalObservations: unknown[];
  /** The info of the operation (the reset info after an autoreset). */
  readonly infos: Info[];
  /** The last step's info where a same-step reset happened, else `undefined`. */
  readonly finalInfos: (Info | undefined)[];
}

/** Timeouts of a {@link BridgeConnection}. */
export interface BridgeTimeouts {
  /** Time Python may take for one reset or step, in ms (`Infinity` for none). */
  readonly callMs: number;
}

function readMetadata(raw: Record<string, unknown> | null): EnvMetadata | undefined {
  if (raw === null || !isPlainObject(raw)) return undefined;
  const { render_modes: renderModes, render_fps: renderFps, ...rest } = raw;
  const out: Record<string, unknown> = { ...rest };
  if (renderModes !== undefined) out['renderModes'] = renderModes;
  if (renderFps !== undefined) out['renderFps'] = renderFps;
  return Object.freeze(out);
}

function asInfo(value: unknown): Info {
  return isPlainObject(value) ? value : {};
}

/** The env operations over one bridge process. */
export class BridgeConnection {
  /** Number of envs in the Python process. */
  readonly numEnvs: number;
  /** Observation space of one env. */
  readonly observationSpace: Space;
  /** Action space of one env. */
  readonly actionSpace: Space;
  /** The env's metadata, render keys renamed to camelCase. */
  readonly metadata: EnvMetadata | undefined;
  /** The env's spec. */
  readonly spec: EnvSpec;
  /** Facts about the interpreter and the env. */
  readonly info: PythonEnvInfo;
  private readonly process: PythonProcess;
  private readonly observationCodec: WireCodec;
  private readonly actionCodec: WireCodec;
  private readonly timeouts: BridgeTimeouts;

  /**
   * @param process - a bridge process that has answered the handshake with `ready`.
   * @param spaces - the spaces built from `ready`'s space JSON.
   */
  constructor(
    process: PythonProcess,
    target: string,
    ready: ReadyMessage,
    spaces: { readonly observation: Space; readonly action: Space },
    timeouts: BridgeTimeouts,
  ) {
    this.process = process;
    this.numEnvs = ready.numEnvs;
    this.observationSpace = spaces.observation;
    this.actionSpace = spaces.action;
    this.observationCodec = wireCodec(spaces.observation);
    this.actionCodec = wireCodec(spaces.action);
    this.metadata = readMetadata(ready.metadata);
    this.spec = Object.freeze({ ...ready.spec });
    this.timeouts = timeouts;
    this.info = Object.freeze({
      target,
      pid: process.pid,
      pythonVersion: ready.python,
      executable: ready.executable,
      numpyVersion: ready.numpy,
      gymnasiumVersion: ready.gymnasium,
      envType: ready.envType,
    });
  }

  /** The process id of the interpreter. */
  get pid(): number {
    return this.process.pid;
  }

  /** How the process ended, or `undefined` while it runs. */
  get exit(): PythonProcess['exit'] {
    return this.process.exit;
  }

  /** Resets the listed envs, each with its own seed (or none), all with the same options. */
  async reset(
    entries: readonly { readonly index: number; readonly seed: number | undefined }[],
    options: Record<string, unknown> | undefined,
  ): Promise<ResetReply> {
    const optionBytes = options === undefined ? new Uint8Array(0) : encodeJson(options);
    const bodyBytes = 4 + entries.length * RESET_ENTRY_BYTES + 4 + optionBytes.length;
    const { bytes, view } = allocateFrame(FrameKind.reset, bodyBytes);
    let at = HEADER_BYTES;
    view.setUint32(at, entries.length, true);
    at += 4;
    for (const { index, seed } of entries) {
      view.setUint32(at, index, true);
      view.setUint8(at + 4, seed === undefined ? 0 : 1);
      view.setFloat64(at + 5, seed ?? 0, true);
      at += RESET_ENTRY_BYTES;
    }
    view.setUint32(at, optionBytes.length, true);
    bytes.set(optionBytes, at + 4);
    const reply = await this.process.send(bytes, 'reset', FrameKind.resetResult, this.timeouts.callMs);
    return this.readReset(reply, entries.length);
  }

  private readReset(reply: Reply, count: number): ResetReply {
    const { body } = reply;
    const rowBytes = this.observationCodec.bytes;
    if (body.length < count * rowBytes) throw truncated('observations', count * rowBytes, body.length);
    const observations = Array.from({ length: count }, (_, i) => this.observationCodec.read(body, i * rowBytes));
    const { value } = readInfoSection(body, count * rowBytes);
    const infos = Array.isArray(value) ? value.map(asInfo) : Array.from({ length: count }, () => ({}));
    return { observations, infos };
  }

  /**
   * Applies one operation per env (see `StepOp` in `protocol.ts`) with the given actions; envs
   * whose operation is not a step may have `undefined` actions.
   * @throws {@link ShapeError} when an action does not fit the action space.
   */
  async step(ops: Uint8Array, actions: readonly unknown[]): Promise<StepReply> {
    const n = this.numEnvs;
    const actionBytes = this.actionCodec.bytes;
    const { bytes, view } = allocateFrame(FrameKind.step, n + n * actionBytes);
    bytes.set(ops, HEADER_BYTES);
    for (let i = 0; i < n; i++) {
      const action = actions[i];
      if (action === undefined) continue;
      const what = n === 1 ? 'step() action' : `step() action of env ${i}`;
      this.actionCodec.write(action, view, HEADER_BYTES + n + i * actionBytes, what);
    }
    const reply = await this.process.send(bytes, 'step', FrameKind.stepResult, this.timeouts.callMs);
    return this.readStep(reply, ops);
  }

  private readStep(reply: Reply, ops: Uint8Array): StepReply {
    const n = this.numEnvs;
    const { body } = reply;
    const rowBytes = this.observationCodec.bytes;
    const fixed = n * rowBytes + n * 8 + 3 * n;
    if (body.length < fixed + 4) throw truncated('step result', fixed + 4, body.length);
    const observations = Array.from({ length: n }, (_, i) =>
      ops[i] === StepOp.skip ? undefined : this.observationCodec.read(body, i * rowBytes),
    );
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const rewards = new Float64Array(n);
    let at = n * rowBytes;
    for (let i = 0; i < n; i++) rewards[i] = view.getFloat64(at + 8 * i, true);
    at += 8 * n;
    const terminated = body.slice(at, at + n);
    const truncatedFlags = body.slice(at + n, at + 2 * n);
    const autoreset = body.slice(at + 2 * n, at + 3 * n);
    at += 3 * n;
    const finalObservations: unknown[] = new Array<unknown>(n).fill(undefined);
    for (let i = 0; i < n; i++) {
      if (ops[i] === StepOp.stepSameStepReset && autoreset[i] === 1) {
        if (body.length < at + rowBytes + 4) throw truncated('final observations', at + rowBytes + 4, body.length);
        finalObservations[i] = this.observationCodec.read(body, at);
        at += rowBytes;
      }
    }
    const { value } = readInfoSection(body, at);
    let infos: Info[];
    let finalInfos: (Info | undefined)[];
    if (Array.isArray(value)) {
      const [rawInfos, rawFinals] = value as [unknown, unknown];
      infos = Array.isArray(rawInfos) ? rawInfos.map(asInfo) : Array.from({ length: n }, () => ({}));
      finalInfos = Array.isArray(rawFinals)
        ? rawFinals.map((f) => (f === null ? undefined : asInfo(f)))
        : new Array<Info | undefined>(n).fill(undefined);
    } else {
      infos = Array.from({ length: n }, () => ({}));
      finalInfos = new Array<Info | undefined>(n).fill(undefined);
    }
    return {
      observations,
      rewards,
      terminated,
      truncated: truncatedFlags,
      autoreset,
      finalObservations,
      infos,
      finalInfos,
    };
  }

  /** Closes the envs and ends the process (see `PythonProcess.close`). */
  close(): Promise<void> {
    return this.process.close();
  }
}
