// npm run bench:agents: training-step and act speed of Diffusion-QL and LLMDPD at hopper sizes
// (state 11, action 3, batch 256, K = 5, 3x256 Mish networks), on the active tfjs backend, with
// the PyTorch reference step (bench/torch/diffusion_ql_step.py) run in the same benchmark.
// Targets (docs/benchmarks.md, "Agents"): Diffusion-QL step <= 2.0x the reference's 1-thread
// time; LLMDPD step <= 1.3x our Diffusion-QL step; act of one state (50 candidates) <= 4 ms.
// Options: --backend, --threads N, --kernels auto|tfjs, --steps N (timed steps per agent), --no-torch.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initEngine } from '../dist/engine/index.js';
import { Rng } from '../dist/core/rng.js';
import { ReplayBuffer } from '../dist/buffers/replay-buffer.js';
import { MultiTaskDataset } from '../dist/buffers/multi-task-dataset.js';
import { DiffusionQLAgent } from '../dist/agents/diffusion-ql.js';
import { LLMDPDAgent } from '../dist/agents/llmdpd.js';
import { emit, machineFacts, medianMs, round3 } from './lib/report.js';
import { benchSoftActorCritics } from './lib/baselines.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    threads: { type: 'string', default: '1' },
    kernels: { type: 'string', default: 'auto' },
    steps: { type: 'string', default: '30' },
    'no-torch': { type: 'boolean', default: false },
  },
});
const engine = await initEngine({ backend: args.backend, threads: Number(args.threads), kernels: args.kernels });
const common = {
  machine: machineFacts(),
  backend: engine.backend,
  threads: engine.threads,
  kernels: engine.kernels,
  tfjs: engine.tfjsVersion,
};
const S = 11;
const A = 3;
const N = 20_000;
const steps = Number(args.steps);

function hopperLikeBuffer(seed) {
  const rng = new Rng(seed);
  return ReplayBuffer.fromArrays({
    observations: rng.fillNormal(new Float32Array(N * S)),
    actions: rng.fillUniform(new Float32Array(N * A), -1, 1),
    rewards: rng.fillUniform(new Float32Array(N), 0, 3),
    nextObservations: rng.fillNormal(new Float32Array(N * S)),
    terminals: Uint8Array.from({ length: N }, (_, i) => (i % 200 === 199 ? 1 : 0)),
    observationDim: S,
    actionDim: A,
  });
}

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
const dql = new DiffusionQLAgent({ observationDim: S, actionDim: A, emaStartStep: 0 });
const dqlMs = timeSteps(dql, buffer);
emit({ case: 'diffusion-ql-step', ms: round3(dqlMs), batch: 256, K: 5, ...common });
const obs = buffer.sample(1, new Rng(4)).observations;
const actMs = medianMs(() => dql.act(obs), { warmup: 5, iterations: 50 });
emit({
  case: 'diffusion-ql-act-one-state',
  ms: round3(actMs),
  candidates: 50,
  target: 4,
  meetsTarget: actMs <= 4,
  ...common,
});
dql.dispose();

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
const dataset = new MultiTaskDataset(tasks);
const llmdpd = new LLMDPDAgent({ observationDim: S, actionDim: A, emaStartStep: 0 });
await llmdpd.prepareTasks(dataset);
const llmdpdMs = timeSteps(llmdpd, dataset);
emit({
  case: 'llmdpd-step',
  ms: round3(llmdpdMs),
  batch: 256,
  K: 5,
  ratioToDiffusionQL: round3(llmdpdMs / dqlMs),
  target: 1.3,
  meetsTarget: llmdpdMs / dqlMs <= 1.3,
  ...common,
});
const policy = await llmdpd.policy({ textPrompt: tasks[0].textPrompt, trajectoryPrompt: tasks[0].trajectoryPrompt });
const llmdpdActMs = medianMs(() => policy.act(obs), { warmup: 5, iterations: 50 });
emit({ case: 'llmdpd-act-one-state', ms: round3(llmdpdActMs), candidates: 50, ...common });
llmdpd.dispose();

if (!args['no-torch']) {
  const script = new URL('./torch/diffusion_ql_step.py', import.meta.url).pathname;
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  for (const threads of [1, 2]) {
    try {
      const out = execFileSync(python, [script, '--steps', '40', '--threads', String(threads)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const ref = JSON.parse(out.trim().split('\n').pop());
      emit({ case: 'pytorch-reference-dql-step', ...ref, machine: common.machine });
      if (threads === 1) {
        const ratio = dqlMs / ref.ms_per_step;
        emit({
          case: 'ratio-diffusion-ql-vs-pytorch-1-thread',
          oursMs: round3(dqlMs),
          pytorchMs: ref.ms_per_step,
          ratio: round3(ratio),
          target: 2.0,
          meetsTarget: ratio <= 2.0,
          ...common,
        });
      }
    } catch (error) {
      emit({
        case: 'pytorch-reference-dql-step',
        error: `could not run ${python} ${script}: ${String(error.message).split('\n')[0]}. Install Debian's python3-torch and libopenblas0-pthread.`,
      });
    }
  }
}

// CQL and SAC-N (N = 2 and 10), each with its PyTorch reference: bench/lib/baselines.js.
await benchSoftActorCritics({ buffer, steps, torch: !args['no-torch'], common });
