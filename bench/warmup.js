// npm run bench:warmup: why 2 worker threads fall short of 2x on short grids. Measures what a
// fresh V8 isolate costs, and whether two training processes slow each other down, next to
// PyTorch. Evidence for bench:compare's 2-thread target (BENCHMARKS.md, "Comparison runner").
//
//   1. cold-warm: in this one process, bench:compare's agents (LLMDPD and Diffusion-QL with the
//      `pointmass-small` preset) train one after the other: LLMDPD, Diffusion-QL, LLMDPD,
//      Diffusion-QL, --steps each, on synthetic point-mass-sized data (4 tasks for LLMDPD). Each
//      run's wall and CPU seconds; the CPU includes V8's helper threads (compiler, GC). The
//      first run of each agent pays the isolate's warm-up.
//   2. pairs: one LLMDPD training process alone, then two at once, --rounds times in
//      alternating order. Each reports its wall and CPU time per step after step --settle, so
//      the first, steepest part of the warm-up is left out (the optimising compiler is still
//      busy for the rest of a 1,500-step run). Speed-up of the pair = 2 × alone / pair.
//   3. torch-pairs: the same with PyTorch's reference Diffusion-QL step
//      (bench/torch/diffusion_ql_step.py, which reports its median step) at the same sizes and
//      one BLAS thread. Skipped with --no-torch or when torch is not installed (apt-get install
//      python3-torch libopenblas0-pthread).
//   4. chase: a random pointer chase over 2, 8, 24 and 64 MB, alone and in pairs: whether the
//      cores share a last-level cache, and how large it is.
//
// Options: --steps N (per run, default 1500), --settle N (default 300), --rounds N (default 3),
// --no-torch, --no-chase, --preset NAME (the agents' preset, default pointmass-small; `none` for
// their defaults, 3×256 networks and batch 256, where native products fill a step; PyTorch's
// reference then runs at the same hidden width and batch). Prints one JSON line per measurement
// and a summary line.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ACTION_DIM, gridAgent, gridModules, OBSERVATION_DIM, presetConfig } from './lib/grid-agents.js';
import { cpuSeconds, emit, loadAverage, machineFacts, median, round3 } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '1500' },
    settle: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '3' },
    'no-torch': { type: 'boolean', default: false },
    'no-chase': { type: 'boolean', default: false },
    preset: { type: 'string', default: 'pointmass-small' },
    child: { type: 'string' },
    megabytes: { type: 'string' },
  },
});
const steps = Number(args.steps);
const settle = Number(args.settle);
const rounds = Number(args.rounds);
if (!(steps > settle && settle >= 0)) throw new Error(`--steps (${steps}) must exceed --settle (${settle})`);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds expects a positive integer, got ${args.rounds}`);

/** A fresh agent of the bench:compare grid and its training step (metrics read every 150 steps). */
async function trainingSetup(name, seed) {
  const { agent, batch, nextBatch } = await gridAgent(name, seed, args.preset);
  return { agent, step: (i) => (nextBatch(), agent.update(batch, i % 150 === 0)) };
}

async function initOneThread() {
  const { initEngine } = await import('../dist/engine/index.js');
  await initEngine({ threads: 1 });
}

/** Child: one LLMDPD run; prints its wall and CPU ms per step after `settle` steps. */
async function trainChild() {
  await initOneThread();
  const { agent, step } = await trainingSetup('LLMDPD', 0);
  let t0 = 0;
  let c0 = 0;
  for (let i = 1; i <= steps; i++) {
    if (i === settle + 1) [t0, c0] = [performance.now(), cpuSeconds()];
    step(i);
  }
  const wallMs = performance.now() - t0;
  const cpuMs = (cpuSeconds() - c0) * 1000;
  agent.dispose();
  emit({ msPerStep: wallMs / (steps - settle), cpuPerWall: cpuMs / wallMs });
}

/** Child: a random single-cycle pointer chase over `megabytes`; prints ns per load. */
function chaseChild(megabytes) {
  const n = (megabytes * 2 ** 20) / 4;
  const next = new Int32Array(n);
  for (let i = 0; i < n; i++) next[i] = i;
  // Sattolo's shuffle: one cycle through every slot, in random order.
  let state = 12345;
  for (let i = n - 1; i > 0; i--) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const j = state % i;
    [next[i], next[j]] = [next[j], next[i]];
  }
  const loads = 20_000_000;
  let p = 0;
  const t0 = performance.now();
  for (let k = 0; k < loads; k++) p = next[p];
  const ns = ((performance.now() - t0) * 1e6) / loads;
  emit({ nsPerLoad: ns, end: p });
}

if (args.child === 'train') {
  await trainChild();
  process.exit(0);
}
if (args.child === 'chase') {
  chaseChild(Number(args.megabytes));
  process.exit(0);
}

/** Runs `command` with `argv` and returns its last stdout line as JSON. */
function lastJson(command, argv, env = process.env) {
  return new Promise((resolve, reject) =>
    execFile(command, argv, { env, maxBuffer: 2 ** 24 }, (error, stdout, stderr) =>
      error
        ? reject(new Error(`${command} ${argv.join(' ')} failed: ${stderr || error.message}`))
        : resolve(JSON.parse(stdout.trim().split('\n').pop())),
    ),
  );
}

/**
 * One process alone, then two at once, `rounds` times, alternating which goes first. `value`
 * picks the timing from a process's JSON line; `cpuPerWall`, where given, its CPU seconds per
 * wall second (above 1: helper threads ran beside it).
 */
async function pairs(label, launch, value, cpuPerWall = null) {
  const alone = [];
  const paired = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['alone', 'pair'] : ['pair', 'alone'];
    for (const which of order) {
      if (which === 'alone') alone.push(await launch());
      else paired.push(await Promise.all([launch(), launch()]));
    }
  }
  const aloneValues = alone.map(value);
  const record = {
    bench: 'warmup',
    case: label,
    alone: aloneValues.map(round3),
    pairs: paired.map((p) => p.map((x) => round3(value(x)))),
    speedupOfPair: paired.map((p, i) => round3((2 * aloneValues[i]) / ((value(p[0]) + value(p[1])) / 2))),
    ...(cpuPerWall !== null
      ? {
          cpuPerWallAlone: alone.map((x) => round3(cpuPerWall(x))),
          cpuPerWallPaired: paired.map((p) => p.map((x) => round3(cpuPerWall(x)))),
        }
      : {}),
    load: loadAverage(),
  };
  emit(record);
  return record;
}

const self = fileURLToPath(import.meta.url);
const machine = machineFacts();

// 1. Cold and warm runs in one isolate. Loading the modules is left out of the first run's time,
// so that what it pays beyond the second is the just-in-time compilers' warm-up.
await initOneThread();
await gridModules();
const coldWarm = [];
for (const [k, name] of ['LLMDPD', 'DiffusionQL', 'LLMDPD', 'DiffusionQL'].entries()) {
  const [t0, c0] = [performance.now(), cpuSeconds()];
  const { agent, step } = await trainingSetup(name, k);
  for (let i = 1; i <= steps; i++) step(i);
  agent.dispose();
  const run = {
    bench: 'warmup',
    case: 'cold-warm',
    run: k,
    agent: name,
    steps,
    wallSeconds: round3((performance.now() - t0) / 1000),
    cpuSeconds: round3(cpuSeconds() - c0),
  };
  emit(run);
  coldWarm.push(run);
}

// 2. Our training processes, alone and in pairs.
const ours = await pairs(
  'llmdpd-pairs',
  () =>
    lastJson(process.execPath, [
      self,
      '--child',
      'train',
      '--steps',
      String(steps),
      '--settle',
      String(settle),
      '--preset',
      args.preset,
    ]),
  (r) => r.msPerStep,
  (r) => r.cpuPerWall,
);

// 3. PyTorch's, at the same sizes and on one BLAS thread.
const referenceSizes = await (async () => {
  const [{ agentClass }] = await gridModules();
  const config = presetConfig(agentClass('DiffusionQL'), args.preset);
  return { hidden: config.hiddenDims[0], batch: config.batchSize };
})();
let torch = 'skipped (--no-torch)';
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const reference = fileURLToPath(new URL('./torch/diffusion_ql_step.py', import.meta.url));
if (!args['no-torch']) {
  const env = {
    ...process.env,
    OPENBLAS_NUM_THREADS: '1',
    OMP_NUM_THREADS: '1',
    LLMDPD_REF_SIZES: `${OBSERVATION_DIM},${ACTION_DIM},${referenceSizes.hidden}`,
  };
  const argv = [
    reference,
    '--threads',
    '1',
    '--batch',
    String(referenceSizes.batch),
    '--steps',
    String(steps - settle),
    '--warmup',
    String(settle),
  ];
  try {
    torch = await pairs(
      'pytorch-pairs',
      () => lastJson(python, argv, env),
      (r) => r.ms_per_step,
    );
  } catch (error) {
    torch = `skipped: ${String(error.message).split('\n')[0]} (apt-get install python3-torch libopenblas0-pthread)`;
  }
}

// 4. The shared cache.
const chase = [];
if (!args['no-chase'])
  for (const megabytes of [2, 8, 24, 64])
    chase.push({
      megabytes,
      ...(await pairs(
        `chase-${megabytes}MB`,
        () => lastJson(process.execPath, [self, '--child', 'chase', '--megabytes', String(megabytes)]),
        (r) => r.nsPerLoad,
      )),
    });

const [llmdpdCold, , llmdpdWarm] = coldWarm;
emit({
  bench: 'warmup-summary',
  machine,
  preset: args.preset,
  steps,
  settle,
  rounds,
  llmdpdColdMinusWarm: {
    wallSeconds: round3(llmdpdCold.wallSeconds - llmdpdWarm.wallSeconds),
    cpuSeconds: round3(llmdpdCold.cpuSeconds - llmdpdWarm.cpuSeconds),
  },
  llmdpdPairSpeedup: round3(median(ours.speedupOfPair)),
  pytorchPairSpeedup: typeof torch === 'string' ? torch : round3(median(torch.speedupOfPair)),
  chaseNsAloneVsPair: Object.fromEntries(
    chase.map((c) => [`${c.megabytes}MB`, [round3(median(c.alone)), round3(median(c.pairs.flat()))]]),
  ),
  load: loadAverage(),
});
