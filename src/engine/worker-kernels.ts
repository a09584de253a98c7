/**
 * The environment for worker threads that each start their own engine and train at once (the
 * comparison runner's and the demo's). Each gets one kernel thread (`LLMDPD_THREADS=1`) unless
 * the user set `LLMDPD_THREADS`: several engines that each size the native kernels' pool to
 * every core would oversubscribe the machine, and one thread per run is what makes a run's time
 * the same on one worker thread or several. The kernels themselves stay whatever `initEngine`
 * chooses (the native addon where it is built); the native kernels give the same numbers on any
 * thread count, so a run's results do not depend on how many workers share the machine.
 *
 * @module
 */

/**
 * The `env` for one of `threads` worker threads that will each call `initEngine`.
 * @param threads - how many such threads run at once (0: none, the environment is returned as is).
 * @param env - the parent's environment. @defaultValue `process.env`
 */
export function engineWorkerEnv(threads: number, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (threads < 1 || (env['LLMDPD_THREADS'] ?? '') !== '') return { ...env };
  return { ...env, LLMDPD_THREADS: '1' };
}
