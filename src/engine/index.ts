/**
 * The engine: the one place that chooses and initialises the tfjs backend.
 *
 * Call {@link initEngine} once before building networks. It returns what it chose, so scripts
 * can log it and benchmarks can record it. Backend choice is explicit state, not a side
 * effect of which packages happen to be imported.
 *
 * Order for `'auto'`: tfjs-node-gpu, then tfjs-node (`'tensorflow'`, optional peers that are used
 * when installed), then `'wasm'` (the default, always installed), then `'cpu'`. An explicitly
 * requested backend that cannot be had throws {@link BackendError}; it never falls back silently.
 * The environment variable `LLMDPD_BACKEND` overrides the requested backend.
 *
 * @module engine
 */
import * as tf from '@tensorflow/tfjs-core';
import { availableParallelism } from 'node:os';
import { BackendError } from '../core/errors.js';
import {
  type ConcreteBackend,
  firstLine,
  loadCpuBackend,
  loadTensorflowBackend,
  registerGradients,
} from './backends.js';
import { activeWasmMemory, disableWasmKernels, installKernels, type KernelSetName } from './kernels.js';
import {
  chooseNativeSet,
  defaultNativeThreads,
  loadNativeAddon,
  type NativeAddon,
  nativeAddonPath,
  type NativeKernelSet,
  nativeProvider,
} from './native.js';
import { installWasmKernels } from './wasm-kernels.js';
import { loadWasmBackend, WASM_MAX_THREADS, wasmThreadsInUse } from './wasm.js';

export type { ConcreteBackend } from './backends.js';
export type { KernelSetName } from './kernels.js';
export type { NativeCpu, NativeKernelSet } from './native.js';
export { measureFmaPeak, nativeKernelSets } from './native.js';
export { BackendError } from '../core/errors.js';
export { backendReady, requireBackend } from './ready.js';

/** A backend request: a concrete backend, or `'auto'` for the best one available. */
export type BackendRequest = 'auto' | ConcreteBackend;

/** Options of {@link initEngine}. */
export interface EngineOptions {
  /**
   * Which backend to use. The environment variable `LLMDPD_BACKEND` takes precedence.
   * @defaultValue `'auto'`
   */
  readonly backend?: BackendRequest;
  /**
   * Threads for the kernels. With llmdpd's native kernels (the default where the addon is
   * built), the size of their thread pool, any positive number; the default is every core
   * (`os.availableParallelism()`). Without them, threads of the wasm backend (1 to 8): two or
   * more start tfjs-backend-wasm's threaded SIMD build, which turns the wasm kernels off; the
   * default is then 1, because the wasm kernels on one thread beat XNNPACK on two (see
   * `BENCHMARKS.md`, "Threaded wasm"). If the threaded build's workers cannot start, the single-threaded build is
   * used and the reason is listed in {@link EngineInfo.skipped}. The environment variable
   * `LLMDPD_THREADS` takes precedence.
   * @defaultValue every core with native kernels, else 1
   */
  readonly threads?: number;
  /**
   * Which kernels run the hot operations of the networks (matrix products, Mish, Adam) on the
   * wasm backend (see `engine/kernels.ts` and docs/engine.md):
   * - `'auto'`: the best available: the native addon's best set, else the wasm kernels, else
   *   the tfjs ops;
   * - `'native'`: the native addon's best set for this CPU; `'native-avx512'`, `'native-avx2'`,
   *   `'native-portable'`: exactly that set;
   * - `'wasm'`: the WebAssembly SIMD kernels (one thread);
   * - `'tfjs'`: the stock tfjs ops.
   * Anything but `'auto'` and `'tfjs'` throws {@link BackendError} when it cannot be had. Other
   * backends always use the tfjs ops. The environment variable `LLMDPD_KERNELS` takes precedence.
   * @defaultValue `'auto'`
   */
  readonly kernels?: KernelRequest;
}

/** A kernel request: see {@link EngineOptions.kernels}. */
export type KernelRequest = 'auto' | 'native' | 'native-avx512' | 'native-avx2' | 'native-portable' | 'wasm' | 'tfjs';

const KERNEL_REQUESTS: readonly KernelRequest[] = [
  'auto',
  'native',
  'native-avx512',
  'native-avx2',
  'native-portable',
  'wasm',
  'tfjs',
];

