/**
 * A parent process for the lifecycle tests: makes a PythonEnv, prints its Python pid, then ends
 * the way argv[2] says, without ever calling close():
 * - `return`: the script simply ends (nothing keeps Node alive, the exit hook ends Python);
 * - `exit`: process.exit(0);
 * - `sigkill`: the parent kills itself with SIGKILL (Python sees end-of-file on stdin);
 * - `sigkill-busy`: Python is hanging in reset() when the parent dies (its watchdog notices).
 *
 * Arguments: mode, python, fixtures folder, close-marker file.
 */
import { makePythonEnv } from '../../../../src/envs/python/index.js';

const [mode, python, cwd, marker] = process.argv.slice(2);
const env = await makePythonEnv('toy_envs:DriftEnv', { python, cwd, kwargs: { close_marker: marker } });
await env.reset({ seed: 0 });
await env.step(Float32Array.of(0.5));
process.stdout.write(`${env.pid}\n`);

if (mode === 'exit') process.exit(0);
if (mode === 'sigkill') process.kill(process.pid, 'SIGKILL');
if (mode === 'sigkill-busy') {
  env.reset({ options: { hang: true } }).catch(() => undefined);
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), 300);
}
