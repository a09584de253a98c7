/**
 * The environment for worker threads that each start their own engine. The native CPU kernels
 * keep one thread pool per process (`native/cpu/pool.c`), and two worker threads of one process
 * training at once on them have been seen to deadlock (`docs/engine.md`, "Kernel sets"); the wasm
 * kernels keep their state per thread. So training worker threads run on the wasm kernels
 * unless the user chose the kernels with `LLMDPD_KERNELS` (for every thread count, so a run gives
 * the same numbers on one worker thread or several).
 *
 * @module
 */

/**
 * The `env` for one of `threads` worker threads that will each call `initEngine`.
 * @param threads - how many such threads run at once (0: none, the environment is returned as is).
 * @param env - the parent's environment. @defaultValue `process.env`
 */
export function engineWorkerEnv(threads: number, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (threads < 1 || (env['LLMDPD_KERNELS'] ?? '') !== '') return { ...env };
  return { ...env, LLMDPD_KERNELS: 'wasm' };
}