/** What {@link initEngine} chose. */
export interface EngineInfo {
  /** The active tfjs backend. */
  readonly backend: ConcreteBackend;
  /** The npm package that provides it. */
  readonly packageName: string;
  /** Version of `@tensorflow/tfjs-core`. */
  readonly tfjsVersion: string;
  /**
   * Threads the kernels use: the native kernels' pool, or the wasm backend's XNNPACK threads;
   * tensorflow: its own pool, reported as the core count.
   */
  readonly threads: number;
  /** What was requested (after the `LLMDPD_BACKEND` override). */
  readonly requested: BackendRequest;
  /** Thread count that was requested (the default, resolved, when none was). */
  readonly requestedThreads: number;
  /**
   * Which kernels run the hot operations: a set of llmdpd's native kernels
   * (`'native-avx512'`, `'native-avx2'`, `'native-portable'`), llmdpd's wasm kernels, or the
   * stock tfjs ops.
   */
  readonly kernels: KernelSetName;
  /** Kernel set that was requested. */
  readonly requestedKernels: KernelRequest;
  /** Why earlier candidates of an `'auto'` request were passed over, and any fall-back inside the chosen backend. */
  readonly skipped: readonly string[];
}

const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

let current: EngineInfo | null = null;
/** The options behind {@link current}, to recognise a repeated call. */
let lastRequest: {
  backend: BackendRequest;
  threads: number | undefined;
  kernels: KernelRequest;
  addon: string;
} | null = null;

function parseRequest(value: string, source: string): BackendRequest {
  if ((BACKEND_REQUESTS as readonly string[]).includes(value)) return value as BackendRequest;
  throw new BackendError(
    `${source} is ${JSON.stringify(value)}; expected one of ${BACKEND_REQUESTS.map((b) => `'${b}'`).join(', ')}.`,
  );
}

/** The native addon and set a wasm backend will get, decided before the backend loads. */
interface NativePlan {
  readonly addon: NativeAddon;
  readonly set: NativeKernelSet;
}

/**
 * Whether the native kernels will run: they need the single-threaded wasm build, so this is
 * decided before the backend is loaded.
 * @throws {@link BackendError} when a native set was asked for explicitly and cannot be had.
 */
function planNative(request: KernelRequest, notes: string[]): NativePlan | null {
  if (request !== 'auto' && !request.startsWith('native')) return null;
  const addon = loadNativeAddon();
  if (typeof addon === 'string') {
    if (request !== 'auto') throw new BackendError(`Kernels '${request}' were requested but ${addon}.`);
    notes.push(`llmdpd native kernels: ${addon}; using the wasm kernels`);
    return null;
  }
  const wanted =
    request === 'auto' || request === 'native' ? 'best' : (request.slice('native-'.length) as NativeKernelSet);
  return { addon, set: chooseNativeSet(addon, wanted) };
}

async function activate(
  backend: ConcreteBackend,
  threads: number,
  native: NativePlan | null,
  notes: string[],
): Promise<{ packageName: string; threads: number }> {
  let packageName: string;
  switch (backend) {
    case 'tensorflow':
      packageName = await loadTensorflowBackend();
      break;
    case 'wasm': {
      // The native kernels run their own threads on the single-threaded build's memory.
      const wasmThreads = native !== null ? 1 : Math.min(threads, WASM_MAX_THREADS);
      if (native === null && wasmThreads < threads)
        notes.push(`wasm threaded build: at most ${WASM_MAX_THREADS} threads; using ${wasmThreads}`);
      const setup = await loadWasmBackend(wasmThreads);
      packageName = setup.packageName;
      if (setup.fallbackReason !== undefined)
        notes.push(`wasm threaded build (${threads} threads): ${setup.fallbackReason}; using 1 thread`);
      break;
    }
    case 'cpu':
      packageName = await loadCpuBackend();
      break;
    default: {
      const never: never = backend;
      throw new BackendError(`Unknown backend ${String(never)}.`);
    }
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(backend);
    await tf.ready();
  } catch (error) {
    throw new BackendError(`The '${backend}' backend (${packageName}) failed to initialise: ${firstLine(error)}.`);
  }
  if (!ok || tf.getBackend() !== backend) {
    throw new BackendError(
      `The '${backend}' backend (${packageName}) was loaded but tfjs could not activate it (active: ${tf.getBackend()}).`,
    );
  }
  const used = backend === 'wasm' ? await wasmThreadsInUse() : backend === 'cpu' ? 1 : availableParallelism();
  return { packageName, threads: used };
}

async function chooseKernels(
  backend: ConcreteBackend,
  request: KernelRequest,
  native: NativePlan | null,
  threads: number,
  notes: string[],
): Promise<{ kernels: KernelSetName; threads: number | null }> {
  disableWasmKernels();
  if (request === 'tfjs') return { kernels: 'tfjs', threads: null };
  if (backend !== 'wasm') {
    if (request !== 'auto')
      throw new BackendError(
        `Kernels '${request}' run on the 'wasm' backend only; the active backend is '${backend}'.`,
      );
    return { kernels: 'tfjs', threads: null };
  }
  if (native !== null) {
    const target = activeWasmMemory();
    const provider =
      typeof target === 'string' ? null : nativeProvider(native.addon, target.memory, native.set, threads);
    const reason = provider === null ? (target as string) : installKernels(provider);
    if (reason === null) return { kernels: provider!.name, threads: provider!.threads };
    if (request !== 'auto') throw new BackendError(`Kernels '${request}' could not be used: ${reason}.`);
    notes.push(`llmdpd native kernels (${native.set}): ${reason}; using the wasm kernels`);
  }
  const reason = await installWasmKernels();
  if (reason === null) return { kernels: 'wasm', threads: 1 };
  if (request === 'wasm') throw new BackendError(`Kernels 'wasm' could not be used: ${reason}.`);
  notes.push(`llmdpd wasm kernels: ${reason}; using the tfjs ops`);
  return { kernels: 'tfjs', threads: null };
}

