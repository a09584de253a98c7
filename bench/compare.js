// npm run bench:compare: the comparison runner's own cost and its parallel speed-up.
//
// One grid (LLMDPD and Diffusion-QL with the `pointmass-small` preset, on the built-in
// `pointmass-reach` suite, 2 seeds: 4 runs) is run
//   1. locally on 1 worker thread: runner overhead = wall time - the runs' own time (what
//      executeRun measured inside each run: data, training, evaluation), as a share of the runs'
//      own time (target <= 2%);
//   2. locally on 2 worker threads: throughput against 1 thread (target >= 1.8x on 2 cores);
//   3. through BullMQ on a private redis-server with 1, then 2 `llmdpd worker` processes of one
//      thread each: throughput of 2 against 1 (target >= 1.7x). Skipped when redis-server is
//      not installed (apt-get install -y redis-server) or with --no-queue.
// Every mode starts from an empty folder and, for the queue, its own queue name, so nothing is
// skipped as already done. Prints one JSON line per mode and a summary line, with the load
// average next to the numbers: on a shared machine the speed-ups are not meaningful.
//
// The summary also gives the 1-thread grid's CPU seconds per wall second and the bound that puts
// on the 2-thread speed-up (2 × wall / CPU: V8's compiler and garbage collector use the idle core
// of a 1-thread grid for free, and must share the cores with 2 threads), and the 2-thread grid's
// CPU against the 1-thread grid's (above 1: what a second isolate's warm-up costs).
//
// --repeat N measures every mode N times, in alternating order (1 then 2 workers, then 2 then
// 1, …), so that neither count always runs first, and the summary gives each ratio per repeat
// (the two wall times of one repeat are paired) with their median: single ratios on a shared
// cloud machine vary by ±10%.
//
// Options: --steps N (per run, default 1500), --seeds 0,1, --transitions N (per seen task,
// default 5000), --episodes N (per task, default 5), --repeat N (default 1), --no-queue, --preset
// NAME (the agents' preset, default pointmass-small: 3×64 networks, batch 64, where tfjs's per-op
// overhead dominates a step; `none` for the agents' defaults, D4RL's 3×256 networks and batch
// 256, where the native products do). Node
// flags given to this process (e.g. `node --single-threaded-gc bench/compare.js`) reach the
// worker threads and the queue worker processes too.
//
// The throughput targets are judged at the agents' default sizes, `--preset none --steps 2000`,
// where a step is mostly matrix products; on the default small grid each worker's V8 warm-up is
// a large share of 4-10-second runs (BENCHMARKS.md, "Comparison runner", sixth pass). The
// overhead target is judged on the small grid, where the runner's own cost is the largest share.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runComparison } from '../dist/compare/index.js';
import { emit, machineFacts, median, round3 } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '1500' },
    seeds: { type: 'string', default: '0,1' },
    transitions: { type: 'string', default: '5000' },
    episodes: { type: 'string', default: '5' },
    repeat: { type: 'string', default: '1' },
    preset: { type: 'string', default: 'pointmass-small' },
    'no-queue': { type: 'boolean', default: false },
  },
});
const repeats = Number(args.repeat);
if (!Number.isInteger(repeats) || repeats < 1)
  throw new Error(`--repeat expects a positive integer, got ${args.repeat}`);
const steps = Number(args.steps);
const spec = {
  name: 'bench-compare',
  agents: ['LLMDPD', 'DiffusionQL'].map((cls) =>
    args.preset === 'none' ? { class: cls } : { class: cls, preset: args.preset },
  ),
  data: [{ kind: 'suite', suite: 'pointmass-reach', transitionsPerTask: Number(args.transitions) }],
  seeds: args.seeds.split(',').map(Number),
  steps,
  logEvery: Math.max(1, Math.round(steps / 10)),
  evaluation: { episodes: Number(args.episodes) },
  bootstrap: { reps: 10000 },
};
const machine = machineFacts();
const load = () => os.loadavg().map((x) => Math.round(x * 100) / 100);
const root = await mkdtemp(join(os.tmpdir(), 'llmdpd-bench-compare-'));

/** Clock ticks per second of `/proc/PID/stat` times (Linux's USER_HZ). */
const CLOCK_TICKS = 100;

/** CPU seconds a child process has used so far (Linux `/proc`), or null where unreadable. */
function childCpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
/**
 * Runs the grid once and returns its timing, with the CPU time it took: this process's (its
 * worker threads and V8's helper threads included) plus that of `workerPids` (queue workers).
 */
