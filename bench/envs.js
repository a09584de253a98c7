// bench:envs — env steps per second of the MuJoCo locomotion envs (random actions, resets
// included), compared with native MuJoCo stepping the same XML with the same loop.
//
//   npm run bench:envs                      # build, then this script
//   node bench/envs.js --steps 20000 --rounds 3 --ids Hopper-v4,Walker2d-v4
//
// Prints one JSON line per env, then one line for the 10,000-reset memory check. Each env line:
// steps/s through makeEnv (TimeLimit and OrderEnforcing wrappers included, as users run it), the
// median of `rounds` rounds, and the same for native MuJoCo when bench/native/locomotion_bench.c
// can be compiled here (Debian: apt-get install libmujoco-dev, MuJoCo 2.2.2). Rounds alternate
// between WASM and native so background load hits both alike; `ratioToNative` is the median of
// the per-round (paired) ratios. Note the versions differ: the
// WASM build is MuJoCo 3.x, Debian's library 2.2.2; the model, frame skip, control loop,
// termination rule and reset noise are the same.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../dist/core/rng.js';
import { loadMujocoRuntime, makeEnv, mujocoMemoryStats } from '../dist/envs/index.js';
import { emit, machineFacts, median, round3 } from './lib/report.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ASSETS = path.join(HERE, '..', 'assets', 'mujoco');

/** What the native program needs to run the same loop as the env. */
const NATIVE = {
  'HalfCheetah-v4': { xml: 'half_cheetah.xml', frameSkip: 5, healthy: 'none' },
  'HalfCheetah-v5': { xml: 'half_cheetah.xml', frameSkip: 5, healthy: 'none' },
  'Hopper-v4': { xml: 'hopper.xml', frameSkip: 4, healthy: 'hopper' },
  'Hopper-v5': { xml: 'hopper.xml', frameSkip: 4, healthy: 'hopper' },
  'Walker2d-v4': { xml: 'walker2d.xml', frameSkip: 4, healthy: 'walker' },
  'Walker2d-v5': { xml: 'walker2d_v5.xml', frameSkip: 4, healthy: 'walker' },
};

function parseArgs(argv) {
  const args = { steps: 30_000, rounds: 3, ids: Object.keys(NATIVE), resets: 10_000 };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (key === '--steps') args.steps = Number(value);
    else if (key === '--rounds') args.rounds = Number(value);
    else if (key === '--resets') args.resets = Number(value);
    else if (key === '--ids') args.ids = value.split(',');
    else throw new Error(`unknown argument ${key}; use --steps N --rounds N --resets N --ids A,B`);
  }
  for (const id of args.ids)
    if (!(id in NATIVE)) throw new Error(`unknown id ${id}; choose from ${Object.keys(NATIVE).join(', ')}`);
  return args;
}

/** Steps `env` for `steps` env steps with uniform random actions, resetting when an episode ends. */
function runWasm(id, steps, seed) {
  const env = makeEnv(id);
  const rng = new Rng(seed);
  const nu = env.actionSpace.shape[0];
  let episodes = 1;
  try {
    env.reset({ seed });
    const t0 = performance.now();
    for (let t = 0; t < steps; t++) {
      const action = new Float32Array(nu);
      for (let i = 0; i < nu; i++) action[i] = rng.uniform(-1, 1);
      const [, , terminated, truncated] = env.step(action);
      if (terminated || truncated) {
        env.reset();
        episodes++;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    return { stepsPerSecond: steps / seconds, episodes };
  } finally {
    env.close();
  }
}

/** Compiles the native program once; returns its path, or a reason it is unavailable. */
function buildNative() {
  if (!existsSync('/usr/include/mujoco/mujoco.h'))
    return { reason: 'libmujoco-dev is not installed (apt-get install -y libmujoco-dev)' };
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'llmdpd-bench-')), 'locomotion_bench');
  try {
    execFileSync('cc', ['-O2', '-o', out, path.join(HERE, 'native', 'locomotion_bench.c'), '-lmujoco', '-lm'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { binary: out };
  } catch (error) {
    return { reason: `cc failed: ${String(error.stderr ?? error)}`.slice(0, 300) };
  }
}

function runNative(binary, id, steps) {
  const n = NATIVE[id];
  const stdout = execFileSync(binary, [path.join(ASSETS, n.xml), String(n.frameSkip), String(steps), n.healthy], {
    encoding: 'utf8',
  });
  return JSON.parse(stdout);
}

/** Resets one env `count` times and reports heap size and live handles before and after. */
function resetCheck(count) {
  const env = makeEnv('Hopper-v4');
  try {
    for (let i = 0; i < 100; i++) env.reset({ seed: i });
    const before = mujocoMemoryStats();
    const t0 = performance.now();
    for (let i = 0; i < count; i++) env.reset({ seed: i });
    const ms = performance.now() - t0;
    const after = mujocoMemoryStats();
    return {
      before,
      after,
      resetsPerSecond: Math.round(count / (ms / 1000)),
      heapGrowthBytes: after.heapBytes - before.heapBytes,
    };
  } finally {
    env.close();
  }
}

const args = parseArgs(process.argv.slice(2));
const runtime = await loadMujocoRuntime();
const native = buildNative();
const facts = machineFacts();
let nativeVersion;

for (const id of args.ids) {
  const wasm = [];
  const nat = [];
  let episodes = 0;
  for (let r = 0; r < args.rounds; r++) {
    const w = runWasm(id, args.steps, 1000 + r);
    wasm.push(w.stepsPerSecond);
    episodes = w.episodes;
    if (native.binary !== undefined) {
      const n = runNative(native.binary, id, args.steps);
      nativeVersion = n.mujocoVersion;
      nat.push(n.stepsPerSecond);
    }
  }
  const wasmSps = median(wasm);
  const nativeSps = nat.length > 0 ? median(nat) : null;
  // Each WASM round runs right before its native round, so their ratio is paired against the
  // same background load; the median of the paired ratios is steadier than a ratio of medians.
  const ratios = nat.map((n, r) => wasm[r] / n);
  emit({
    bench: 'envs',
    env: id,
    stepsPerRound: args.steps,
    rounds: args.rounds,
    episodesPerRound: episodes,
    stepsPerSecond: Math.round(wasmSps),
    stepsPerSecondRounds: wasm.map(Math.round),
    nativeStepsPerSecond: nativeSps === null ? null : Math.round(nativeSps),
    nativeStepsPerSecondRounds: nat.map(Math.round),
    ratioToNative: ratios.length > 0 ? round3(median(ratios)) : null,
    ratioToNativeRounds: ratios.map(round3),
    target: 0.5,
    mujocoWasm: runtime.mujocoVersion,
    mujocoNative: nativeVersion ?? null,
    loadAverage1m: round3(os.loadavg()[0]),
    ...(native.reason === undefined ? {} : { nativeUnavailable: native.reason }),
    ...facts,
  });
}

emit({ bench: 'envs-memory', env: 'Hopper-v4', resets: args.resets, ...resetCheck(args.resets), ...facts });
