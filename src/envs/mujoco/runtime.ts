/**
 * The MuJoCo WebAssembly runtime behind the locomotion envs: loading it, the model files, one
 * shared compiled model per file, and counters that make WASM memory visible.
 *
 * **Why there is a load step.** `@mujoco/mujoco` (the official MuJoCo 3 WebAssembly build)
 * instantiates its module asynchronously, while {@link makeEnv} and env constructors are
 * synchronous. So the runtime is loaded once, up front:
 *
 * ```ts
 * await loadMujocoRuntime();              // once per process; later calls return the same promise
 * const env = makeEnv('Hopper-v4');       // synchronous from here on
 * ```
 *
 * or in one call, `await makeEnvAsync('Hopper-v4')`, which awaits the registered prerequisite
 * first. Making a MuJoCo env before the runtime is loaded throws an {@link EnvError} that names
 * both fixes. `@mujoco/mujoco` is imported dynamically here, so importing `llmdpd/envs` costs
 * nothing until a MuJoCo env is wanted. The loader also reads the MJCF files (package assets in
 * `assets/mujoco/`) so that constructing an env does no I/O.
 *
 * **Memory.** Objects on the WASM heap are not garbage-collected: every `MjModel`, `MjData` and
 * struct handle must be deleted. Envs do this in `close()`. A compiled `MjModel` is read-only
 * while stepping (`mj_step` writes only to `MjData`), so envs of the same model file share one,
 * reference-counted: the last `close()` deletes it. Each env owns its `MjData`. The arena of every
 * `MjData` is set to {@link MUJOCO_ARENA_BYTES} instead of MuJoCo's default of about 13 MiB, so
 * sixteen envs in a vector need 16 MiB rather than 200 MiB; these models use under 25 KiB of it.
 * {@link mujocoMemoryStats} reports the heap size and the live handles, for leak tests.
 *
 * @module
 */
import type { MainModule, MjData, MjModel, MjSpec } from '@mujoco/mujoco';
import { EnvError } from '../../core/errors.js';

/** The model files that ship in `assets/mujoco/` (without the `.xml` suffix). */
export type MujocoAsset = 'half_cheetah' | 'hopper' | 'walker2d' | 'walker2d_v5';

/** Every {@link MujocoAsset}, in a fixed order. */
export const MUJOCO_ASSETS: readonly MujocoAsset[] = Object.freeze([
  'half_cheetah',
  'hopper',
  'walker2d',
  'walker2d_v5',
]);

/**
 * Bytes of the arena (stack, contacts, constraints) of each `MjData`. The locomotion models
 * peak below 25 KiB under random actions (measured with `maxuse_arena`), so 1 MiB leaves 40x
 * headroom while keeping an env's WASM footprint near 1 MiB.
 */
export const MUJOCO_ARENA_BYTES = 1 << 20;

/** Options of {@link loadMujocoRuntime}. */
export interface LoadMujocoRuntimeOptions {
  /**
   * Folder (URL) that holds the `.xml` model files, ending in `/`. Only needed when a bundler
   * moves the package's `assets/mujoco/` folder. `file:` URLs are read with `node:fs`, others
   * with `fetch`. @defaultValue the package's `assets/mujoco/`, resolved from this module
   */
  readonly assetBaseUrl?: string | URL;
}

/** What {@link loadMujocoRuntime} resolves to. */
export interface MujocoRuntimeInfo {
  /** MuJoCo's version string, e.g. `"3.14.0"`. */
  readonly mujocoVersion: string;
  /** The model files that were read. */
  readonly assets: readonly MujocoAsset[];
}

/** WASM memory use, from {@link mujocoMemoryStats}. */
export interface MujocoMemoryStats {
  /** Size of the WebAssembly heap in bytes (it only grows; a leak shows as growth). */
  readonly heapBytes: number;
  /** Compiled `MjModel`s alive (at most one per model file, shared by envs). */
  readonly liveModels: number;
  /** `MjData`s alive (one per open env). */
  readonly liveData: number;
}

/** The loaded runtime: the WASM module and the text of every model file. */
export interface MujocoRuntime {
  /** The instantiated `@mujoco/mujoco` module. */
  readonly mujoco: MainModule;
  /** MJCF text by asset. */
  readonly xml: ReadonlyMap<MujocoAsset, string>;
  /** MuJoCo's version string. */
  readonly version: string;
}

