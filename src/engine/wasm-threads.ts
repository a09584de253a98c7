/**
 * Starts tfjs-backend-wasm's threaded SIMD build (XNNPACK with a pthreadpool) under Node.
 *
 * `@tensorflow/tfjs-backend-wasm` 4.x ships `tfjs-backend-wasm-threaded-simd.wasm` and its
 * emscripten glue (3.1-era, `PThread` with a pre-started pool of 8 workers) in the Node bundle,
 * but never uses it in Node, for three reasons that this module works around at run time,
 * without touching `node_modules`:
 *
 * 1. The flag `WASM_HAS_MULTITHREAD_SUPPORT` returns `false` whenever `IS_NODE`.
 *    → We set it to `true` with `tf.env().set` for the duration of the start.
 * 2. The glue starts its pthread workers from `URL.createObjectURL(new Blob([workerSource]))`, and
 *    hands each worker the main script as a `Blob` (`mainScriptUrlOrBlob`). Node's
 *    `worker_threads.Worker` cannot run `blob:` URLs, and the worker cannot read a Blob
 *    synchronously. → During the start we replace `globalThis.Blob` by a subclass that remembers
 *    the text it was built from, and `URL.createObjectURL` by a function that writes that text to
 *    a file in a private temporary directory and returns the file's path. The worker file gets a
 *    prologue (the free variables the bundle's factory expects: `require$$0` = fs, `require$$1` =
 *    path, `require$$3` = perf_hooks, `require$$4` = os, `commonjsGlobal`) and an epilogue that
 *    swaps the Blob in the worker's `load` message for the path of the main script on disk.
 * 3. The C++ side caps the thread count at `emscripten_num_logical_cores() / 2`, which the glue
 *    reads as `os.cpus().length`; on a 2-core machine that cap is 1. → During the start we make
 *    `os.cpus()` report at least `2 × threads` entries (the real entries, repeated).
 *
 * Workers stay `unref()`ed (the glue's `worker.ref()` when it hands out a pthread is a no-op
 * here): XNNPACK's pool works only while the main thread waits on it, so an idle pool must not
 * keep the process alive.
 *
 * Every replaced global is restored before {@link startThreadedWasm} returns or throws, except
 * `globalThis.Worker`, which the emscripten glue itself sets to `worker_threads.Worker` and keeps
 * using. An error in a worker while
 * the module starts rejects the start (instead of the glue's handler rethrowing it on the main
 * thread), and a start that does not finish within the timeout is abandoned: its workers are
 * terminated and, should it still finish later, its backend is disposed.
 *
 * The threaded module's pool of 8 pre-started workers is trimmed to the ones XNNPACK uses.
 *
 * Residual risk, documented rather than handled: once the threadpool exists, kernels block the
 * main thread until the pool's workers finish their part. A worker that dies after a successful
 * start (out of memory, killed by a debugger) would block that call forever; this is true of
 * threaded wasm in browsers too.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';
import { BackendError } from '../core/errors.js';

/** The tfjs flag that selects the threaded build. */
export const WASM_THREADS_FLAG = 'WASM_HAS_MULTITHREAD_SUPPORT';

/** Highest thread count the tfjs C++ side accepts (its `max_num_threads`). */
export const WASM_MAX_THREADS = 8;

/** Text with which the bundle's main-script Blob starts. */
const MAIN_SCRIPT_MARKER = 'var WasmBackendModuleThreadedSimd';

/**
 * A fault to inject into the pthread workers, so tests can exercise the fall-back path with real
 * workers: `'throw'` makes each worker throw while it loads the module, `'hang'` makes each
 * worker ignore the load request so the start never finishes.
 */
export type WasmWorkerFault = 'throw' | 'hang';

/** Options of {@link startThreadedWasm}. */
export interface ThreadedWasmOptions {
  /** XNNPACK threads (the calling thread included), 2 to {@link WASM_MAX_THREADS}. */
  readonly threads: number;
  /** How long to wait for the module and its workers before giving up, in milliseconds. */
  readonly timeoutMs: number;
  /** Testing only: a fault to inject into the workers. */
  readonly fault?: WasmWorkerFault;
}

/** The parts of the backend and its emscripten module this module uses. */
export interface ThreadedWasmBackend extends tf.KernelBackend {
  /** The emscripten module. */
  readonly wasm: {
    /** Bridges that tfjs adds to the module. */
    readonly tfjs: { getThreadsCount(): number };
    /** Emscripten's pthread bookkeeping (threaded build only). */
    readonly PThread?: { unusedWorkers: NodeWorker[]; runningWorkers: NodeWorker[] };
  };
}

/** What the wasm package exports that this module uses. */
export interface WasmPackage {
  /** Sets the XNNPACK thread count for the next initialisation. */
  setThreadsCount(threads: number): void;
}

let scratchDir: string | null = null;

