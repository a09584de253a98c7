// npm run bench:replay-grid: would a recorded training step lift bench:compare's 2-thread
// speed-up? It runs bench:compare's grid shape (LLMDPD s0, Diffusion-QL s0, LLMDPD s1,
// Diffusion-QL s1) on 1, then 2 worker threads (alternating the order per repeat), in two modes:
//   - eager: every update through tfjs, as a run of the comparison runner does;
//   - replay: 20 eager updates, then the step's kernels recorded (bench/lib/record-kernels.js)
//     and replayed for the rest of the run, with a new batch sampled on the host each step.
// Each run then makes --acts eager `act` calls, a stand-in for its evaluation. A replay is not a
// training step (it reuses the recorded inputs and leaves out the optimiser's in-place updates,
// about 0.1 ms a step at these sizes), so replay mode is an optimistic model of a recorded step:
// it shows what the speed-up would be with steps about 1.6-1.9x faster and everything else of a
// run as it is. The same synthetic data as bench:warmup (4 tasks for LLMDPD); no evaluation
// episodes, no run folders.
//
// Options: --steps N (per run, default 1500), --acts N (default 300), --repeat N (default 2),
// --modes eager,replay, --preset NAME (default pointmass-small; `none` for the agents' defaults).
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { gridAgent, OBSERVATION_DIM } from './lib/grid-agents.js';
import { cpuSeconds, emit, loadAverage, machineFacts, median, round3 } from './lib/report.js';

const EAGER_BEFORE_RECORDING = 20;
const JOBS = ['LLMDPD:0', 'DiffusionQL:0', 'LLMDPD:1', 'DiffusionQL:1'];

/** Runs the 4-run grid on `threads` worker threads; returns wall and CPU seconds and per-run times. */
async function runGrid(threads, mode, options) {
  const t0 = performance.now();
  const c0 = cpuSeconds();
  let next = 0;
  const perRun = [];
  const url = fileURLToPath(import.meta.url);
  await Promise.all(
    Array.from(
      { length: threads },
      (_, thread) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(url, { workerData: { mode, ...options } });
          const give = () => {
            if (next < JOBS.length) worker.postMessage(JOBS[next++]);
            else void worker.terminate().then(resolve, reject);
          };
          worker.on('message', (m) => {
            if (m.job !== undefined) perRun.push({ id: m.job, thread, seconds: m.seconds });
            give();
          });
          worker.on('error', reject);
        }),
    ),
  );
  const wall = (performance.now() - t0) / 1000;
  return { wallSeconds: round3(wall), cpuPerWall: round3((cpuSeconds() - c0) / wall), perRun };
}

/** Worker: trains the runs it is given, one at a time, and reports each run's seconds. */
async function worker() {
  const { mode, steps, acts, preset } = workerData;
  const tf = await import('@tensorflow/tfjs-core');
  const { initEngine } = await import('../dist/engine/index.js');
  const { recordKernels } = await import('./lib/record-kernels.js');
  await initEngine({ threads: 1 });
  parentPort.on('message', async (job) => {
    const t0 = performance.now();
    const [name, seedText] = job.split(':');
    const { agent, batch, nextBatch, context } = await gridAgent(name, Number(seedText), preset);
    const step = () => {
      nextBatch();
      agent.update(batch, false);
    };
    if (mode === 'eager') {
      for (let i = 0; i < steps; i++) step();
    } else {
      for (let i = 0; i < EAGER_BEFORE_RECORDING; i++) step();
      const recorded = recordKernels(tf, step);
      for (let i = EAGER_BEFORE_RECORDING + 1; i < steps; i++) {
        nextBatch();
        recorded.replay();
      }
      recorded.release();
    }
    const policy = await agent.policy(context);
    const observation = new Float32Array(OBSERVATION_DIM);
    for (let i = 0; i < acts; i++) {
      observation[0] = (i % 7) / 7;
      policy.act(observation);
    }
    agent.dispose();
    parentPort.postMessage({ job, seconds: round3((performance.now() - t0) / 1000) });
  });
  parentPort.postMessage({ ready: true });
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      steps: { type: 'string', default: '1500' },
      acts: { type: 'string', default: '300' },
      repeat: { type: 'string', default: '2' },
      modes: { type: 'string', default: 'eager,replay' },
      preset: { type: 'string', default: 'pointmass-small' },
    },
  });
  const options = { steps: Number(args.steps), acts: Number(args.acts), preset: args.preset };
  const repeats = Number(args.repeat);
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new Error(`--repeat expects a positive integer, got ${args.repeat}`);
  const modes = args.modes.split(',');
  for (const mode of modes)
    if (mode !== 'eager' && mode !== 'replay') throw new Error(`--modes: unknown mode ${mode} (eager, replay)`);
  const ratios = Object.fromEntries(modes.map((m) => [m, []]));
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const mode of modes) {
      const wall = {};
      for (const threads of repeat % 2 === 0 ? [1, 2] : [2, 1]) {
        const grid = await runGrid(threads, mode, options);
        wall[threads] = grid.wallSeconds;
        emit({ bench: 'replay-grid', mode, threads, repeat, ...options, ...grid, load: loadAverage() });
      }
      ratios[mode].push(round3(wall[1] / wall[2]));
    }
  }
  const speedups = Object.fromEntries(
    modes.map((m) => [m, { median: round3(median(ratios[m])), perRepeat: ratios[m] }]),
  );
  emit({
    bench: 'replay-grid-summary',
    machine: machineFacts(),
    ...options,
    speedup2Threads: speedups,
    load: loadAverage(),
  });
}

if (isMainThread) await main();
else await worker();
