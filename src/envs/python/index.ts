/**
 * The bridge to Gymnasium envs that run in Python: {@link makePythonEnv} starts the user's
 * interpreter on a single file the library ships and speaks a compact binary protocol with it
 * over stdio. See `docs/envs/python-bridge.md`.
 *
 * @module
 */
export { makePythonEnv, type PythonEnvOptions, type PythonVectorEnvOptions } from './make-python-env.js';
export { PythonEnv } from './python-env.js';
export { PythonVectorEnv } from './python-vector-env.js';
export type { PythonEnvInfo } from './bridge-connection.js';
export {
  PythonEnvError,
  PythonProcessError,
  PythonTimeoutError,
  type PythonOperation,
  type PythonExit,
  type PythonExceptionReport,
  type PythonProcessErrorDetails,
} from './errors.js';
