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
import { disableWasmKernels, installWasmKernels } from './kernels.js';
import { loadWasmBackend, wasmThreadsInUse } from './wasm.js';

export type { ConcreteBackend } from './backends.js';
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
   * Threads for the wasm backend's kernels (1 to 8). Two or more start tfjs-backend-wasm's
   * threaded SIMD build inside Node; if its workers cannot start, the single-threaded build is
   * used and the reason is listed in {@link EngineInfo.skipped}. On a 2-core machine 2 threads
   * make a 256³ matMul about 1.9x faster when the machine is otherwise idle, but the pool is
   * sensitive to other load on the cores, so the default stays at one thread.
   * @defaultValue 1
   */
  readonly threads?: number;
  /**
   * Which kernels run the hot operations of the networks (matrix products, Mish, Adam) on the
   * single-threaded wasm backend: `'auto'` uses llmdpd's own wasm kernels (see
   * `engine/kernels.ts`: 1.3-1.7x faster products, one pass for Mish and Adam), `'tfjs'` the
   * stock tfjs ops. Other backends and the threaded wasm build always use the tfjs ops. The
   * environment variable `LLMDPD_KERNELS` takes precedence.
   * @defaultValue `'auto'`
   */
  readonly kernels?: KernelRequest;
}

/** A kernel request: see {@link EngineOptions.kernels}. */
export type KernelRequest = 'auto' | 'tfjs';

/** What {@link initEngine} chose. */
export interface EngineInfo {
  /** The active tfjs backend. */
  readonly backend: ConcreteBackend;
  /** The npm package that provides it. */
  readonly packageName: string;
  /** Version of `@tensorflow/tfjs-core`. */
  readonly tfjsVersion: string;
  /**
   * Threads the backend's kernels use (wasm: XNNPACK threads; tensorflow: its own pool, reported as the core count).
   */
  readonly threads: number;
  /** What was requested (after the `LLMDPD_BACKEND` override). */
  readonly requested: BackendRequest;
  /** Thread count that was requested. */
  readonly requestedThreads: number;
  /** Which kernels run the hot operations: llmdpd's wasm kernels, or the stock tfjs ops. */
  readonly kernels: 'llmdpd-wasm' | 'tfjs';
  /** Kernel set that was requested. */
  readonly requestedKernels: KernelRequest;
  /** Why earlier candidates of an `'auto'` request were passed over, and any fall-back inside the chosen backend. */
  readonly skipped: readonly string[];
}

const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

let current: EngineInfo | null = null;

function parseRequest(value: string, source: string): BackendRequest {
  if ((BACKEND_REQUESTS as readonly string[]).includes(value)) return value as BackendRequest;
  throw new BackendError(
    `${source} is ${JSON.stringify(value)}; expected one of ${BACKEND_REQUESTS.map((b) => `'${b}'`).join(', ')}.`,
  );
}

async function activate(
  backend: ConcreteBackend,
  threads: number,
  notes: string[],
): Promise<{ packageName: string; threads: number }> {
  let packageName: string;
  switch (backend) {
    case 'tensorflow':
      packageName = await loadTensorflowBackend();
      break;
    case 'wasm': {
      const setup = await loadWasmBackend(threads);
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
  notes: string[],
): Promise<'llmdpd-wasm' | 'tfjs'> {
  disableWasmKernels();
  if (request === 'tfjs' || backend !== 'wasm') return 'tfjs';
  const reason = await installWasmKernels();
  if (reason === null) return 'llmdpd-wasm';
  notes.push(`llmdpd wasm kernels: ${reason}; using the tfjs ops`);
  return 'tfjs';
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
  const requestedKernels =
    kernelsFromEnv !== undefined && kernelsFromEnv !== '' ? kernelsFromEnv : (options.kernels ?? 'auto');
  if (requestedKernels !== 'auto' && requestedKernels !== 'tfjs') {
    throw new BackendError(
      `${kernelsFromEnv !== undefined && kernelsFromEnv !== '' ? 'LLMDPD_KERNELS' : 'EngineOptions.kernels'} is ${JSON.stringify(requestedKernels)}; expected 'auto' or 'tfjs'.`,
    );
  }
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new BackendError(`EngineOptions.threads must be a positive integer, got ${String(threads)}.`);
  }
  if (
    current !== null &&
    current.requested === requested &&
    current.requestedThreads === threads &&
    current.requestedKernels === requestedKernels &&
    tf.getBackend() === current.backend
  ) {
    return current;
  }
  await registerGradients();

  const candidates: ConcreteBackend[] = requested === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [requested];
  const skipped: string[] = [];
  for (const backend of candidates) {
    try {
      const { packageName, threads: used } = await activate(backend, threads, skipped);
      const kernels = await chooseKernels(backend, requestedKernels, skipped);
      current = Object.freeze({
        backend,
        packageName,
        tfjsVersion: tf.version_core,
        threads: used,
        kernels,
        requested,
        requestedThreads: threads,
        requestedKernels,
        skipped: Object.freeze(skipped),
      });
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