/**
 * The thread count asked for: `LLMDPD_THREADS` when set, else the option.
 * @throws {@link BackendError} when either is not a positive integer.
 */
function threadRequest(option: number | undefined): number | undefined {
  const fromEnv = process.env['LLMDPD_THREADS'];
  if (fromEnv !== undefined && fromEnv !== '') {
    const parsed = Number(fromEnv);
    if (!/^\d+$/.test(fromEnv.trim()) || !Number.isSafeInteger(parsed) || parsed < 1)
      throw new BackendError(`LLMDPD_THREADS must be a positive integer, got ${JSON.stringify(fromEnv)}.`);
    return parsed;
  }
  if (option !== undefined && (!Number.isInteger(option) || option < 1))
    throw new BackendError(`EngineOptions.threads must be a positive integer, got ${String(option)}.`);
  return option;
}

/**
 * Chooses, loads and initialises the tfjs backend.
 *
 * @example
 * ```ts
 * const info = await initEngine();               // 'auto'
 * console.log(info.backend, info.tfjsVersion);   // e.g. wasm 4.22.0
 * ```
 * @throws {@link BackendError} when an explicitly requested backend cannot be loaded, or the
 * `LLMDPD_BACKEND` variable holds an unknown name.
 */
export async function initEngine(options: EngineOptions = {}): Promise<EngineInfo> {
  const fromEnv = process.env['LLMDPD_BACKEND'];
  const requested =
    fromEnv !== undefined && fromEnv !== ''
      ? parseRequest(fromEnv, 'LLMDPD_BACKEND')
      : parseRequest(options.backend ?? 'auto', 'EngineOptions.backend');
  const kernelsFromEnv = process.env['LLMDPD_KERNELS'];
  const kernelsFromEnvSet = kernelsFromEnv !== undefined && kernelsFromEnv !== '';
  const requestedKernels = kernelsFromEnvSet ? kernelsFromEnv : (options.kernels ?? 'auto');
  if (!(KERNEL_REQUESTS as readonly string[]).includes(requestedKernels)) {
    throw new BackendError(
      `${kernelsFromEnvSet ? 'LLMDPD_KERNELS' : 'EngineOptions.kernels'} is ${JSON.stringify(requestedKernels)}; expected one of ${KERNEL_REQUESTS.map((k) => `'${k}'`).join(', ')}.`,
    );
  }
  const kernelRequest = requestedKernels as KernelRequest;
  const threadOption = threadRequest(options.threads);
  if (
    current !== null &&
    lastRequest !== null &&
    lastRequest.backend === requested &&
    lastRequest.threads === threadOption &&
    lastRequest.kernels === kernelRequest &&
    lastRequest.addon === nativeAddonPath() &&
    tf.getBackend() === current.backend
  ) {
    return current;
  }
  await registerGradients();

  const candidates: ConcreteBackend[] = requested === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [requested];
  const skipped: string[] = [];
  for (const backend of candidates) {
    try {
      const native = backend === 'wasm' ? planNative(kernelRequest, skipped) : null;
      const threads = threadOption ?? (native !== null ? defaultNativeThreads() : 1);
      const { packageName, threads: used } = await activate(backend, threads, native, skipped);
      const kernels = await chooseKernels(backend, kernelRequest, native, threads, skipped);
      current = Object.freeze({
        backend,
        packageName,
        tfjsVersion: tf.version_core,
        threads: kernels.threads ?? used,
        kernels: kernels.kernels,
        requested,
        requestedThreads: threads,
        requestedKernels: kernelRequest,
        skipped: Object.freeze(skipped),
      });
      lastRequest = { backend: requested, threads: threadOption, kernels: kernelRequest, addon: nativeAddonPath() };
      return current;
    } catch (error) {
      if (requested !== 'auto') throw error;
      skipped.push(`${backend}: ${firstLine(error)}`);
    }
  }
  throw new BackendError(`No tfjs backend could be initialised: ${skipped.join('; ')}.`);
}

/** The result of the last successful {@link initEngine}, or `null` before it ran. */
export function engineInfo(): EngineInfo | null {
  return current;
}

/** Live tensor count of the active backend; tests and leak checks compare it before and after. */
export function liveTensorCount(): number {
  return tf.memory().numTensors;
}

export { engineWorkerEnv } from './worker-kernels.js';
