// bench:python-bridge — steps per second through the Python bridge (makePythonEnv) for envs that
// cost nothing, so the figure is the bridge's own overhead: framing, two pipe hops, decoding.
//
//   npm run bench:python-bridge                     # build, then this script
//   node bench/python-bridge.js --steps 20000 --rounds 5 --envs 8 --python /usr/bin/python3
//
// Prints one JSON line per case (median and all rounds), after a line with the machine and the
// load average. Cases, interleaved round by round so background load hits all alike:
// - `pipe-floor`: a bare Python echo of one 13-byte frame, the fastest a Node<->Python round trip
//   can be on this machine (the bridge cannot beat it);
// - `single`: one TrivialEnv (4 float32 out, 2 in, empty info), one env step per round trip;
// - `single-info`: one InfoEnv (a 3-key info dict per step, so JSON on the wire);
// - `vector`: --envs TrivialEnvs in one process, env steps per second (one round trip per batch).
// Target: >= 10,000 steps/s for `single`.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePythonEnv } from '../dist/envs/index.js';
import { emit, machineFacts, median } from './lib/report.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ENVS = path.join(HERE, 'python');

function parseArgs(argv) {
  const args = { steps: 20_000, rounds: 5, envs: 8, python: 'python3' };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (key === '--steps') args.steps = Number(value);
    else if (key === '--rounds') args.rounds = Number(value);
    else if (key === '--envs') args.envs = Number(value);
    else if (key === '--python') args.python = value;
    else throw new Error(`unknown argument ${key}; use --steps N --rounds N --envs N --python PATH`);
  }
  return args;
}

const ECHO = [
  'import os, struct',
  'r = os.fdopen(0, "rb", buffering=65536)',
  'while True:',
  '    h = r.read(5)',
  '    if len(h) < 5: break',
  '    n, k = struct.unpack("<IB", h)',
  '    os.write(1, h + r.read(n - 1))',
].join('\n');

/** Round trips per second of a bare echo: the floor under any protocol over these pipes. */
async function pipeFloor(python, steps) {
  const child = spawn(python, ['-c', ECHO], { stdio: ['pipe', 'pipe', 'inherit'] });
  const frame = Buffer.alloc(13);
  frame.writeUInt32LE(9, 0);
  frame[4] = 3;
  let wake = () => undefined;
  child.stdout.on('data', () => wake());
  const once = () =>
    new Promise((resolve) => {
      wake = resolve;
      child.stdin.write(frame);
    });
  for (let i = 0; i < 500; i++) await once();
  const start = performance.now();
  for (let i = 0; i < steps; i++) await once();
  const perSecond = steps / ((performance.now() - start) / 1000);
  child.stdin.end();
  return perSecond;
}

/** Env steps per second of `env` (a PythonEnv or PythonVectorEnv) over `calls` step calls. */
async function stepRate(env, action, calls, envsPerCall) {
  for (let i = 0; i < 500; i++) await env.step(action);
  const start = performance.now();
  for (let i = 0; i < calls; i++) await env.step(action);
  return (calls * envsPerCall) / ((performance.now() - start) / 1000);
}

const args = parseArgs(process.argv.slice(2));
const options = { python: args.python, cwd: ENVS };
const single = await makePythonEnv('bench_envs:TrivialEnv', options);
const withInfo = await makePythonEnv('bench_envs:InfoEnv', options);
const vector = await makePythonEnv('bench_envs:TrivialEnv', { ...options, numEnvs: args.envs });
await Promise.all([single.reset({ seed: 0 }), withInfo.reset({ seed: 0 }), vector.reset({ seed: 0 })]);
emit({
  bench: 'python-bridge',
  ...machineFacts(),
  python: single.python.executable,
  pythonVersion: single.python.pythonVersion,
  loadAverageBefore: os.loadavg().map((x) => Math.round(x * 100) / 100),
  steps: args.steps,
  rounds: args.rounds,
});

const rounds = { 'pipe-floor': [], single: [], 'single-info': [], vector: [] };
const vectorCalls = Math.max(1, Math.round(args.steps / args.envs));
for (let r = 0; r < args.rounds; r++) {
  rounds['pipe-floor'].push(await pipeFloor(args.python, args.steps));
  rounds.single.push(await stepRate(single, new Float32Array(2), args.steps, 1));
  rounds['single-info'].push(await stepRate(withInfo, new Float32Array(2), args.steps, 1));
  rounds.vector.push(await stepRate(vector, new Float32Array(2 * args.envs), vectorCalls, args.envs));
}
await Promise.all([single.close(), withInfo.close(), vector.close()]);

for (const [name, values] of Object.entries(rounds)) {
  emit({
    case: name,
    envsPerProcess: name === 'vector' ? args.envs : 1,
    stepsPerSecond: Math.round(median(values)),
    rounds: values.map(Math.round),
    ...(name === 'single' ? { target: 10_000, meetsTarget: median(values) >= 10_000 } : {}),
  });
}
emit({ loadAverageAfter: os.loadavg().map((x) => Math.round(x * 100) / 100) });
