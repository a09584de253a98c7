// npm run bench:agents: training-step and act speed of Diffusion-QL and LLMDPD at hopper sizes
// (state 11, action 3, batch 256, K = 5, 3x256 Mish networks), on the active tfjs backend, on one
// thread and on every core, with the PyTorch references (bench/torch/diffusion_ql_step.py: one
// training step, and the official action selection with --mode act) run in the same benchmark,
// round after round.
//
// Targets (same-run ratios against the PyTorch step on 1 thread): Diffusion-QL step <= 0.6x with
// our kernels on all cores and <= 1.0x on 1 thread; act of one state (50 candidates) <= 0.5x the
// official act; LLMDPD step <= 1.3x our Diffusion-QL step.
// Options: --backend, --threads N,M (default: 1 and every core with native kernels, else 1),
// --kernels, --steps N (timed steps per agent), --rounds N (ours, then PyTorch, N times),
// --no-torch, --no-llmdpd.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { initEngine } from '../dist/engine/index.js';
import { Rng } from '../dist/core/rng.js';
import { MultiTaskDataset } from '../dist/buffers/multi-task-dataset.js';
import { DiffusionQLAgent } from '../dist/agents/diffusion-ql.js';
import { LLMDPDAgent } from '../dist/agents/llmdpd.js';
import { emit, loadAverage, machineFacts, medianMs, round3, runPython } from './lib/report.js';
import { syntheticBuffer } from './lib/synthetic-data.js';
import { benchSoftActorCritics } from './lib/baselines.js';
import { benchIqlTd3bcBaselines } from './lib/baselines-iql-td3bc.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string' },
    kernels: { type: 'string', default: 'auto' },
    steps: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '1' },
    'no-torch': { type: 'boolean', default: false },
    'no-llmdpd': { type: 'boolean', default: false },
  },
});
const first = await initEngine({ backend: args.backend, kernels: args.kernels, threads: 1 });
const native = first.kernels.startsWith('native');
const threadCounts = args.threads
  ? args.threads.split(',').map(Number)
  : native && availableParallelism() > 1
    ? [1, availableParallelism()]
    : [1];
const S = 11;
const A = 3;
const N = 20_000;
const steps = Number(args.steps);
const machine = machineFacts();

/** 20,000 synthetic transitions at hopper sizes. */
const hopperLikeBuffer = (seed) => syntheticBuffer(seed, S, A, N);

// Steps are timed after the EMA has started (emaStartStep 0), as in the PyTorch reference.
function timeSteps(agent, source) {
  const rng = new Rng(3);
  const batch = source.sample(256, rng);
  for (let i = 0; i < 5; i++) agent.update(batch, false);
  return medianMs(
    () => {
      source.sampleInto(batch, rng);
      agent.update(batch, false);
    },
    { warmup: 0, iterations: steps },
  );
}

const buffer = hopperLikeBuffer(1);
const obs = buffer.sample(1, new Rng(4)).observations;
const dql = new DiffusionQLAgent({ observationDim: S, actionDim: A, emaStartStep: 0 });
let llmdpd = null;
let policy = null;
let dataset = null;
if (!args['no-llmdpd']) {
  // LLMDPD: the same networks plus a text head (hashed n-gram text vectors, 512 wide) and a
  // trajectory transformer over 20-step prompts; one task per batch (Algorithm 1).
  const tasks = [0, 1, 2, 3].map((i) => {
    const b = hopperLikeBuffer(10 + i);
    return {
      name: `task-${i}`,
      buffer: b,
      textPrompt: `Task: hop forward at speed ${i + 1}. Objective: move forward.`,
      trajectoryPrompt: b.trajectory({ start: 0, length: 20 }),
    };
  });
  dataset = new MultiTaskDataset(tasks);
  llmdpd = new LLMDPDAgent({ observationDim: S, actionDim: A, emaStartStep: 0 });
  await llmdpd.prepareTasks(dataset);
  policy = await llmdpd.policy({ textPrompt: tasks[0].textPrompt, trajectoryPrompt: tasks[0].trajectoryPrompt });
}

const referenceScript = new URL('./torch/diffusion_ql_step.py', import.meta.url).pathname;