let runtime: MujocoRuntime | undefined;
let loading: Promise<MujocoRuntime> | undefined;

interface SharedModel {
  readonly model: MjModel;
  refs: number;
}
/** Shared models by key: the asset name for package models, {@link MujocoModelSource.key} for others. */
const sharedModels = new Map<string, SharedModel>();
let liveData = 0;

const DEFAULT_ASSET_BASE = new URL('../../../assets/mujoco/', import.meta.url);

/**
 * Reads a model file's text from a `file:` URL (Node) or over `fetch` (browsers, bundlers).
 * @throws the read error, or an Error for a non-OK HTTP status.
 */
export async function readModelText(url: URL): Promise<string> {
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return readFile(url, 'utf8');
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  return response.text();
}

async function load(options: LoadMujocoRuntimeOptions): Promise<MujocoRuntime> {
  const base = options.assetBaseUrl === undefined ? DEFAULT_ASSET_BASE : new URL(String(options.assetBaseUrl));
  let mujoco: MainModule;
  try {
    const factory = (await import('@mujoco/mujoco')).default;
    mujoco = await factory();
  } catch (cause) {
    throw new EnvError(
      `Could not load the MuJoCo WebAssembly module from @mujoco/mujoco: ${String(cause)}. Check that the dependency @mujoco/mujoco is installed (npm ci) and that your bundler serves mujoco.wasm.`,
      { cause },
    );
  }
  const xml = new Map<MujocoAsset, string>();
  for (const asset of MUJOCO_ASSETS) {
    const url = new URL(`${asset}.xml`, base);
    try {
      xml.set(asset, await readModelText(url));
    } catch (cause) {
      throw new EnvError(
        `Could not read the MuJoCo model file ${url.href}: ${String(cause)}. It ships in the package's assets/mujoco/ folder; if a bundler moved it, pass loadMujocoRuntime({ assetBaseUrl }) pointing at its new folder.`,
        { cause },
      );
    }
  }
  return Object.freeze({ mujoco, xml, version: mujoco.mj_versionString() });
}

/**
 * Loads the MuJoCo WebAssembly module and the locomotion model files. Call it (and await it)
 * once before making a MuJoCo env with {@link makeEnv} or an env constructor; afterwards those
 * are synchronous. Concurrent and repeated calls share one load; a failed load can be retried.
 *
 * @example
 * ```ts
 * import { loadMujocoRuntime, makeEnv } from 'llmdpd/envs';
 * await loadMujocoRuntime();
 * const env = makeEnv('HalfCheetah-v4');
 * ```
 * @param options - where the model files are, when not in the package's own `assets/mujoco/`.
 * Only the first successful call's options take effect.
 * @throws {@link EnvError} (as a rejection) when the module or a model file cannot be loaded.
 */
export async function loadMujocoRuntime(options: LoadMujocoRuntimeOptions = {}): Promise<MujocoRuntimeInfo> {
  if (runtime === undefined) {
    loading ??= load(options).then(
      (r) => (runtime = r),
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    );
    await loading;
  }
  return Object.freeze({ mujocoVersion: runtime!.version, assets: MUJOCO_ASSETS });
}

/** Whether {@link loadMujocoRuntime} has finished, so MuJoCo envs can be made synchronously. */
export function isMujocoRuntimeLoaded(): boolean {
  return runtime !== undefined;
}

/**
 * The loaded runtime.
 * @param envId - the env that needs it, for the error message.
 * @throws {@link EnvError} when {@link loadMujocoRuntime} has not finished, saying what to call.
 */
export function requireMujocoRuntime(envId: string): MujocoRuntime {
  if (runtime !== undefined) return runtime;
  throw new EnvError(
    `${envId} runs on the MuJoCo WebAssembly runtime, which loads asynchronously and is not loaded yet. ` +
      `Call \`await loadMujocoRuntime()\` (from 'llmdpd/envs') once before makeEnv(${JSON.stringify(envId)}) or the env constructor, ` +
      `or create the env with \`await makeEnvAsync(${JSON.stringify(envId)})\`, which loads it for you.`,
  );
}

