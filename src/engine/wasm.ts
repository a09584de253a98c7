/**
 * The WebAssembly backend (`@tensorflow/tfjs-backend-wasm`, XNNPACK kernels with SIMD), the
 * library's default: it installs from npm with no download and runs everywhere Node runs.
 *
 * With `threads >= 2` it starts the package's threaded SIMD build, which tfjs never uses in Node
 * on its own (see `wasm-threads.ts` for how); XNNPACK then splits matMul and convolutions over
 * `threads` threads. If that build cannot start (no worker_threads, unwritable temp directory, a
 * worker that fails or never reports ready within the timeout), it falls back to the
 * single-threaded SIMD build and says so: {@link WasmSetup.threads} is 1 and
 * {@link WasmSetup.fallbackReason} holds the reason. It never hangs on a failed start.
 *
 * @module
 */
import type * as WasmPackage from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { availableParallelism } from 'node:os';
import { BackendError } from '../core/errors.js';
import { firstLine } from './backends.js';
import {
  type ThreadedWasmBackend,
  type WasmWorkerFault,
  WASM_MAX_THREADS,
  WASM_THREADS_FLAG,
  startThreadedWasm,
} from './wasm-threads.js';

export type { WasmWorkerFault } from './wasm-threads.js';
export { WASM_MAX_THREADS } from './wasm-threads.js';

/** The npm package of this backend. */
const PACKAGE = '@tensorflow/tfjs-backend-wasm';

/** Priority with which tfjs-backend-wasm registers itself (`WASM_PRIORITY` in its `base.js`). */
const WASM_PRIORITY = 2;

/** Default time the threaded build gets to start before the fall-back, in milliseconds. */
export const DEFAULT_WASM_THREADS_TIMEOUT_MS = 15_000;

/** What loading the wasm backend set up. */
export interface WasmSetup {
  /** Package that provided the backend. */
  readonly packageName: string;
  /** Threads XNNPACK was asked to use. */
  readonly requestedThreads: number;
  /**
   * Threads the prepared backend will use: the XNNPACK pool size of the threaded build, or 1 for
   * the single-threaded build (also after a fall-back).
   */
  readonly threads: number;
  /** Which wasm build was prepared. */
  readonly build: 'simd' | 'threaded-simd';
  /** Why the threaded build was asked for but not used; absent when there was no fall-back. */
  readonly fallbackReason?: string;
}

/** Options of {@link loadWasmBackend} beyond the thread count. */
export interface WasmLoadOptions {
  /**
   * How long the threaded build may take to start before the single-threaded build is used instead.
   * @defaultValue {@link DEFAULT_WASM_THREADS_TIMEOUT_MS}
   */
  readonly timeoutMs?: number;
  /** Testing only: inject a fault into the pthread workers to exercise the fall-back. */
  readonly simulateWorkerFault?: WasmWorkerFault;
}

type WasmModule = typeof WasmPackage;

let lastSetup: WasmSetup | null = null;

async function importWasm(): Promise<WasmModule> {
  try {
    return await import('@tensorflow/tfjs-backend-wasm');
  } catch (error) {
    throw new BackendError(`Could not load ${PACKAGE}: ${firstLine(error)}. Reinstall the package ('npm install').`);
  }
}

/** The initialised `'wasm'` backend instance, if tfjs has one. */
function initialisedBackend(): ThreadedWasmBackend | undefined {
  return tf.engine().registry['wasm'] as ThreadedWasmBackend | undefined;
}

function poolSize(backend: ThreadedWasmBackend): number {
  try {
    const n = backend.wasm.tfjs.getThreadsCount();
    return Number.isInteger(n) && n >= 1 ? n : 1;
  } catch {
    return 1;
  }
}

/**
 * A sensible thread count for this machine: the available parallelism, capped at 4 (XNNPACK's
 * gains flatten beyond that for the layer sizes this library uses) and at {@link WASM_MAX_THREADS}.
 * Returns 1 on a single-core machine.
 */
export function recommendedWasmThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 4, WASM_MAX_THREADS));
}