/** A private directory for the generated scripts, removed when the process exits. */
function scratch(): string {
  if (scratchDir === null) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'llmdpd-wasm-threads-'));
    process.once('exit', () => {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // Nothing to do: the directory only holds generated scripts.
      }
    });
    scratchDir = dir;
  }
  return scratchDir;
}

/** The code around the bundle's worker source; see the module comment. */
function workerPrologue(): string {
  return [
    '"use strict";',
    "globalThis.require$$0 = require('fs');",
    "globalThis.require$$1 = require('path');",
    "globalThis.require$$3 = require('perf_hooks');",
    "globalThis.require$$4 = require('os');",
    'globalThis.commonjsGlobal = globalThis;',
    '',
  ].join('\n');
}

function workerEpilogue(mainScriptPath: string, fault: WasmWorkerFault | undefined): string {
  return [
    '',
    ';(function llmdpdPatchLoad() {',
    '  var handle = self.onmessage;',
    '  self.onmessage = function (event) {',
    "    if (event && event.data && event.data.cmd === 'load') {",
    fault === 'throw' ? "      throw new Error('llmdpd: simulated worker failure');" : '',
    fault === 'hang' ? '      return;' : '',
    `      event.data.urlOrBlob = ${JSON.stringify(mainScriptPath)};`,
    '    }',
    '    return handle(event);',
    '  };',
    '})();',
    '',
  ].join('\n');
}

/** Replaces `target[key]` and returns the function that puts the original back. */
function replace<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): () => void {
  const had = Object.prototype.hasOwnProperty.call(target, key);
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  Object.defineProperty(target, key, {
    value,
    writable: true,
    configurable: true,
    enumerable: descriptor?.enumerable ?? false,
  });
  return () => {
    if (had && descriptor !== undefined) Object.defineProperty(target, key, descriptor);
    else delete target[key];
  };
}

/** The state of one start, shared by the shims. */
interface StartState {
  readonly dir: string;
  readonly options: ThreadedWasmOptions;
  readonly workers: Set<NodeWorker>;
  mainScriptPath: string | null;
  outcome: 'pending' | 'started' | 'failed';
  fail(reason: string): void;
}

/** Installs the shims of the module comment; returns the function that removes them. */
function installShims(state: StartState): () => void {
  const restorers: (() => void)[] = [];
  const texts = new WeakMap<Blob, string>();
  const NativeBlob = globalThis.Blob;

  class RecordingBlob extends NativeBlob {
    constructor(...args: ConstructorParameters<typeof Blob>) {
      super(...args);
      const parts: unknown[] | undefined = args[0];
      if (parts !== undefined && parts.every((p) => typeof p === 'string')) {
        const text = parts.join('');
        texts.set(this, text);
        if (text.startsWith(MAIN_SCRIPT_MARKER)) {
          const file = path.join(state.dir, 'threaded-simd-main.cjs');
          writeFileSync(file, text);
          state.mainScriptPath = file;
        }
      }
    }
  }
  restorers.push(replace(globalThis, 'Blob', RecordingBlob));

  let workerFiles = 0;
  const createObjectURL = (blob: Blob): string => {
    const text = texts.get(blob);
    if (text === undefined || state.mainScriptPath === null) {
      throw new BackendError(
        'The threaded wasm build asked for a Blob URL that llmdpd cannot serve from disk (tfjs-backend-wasm changed how it starts workers).',
      );
    }
    const file = path.join(state.dir, `threaded-simd-worker-${state.options.fault ?? 'ok'}-${workerFiles++}.cjs`);
    writeFileSync(file, workerPrologue() + text + workerEpilogue(state.mainScriptPath, state.options.fault));
    return file;
  };
  restorers.push(replace(URL, 'createObjectURL', createObjectURL));

  const realCpus = os.cpus;
  const wanted = 2 * state.options.threads;
  restorers.push(
    replace(os, 'cpus', () => {
      const cpus = realCpus();
      if (cpus.length === 0) return cpus;
      const padded = [...cpus];
      while (padded.length < wanted) padded.push(cpus[padded.length % cpus.length]);
      return padded;
    }),
  );

  // The glue assigns `globalThis.Worker = worker_threads.Worker` and then calls `new Worker(file)`;
  // the accessor hands it a subclass that records, unrefs and guards every worker it starts.
  class GuardedWorker extends NodeWorker {
    constructor(filename: string | URL, options?: WorkerOptions) {
      super(filename, options);
      this.unref();
      state.workers.add(this);
      let handler: ((error: unknown) => void) | undefined;
      Object.defineProperty(this, 'onerror', {
        configurable: true,
        get: () => (error: unknown) => {
          // Errors of a start that failed are ours to report (the first one) or drop (the rest,
          // from workers being terminated); after a successful start the glue's handler decides.
          if (state.outcome === 'pending')
            state.fail(`a pthread worker failed while the module started: ${describe(error)}`);
          else if (state.outcome === 'started') handler?.(error);
        },
        set: (value: (error: unknown) => void) => {
          handler = value;
        },
      });
      this.on('exit', (code) => {
        if (state.outcome === 'pending')
          state.fail(`a pthread worker exited with code ${code} while the module started`);
      });
    }

    /**
     * The glue refs a worker when it hands it a pthread, so an idle XNNPACK pool would keep the
     * process alive for ever; the pool only works while the main thread waits on it, so it never
     * needs to.
     */
    override ref(): void {
      // Deliberately a no-op; see above.
    }
  }
  const globalRecord = globalThis as unknown as Record<string, unknown>;
  const workerDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    enumerable: false,
    get: () => GuardedWorker,
    set: () => {
      // The glue's own assignment; the guarded subclass stands in for it during the start.
    },
  });
  restorers.push(() => {
    if (workerDescriptor !== undefined) Object.defineProperty(globalThis, 'Worker', workerDescriptor);
    else globalRecord['Worker'] = NodeWorker;
  });

  return () => {
    for (const restore of restorers.reverse()) restore();
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}