/**
 * A model that does not ship with the package: how to compile it, and the key under which envs
 * share the compiled result. Made by `mujocoModelFromFolder` (model-folder.ts) for models read
 * from a user's folder (includes, meshes), or written by hand for other sources.
 */
export interface MujocoModelSource {
  /** Identity of the compiled model: sources with equal keys share one `MjModel`. */
  readonly key: string;
  /** A short name for messages, e.g. the model file. */
  readonly label: string;
  /**
   * Compiles the model on the loaded runtime. Called once per key while any env holds it.
   * @throws {@link EnvError} when the model does not compile, saying why and how to fix it.
   */
  compile(rt: MujocoRuntime): MjModel;
}

/** A model to run: a package model name (`assets/mujoco/`) or a {@link MujocoModelSource}. */
export type MujocoModelRef = MujocoAsset | MujocoModelSource;

function modelKey(ref: MujocoModelRef): string {
  return typeof ref === 'string' ? `asset:${ref}` : `source:${ref.key}`;
}

/**
 * The shared compiled model of `ref` (a package asset or a {@link MujocoModelSource}), compiling
 * it on first use. Each call must be paired with one {@link releaseMujocoModel}; the model is
 * deleted when the count drops to zero.
 * @throws {@link EnvError} when the runtime is not loaded or the model does not compile.
 */
export function acquireMujocoModel(ref: MujocoModelRef, envId: string): MjModel {
  const rt = requireMujocoRuntime(envId);
  const key = modelKey(ref);
  const shared = sharedModels.get(key);
  if (shared !== undefined) {
    shared.refs++;
    return shared.model;
  }
  const model = typeof ref === 'string' ? compile(rt, ref) : ref.compile(rt);
  sharedModels.set(key, { model, refs: 1 });
  return model;
}

/** Releases one reference taken by {@link acquireMujocoModel}; deletes the model at zero. */
export function releaseMujocoModel(ref: MujocoModelRef): void {
  const key = modelKey(ref);
  const shared = sharedModels.get(key);
  if (shared === undefined) return;
  shared.refs--;
  if (shared.refs <= 0) {
    sharedModels.delete(key);
    shared.model.delete();
  }
}

function compile(rt: MujocoRuntime, asset: MujocoAsset): MjModel {
  const text = rt.xml.get(asset);
  if (text === undefined) throw new EnvError(`No MuJoCo model text for ${asset}; reload with loadMujocoRuntime().`);
  // Parse to a spec so the arena size can be set without editing the XML, which stays identical
  // to what the native benchmark loads.
  let spec: MjSpec | undefined;
  try {
    spec = rt.mujoco.parseXMLString(text);
    spec.memory = MUJOCO_ARENA_BYTES;
    const model = rt.mujoco.mj_compile(spec);
    if (model === null || model === undefined) throw new Error('mj_compile returned no model');
    return model;
  } catch (cause) {
    throw new EnvError(
      `The MuJoCo model ${asset}.xml failed to compile: ${String(cause)}. The file in assets/mujoco/ may have been edited; reinstall the package.`,
      { cause },
    );
  } finally {
    spec?.delete();
  }
}

/** Allocates an `MjData` for `model` and counts it; free it with {@link deleteMujocoData}. */
export function createMujocoData(rt: MujocoRuntime, model: MjModel): MjData {
  const data = new rt.mujoco.MjData(model);
  liveData++;
  return data;
}

/** Deletes an `MjData` made by {@link createMujocoData}. */
export function deleteMujocoData(data: MjData): void {
  data.delete();
  liveData--;
}

/**
 * Size of the WASM heap and the live `MjModel`/`MjData` handles. Use it to check for leaks:
 * after every env is closed, `liveModels` and `liveData` return to 0, and `heapBytes` stays put
 * across resets and steps.
 * @throws {@link EnvError} when the runtime is not loaded.
 */
export function mujocoMemoryStats(): MujocoMemoryStats {
  const rt = requireMujocoRuntime('mujocoMemoryStats()');
  // The module does not export its HEAP views; a one-element buffer's view sits on the heap.
  const probe = new rt.mujoco.DoubleBuffer(1);
  try {
    return { heapBytes: (probe.GetView() as Float64Array).buffer.byteLength, liveModels: sharedModels.size, liveData };
  } finally {
    probe.delete();
  }
}