/**
 * Imports the wasm backend and prepares it before tfjs initialises it.
 *
 * - `threads === 1`: the single-threaded SIMD build (tfjs's own behaviour in Node).
 * - `threads >= 2`: starts the threaded SIMD build now (so a failure can be caught and timed out
 *   here) and registers a `'wasm'` factory that hands tfjs that backend; `tf.setBackend('wasm')`
 *   then activates it. On failure it falls back to the single-threaded build; see
 *   {@link WasmSetup.fallbackReason}.
 *
 * If tfjs already initialised the `'wasm'` backend, that backend is kept as it is (changing the
 * thread count would need `tf.removeBackend('wasm')`, which disposes its tensors) and the result
 * describes it.
 *
 * @param threads - XNNPACK thread count, 1 to {@link WASM_MAX_THREADS}.
 * @param options - start timeout and (tests only) fault injection.
 * @throws {@link BackendError} if the package cannot be imported or `threads` is out of range.
 */
export async function loadWasmBackend(threads: number, options: WasmLoadOptions = {}): Promise<WasmSetup> {
  if (!Number.isInteger(threads) || threads < 1 || threads > WASM_MAX_THREADS) {
    throw new BackendError(`The wasm backend takes 1 to ${WASM_MAX_THREADS} threads, got ${String(threads)}.`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_WASM_THREADS_TIMEOUT_MS;
  if (!(timeoutMs > 0)) {
    throw new BackendError(
      `WasmLoadOptions.timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}.`,
    );
  }
  const wasm = await importWasm();

  const existing = initialisedBackend();
  if (existing !== undefined) {
    const used = poolSize(existing);
    lastSetup = {
      packageName: PACKAGE,
      requestedThreads: threads,
      threads: used,
      build: existing.wasm.PThread !== undefined ? 'threaded-simd' : 'simd',
      ...(used < threads
        ? { fallbackReason: 'the wasm backend was already initialised; its thread count cannot change' }
        : {}),
    };
    return lastSetup;
  }

  const singleThreaded = (fallbackReason?: string): WasmSetup => {
    tf.env().set(WASM_THREADS_FLAG, false);
    wasm.setThreadsCount(1);
    lastSetup = {
      packageName: PACKAGE,
      requestedThreads: threads,
      threads: 1,
      build: 'simd',
      ...(fallbackReason !== undefined ? { fallbackReason } : {}),
    };
    return lastSetup;
  };
  if (threads === 1) return singleThreaded();

  const factory = tf.findBackendFactory('wasm');
  if (factory === null) {
    throw new BackendError(`${PACKAGE} was imported but registered no 'wasm' backend factory.`);
  }
  let backend: ThreadedWasmBackend;
  try {
    backend = await startThreadedWasm(factory, wasm, {
      threads,
      timeoutMs,
      ...(options.simulateWorkerFault !== undefined ? { fault: options.simulateWorkerFault } : {}),
    });
  } catch (error) {
    return singleThreaded(firstLine(error));
  }
  const used = poolSize(backend);
  if (used < 2) {
    backend.dispose();
    return singleThreaded(`the threaded build started but XNNPACK made a pool of ${used} thread(s)`);
  }

  // Hand tfjs the started backend the first time it asks; later (after a removeBackend) build the
  // package's default, single-threaded backend as tfjs would have.
  let handedOver = false;
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    () => {
      if (!handedOver) {
        handedOver = true;
        return backend;
      }
      return factory();
    },
    WASM_PRIORITY,
  );
  lastSetup = { packageName: PACKAGE, requestedThreads: threads, threads: used, build: 'threaded-simd' };
  return lastSetup;
}

/** Thread count the initialised wasm backend actually uses, or 1 when it cannot say. */
export async function wasmThreadsInUse(): Promise<number> {
  const backend = initialisedBackend();
  if (backend !== undefined) return poolSize(backend);
  const wasm = await importWasm();
  try {
    const n = wasm.getThreadsCount();
    return n >= 1 ? n : 1;
  } catch {
    return 1;
  }
}

/** What the last {@link loadWasmBackend} prepared, or `null` before it ran. */
export function lastWasmSetup(): WasmSetup | null {
  return lastSetup;
}