/**
 * Creates a tfjs-backend-wasm backend from the threaded SIMD build, without registering it.
 *
 * Must run before tfjs initialises the `'wasm'` backend. On failure every global is restored, the
 * flag is reset to `false` and the thread count to 1, so the package's own factory then builds
 * the single-threaded SIMD module.
 *
 * @param factory - the `'wasm'` backend factory the package registered (`tf.findBackendFactory('wasm')`).
 * @param wasm - the wasm package, for `setThreadsCount`.
 * @param options - thread count, timeout and (tests only) a fault to inject.
 * @returns the backend; its XNNPACK pool may still be smaller than asked (the caller checks).
 * @throws {@link BackendError} when the module cannot start, a worker fails, or the timeout passes.
 */
export async function startThreadedWasm(
  factory: () => tf.KernelBackend | Promise<tf.KernelBackend>,
  wasm: WasmPackage,
  options: ThreadedWasmOptions,
): Promise<ThreadedWasmBackend> {
  if (!Number.isInteger(options.threads) || options.threads < 2 || options.threads > WASM_MAX_THREADS) {
    throw new BackendError(`Threaded wasm needs 2 to ${WASM_MAX_THREADS} threads, got ${String(options.threads)}.`);
  }
  if (
    typeof NodeWorker !== 'function' ||
    typeof SharedArrayBuffer !== 'function' ||
    typeof globalThis.Blob !== 'function'
  ) {
    throw new BackendError('Threaded wasm needs worker_threads, SharedArrayBuffer and Blob, which this runtime lacks.');
  }
  let dir: string;
  try {
    dir = scratch();
  } catch (error) {
    throw new BackendError(`Threaded wasm could not create its temporary directory: ${describe(error)}.`);
  }

  let rejectStart: (reason: BackendError) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    rejectStart = reject;
  });
  const state: StartState = {
    dir,
    options,
    workers: new Set(),
    mainScriptPath: null,
    outcome: 'pending',
    fail: (reason) => rejectStart(new BackendError(`Threaded wasm failed to start: ${reason}.`)),
  };

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new BackendError(
            `Threaded wasm did not start within ${options.timeoutMs} ms (its pthread workers never reported ready).`,
          ),
        ),
      options.timeoutMs,
    );
  });

  const restore = installShims(state);
  tf.env().set(WASM_THREADS_FLAG, true);
  wasm.setThreadsCount(options.threads);
  let pending: Promise<tf.KernelBackend> | undefined;
  try {
    pending = Promise.resolve().then(factory);
    const backend = (await Promise.race([pending, failed, timedOut])) as ThreadedWasmBackend;
    if (backend.wasm.PThread === undefined) {
      backend.dispose();
      throw new BackendError('Threaded wasm failed to start: tfjs built the single-threaded module instead.');
    }
    state.outcome = 'started';
    trimIdleWorkers(backend);
    return backend;
  } catch (error) {
    state.outcome = 'failed';
    for (const worker of state.workers) void worker.terminate();
    // An abandoned start that still finishes later must not leave a module and its threads behind.
    pending?.then(
      (late) => late.dispose(),
      () => undefined,
    );
    wasm.setThreadsCount(1);
    if (error instanceof BackendError) throw error;
    throw new BackendError(`Threaded wasm failed to start: ${describe(error)}.`, { cause: error });
  } finally {
    clearTimeout(timer);
    failed.catch(() => undefined);
    timedOut.catch(() => undefined);
    tf.env().set(WASM_THREADS_FLAG, false);
    restore();
  }
}

/** Terminates the pre-started pthread workers that XNNPACK's pool did not take. */
function trimIdleWorkers(backend: ThreadedWasmBackend): void {
  const pthread = backend.wasm.PThread;
  if (pthread === undefined) return;
  const idle = pthread.unusedWorkers.splice(0);
  for (const worker of idle) void worker.terminate();
}