for (let round = 1; round <= Number(args.rounds); round++) {
  const ours = {};
  for (const threads of threadCounts) {
    const engine = await initEngine({ backend: args.backend, kernels: args.kernels, threads });
    const common = {
      round,
      machine,
      load: loadAverage(),
      backend: engine.backend,
      threads: engine.threads,
      kernels: engine.kernels,
      tfjs: engine.tfjsVersion,
    };
    const dqlMs = timeSteps(dql, buffer);
    const actMs = medianMs(() => dql.act(obs), { warmup: 5, iterations: 50 });
    ours[threads] = { dqlMs, actMs };
    emit({ case: 'diffusion-ql-step', ms: round3(dqlMs), batch: 256, K: 5, ...common });
    emit({ case: 'diffusion-ql-act-one-state', ms: round3(actMs), candidates: 50, ...common });
    if (llmdpd !== null) {
      const llmdpdMs = timeSteps(llmdpd, dataset);
      emit({
        case: 'llmdpd-step',
        ms: round3(llmdpdMs),
        ratioToDiffusionQL: round3(llmdpdMs / dqlMs),
        target: 1.3,
        meetsTarget: llmdpdMs / dqlMs <= 1.3,
        ...common,
      });
      const llmdpdActMs = medianMs(() => policy.act(obs), { warmup: 5, iterations: 50 });
      emit({ case: 'llmdpd-act-one-state', ms: round3(llmdpdActMs), candidates: 50, ...common });
    }
  }
  if (args['no-torch']) continue;

  // PyTorch in the same round: the training step on 1 and 2 threads, the official act on 1 thread.
  const reference = {};
  for (const [name, extra] of [
    ['step', ['--mode', 'step', '--steps', '40']],
    ['act', ['--mode', 'act', '--steps', '200']],
  ]) {
    const script = referenceScript;
    for (const threads of name === 'step' ? [1, 2] : [1]) {
      try {
        const ref = runPython(script, extra, threads);
        emit({
          case: `pytorch-${name}`,
          round,
          script: script.split('/').slice(-2).join('/'),
          ...ref,
          machine,
          load: loadAverage(),
        });
        if (threads === 1) reference[name] = ref.ms_per_step ?? ref.ms_per_call;
      } catch (error) {
        emit({
          case: `pytorch-${name}`,
          error: `could not run ${script}: ${String(error.message).split('\n')[0]}. Install Debian's python3-torch and libopenblas0-pthread.`,
        });
      }
    }
  }
  const all = Math.max(...threadCounts);
  const ratio = (value, base, target, extra) => {
    if (base === undefined || value === undefined) return;
    emit({
      ...extra,
      ours: round3(value),
      pytorch: base,
      ratio: round3(value / base),
      target,
      meetsTarget: value / base <= target,
      round,
      load: loadAverage(),
    });
  };
  ratio(ours[1]?.dqlMs, reference.step, 1.0, { case: 'ratio-diffusion-ql-step-1-thread-vs-pytorch-1-thread' });
  if (all > 1)
    ratio(ours[all]?.dqlMs, reference.step, 0.6, {
      case: `ratio-diffusion-ql-step-${all}-threads-vs-pytorch-1-thread`,
    });
  ratio(ours[1]?.actMs, reference.act, 0.5, { case: 'ratio-act-1-thread-vs-official-act-1-thread' });
  if (all > 1)
    ratio(ours[all]?.actMs, reference.act, 0.5, { case: `ratio-act-${all}-threads-vs-official-act-1-thread` });
}
dql.dispose();
llmdpd?.dispose();

// CQL and SAC-N (N = 2 and 10), each with its PyTorch reference (bench/lib/baselines.js), and IQL,
// TD3+BC and BC with theirs (bench/lib/baselines-iql-td3bc.js), on one thread.
{
  const engine = await initEngine({ backend: args.backend, kernels: args.kernels, threads: 1 });
  const common = {
    machine,
    load: loadAverage(),
    backend: engine.backend,
    threads: engine.threads,
    kernels: engine.kernels,
    tfjs: engine.tfjsVersion,
  };
  await benchSoftActorCritics({ buffer, steps, torch: !args['no-torch'], common });
  await benchIqlTd3bcBaselines({ buffer, steps, torch: !args['no-torch'], common });
}
