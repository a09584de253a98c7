/**
 * The WebAssembly backend (`@tensorflow/tfjs-backend-wasm`, XNNPACK kernels with SIMD), the
 * library's default: it installs from npm with no download and runs everywhere Node runs.
 *
 * @module
 */
import { BackendError } from '../core/errors.js';
import { firstLine } from './backends.js';

/** What loading the wasm backend set up. */
export interface WasmSetup {
  /** Package that provided the backend. */
  readonly packageName: string;
  /** Threads XNNPACK was asked to use. */
  readonly requestedThreads: number;
}

/**
 * Imports the wasm backend and configures it before it initialises.
 * @param threads - XNNPACK thread count to request (1 in Node until a threaded build works).
 * @throws {@link BackendError} if the package cannot be imported.
 */
export async function loadWasmBackend(threads: number): Promise<WasmSetup> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setThreadsCount(threads);
  } catch (error) {
    throw new BackendError(`Could not load @tensorflow/tfjs-backend-wasm: ${firstLine(error)}. Reinstall the package ('npm install').`);
  }
  return { packageName: '@tensorflow/tfjs-backend-wasm', requestedThreads: threads };
}

/** Thread count the initialised wasm backend actually uses, or 1 when it cannot say. */
export async function wasmThreadsInUse(): Promise<number> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  try {
    return wasm.getThreadsCount();
  } catch {
    return 1;
  }
}