async function timed(mode, repeat, options, workerPids = []) {
  const loadBefore = load();
  const cpuBefore = process.cpuUsage();
  const childBefore = workerPids.map(childCpuSeconds);
  const t0 = performance.now();
  const result = await runComparison(spec, { outDir: join(root, `${mode}-${repeat}`), progress: 'off', ...options });
  const wall = (performance.now() - t0) / 1000;
  const failed = result.runs.filter((r) => r.outcome?.state !== 'completed');
  if (failed.length > 0)
    throw new Error(`${mode}: runs did not complete: ${JSON.stringify(failed.map((r) => r.outcome))}`);
  const runSeconds = result.runs.reduce((a, r) => a + r.outcome.seconds.total, 0);
  const own = process.cpuUsage(cpuBefore);
  const children = workerPids.map((pid, i) => {
    const after = childCpuSeconds(pid);
    return after === null || childBefore[i] === null ? null : after - childBefore[i];
  });
  const cpuSeconds = children.includes(null)
    ? null
    : (own.user + own.system) / 1e6 + children.reduce((a, b) => a + b, 0);
  const record = {
    bench: 'compare',
    mode,
    repeat,
    runs: result.runs.length,
    stepsPerRun: steps,
    wallSeconds: round3(wall),
    runsSeconds: round3(runSeconds),
    // CPU time of everything involved (coordinator, threads, V8's helper threads, queue workers):
    // with one worker, what exceeds the wall time ran on the idle core.
    cpuSeconds: cpuSeconds === null ? null : round3(cpuSeconds),
    runsPerHour: round3((3600 * result.runs.length) / wall),
    // Each run's own seconds and the worker thread that ran it, in plan order: a thread's first
    // runs pay its isolate's warm-up (BENCHMARKS.md, "Comparison runner", fifth pass).
    perRun: result.runs.map((r) => ({
      id: r.outcome.id,
      thread: r.outcome.threadId,
      seconds: round3(r.outcome.seconds.total),
    })),
    loadBefore,
    loadAfter: load(),
  };
  emit(record);
  return record;
}

/** Runs `modes` (functions of the repeat index) in order on even repeats and reversed on odd ones. */
async function alternating(repeat, modes) {
  const order = repeat % 2 === 0 ? modes : [...modes].reverse();
  const results = new Map();
  for (const mode of order) results.set(mode, await mode(repeat));
  return modes.map((mode) => results.get(mode));
}

/** A ratio measured once per repeat, with its median and range. */
function ratioSummary(ratios) {
  return {
    median: round3(median(ratios)),
    min: round3(Math.min(...ratios)),
    max: round3(Math.max(...ratios)),
    perRepeat: ratios.map(round3),
  };
}

const local = [];
for (let r = 0; r < repeats; r++) {
  const [one, two] = await alternating(r, [
    (repeat) => timed('local-1-thread', repeat, { threads: 1 }),
    (repeat) => timed('local-2-threads', repeat, { threads: 2 }),
  ]);
  local.push({ one, two });
}

let queue = null;
const haveRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
if (!args['no-queue'] && haveRedis) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await new Promise((r) => setTimeout(r, 500));
  const url = `redis://127.0.0.1:${port}`;
  const bin = new URL('../bin/llmdpd.js', import.meta.url).pathname;
  const startWorkers = async (n, queueName) => {
    const workers = Array.from({ length: n }, () => {
      const child = spawn(
        process.execPath,
        [...process.execArgv, bin, 'worker', '--queue', url, '--queue-name', queueName, '--threads', '1'],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let log = '';
      child.stderr.on('data', (d) => (log += d.toString()));
      return { child, log: () => log };
    });
    // Ready when each has connected (its worker thread starts with its first run, inside the timing).
    while (!workers.every((w) => /thread\(s\) on queue/.test(w.log()))) await new Promise((r) => setTimeout(r, 100));
    return workers;
  };
  const stop = (workers) =>
    Promise.all(workers.map((w) => new Promise((r) => (w.child.once('exit', r), w.child.kill('SIGTERM')))));
  /** The grid through the queue with `n` fresh worker processes. */
  const throughQueue = async (n, repeat) => {
    const queueName = `bench-${n}-${repeat}`;
    const workers = await startWorkers(n, queueName);
    try {
      return await timed(
        n === 1 ? 'queue-1-worker' : `queue-${n}-workers`,
        repeat,
        { queue: url, queueName },
        workers.map((w) => w.child.pid),
      );
    } finally {
      await stop(workers);
    }
  };
  try {
    queue = [];
    for (let r = 0; r < repeats; r++) {
      const [one, two] = await alternating(r, [
        (repeat) => throughQueue(1, repeat),
        (repeat) => throughQueue(2, repeat),
      ]);
      queue.push({ one, two });
    }
  } finally {
    redis.kill('SIGTERM');
  }
}

const overheads = local.map(({ one }) => one.wallSeconds - one.runsSeconds);
emit({
  bench: 'compare-summary',
  machine,
  steps,
  preset: args.preset,
  runs: local[0].one.runs,
  repeats,
  runnerOverheadSeconds: round3(median(overheads)),
  runnerOverheadShare: round3(median(local.map(({ one }, i) => overheads[i] / one.runsSeconds))),
  localSpeedup2Threads: ratioSummary(local.map(({ one, two }) => one.wallSeconds / two.wallSeconds)),
  // The 1-thread grid's CPU per second of wall time (above 1: V8's helper threads ran on the idle
  // core), and so the most 2 threads could give if their grid needed no more CPU than it did.
  cpuPerWall1Thread: ratioSummary(local.map(({ one }) => one.cpuSeconds / one.wallSeconds)),
  localSpeedupBound2Threads: ratioSummary(local.map(({ one }) => (2 * one.wallSeconds) / one.cpuSeconds)),
  cpu2ThreadsOver1: ratioSummary(local.map(({ one, two }) => two.cpuSeconds / one.cpuSeconds)),
  queueSpeedup2Workers:
    queue !== null
      ? ratioSummary(queue.map(({ one, two }) => one.wallSeconds / two.wallSeconds))
      : haveRedis
        ? 'skipped (--no-queue)'
        : 'skipped: redis-server not installed',
  targets: { runnerOverheadShare: 0.02, localSpeedup2Threads: 1.8, queueSpeedup2Workers: 1.7 },
  load: load(),
});
await rm(root, { recursive: true, force: true });
