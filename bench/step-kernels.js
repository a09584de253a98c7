// npm run bench:kernels: what one training step of Diffusion-QL and LLMDPD costs in tfjs
// kernels, JavaScript allocation and time, at two sizes:
//   - pointmass-small: the comparison runner's preset (state 4, action 2, 3x64 Mish, batch 64),
//     the sizes of bench:compare's grid, where per-kernel overhead dominates;
//   - hopper: the agents' defaults at state 11, action 3 (3x256, batch 256), bench:agents' sizes.
// Per case: tfjs kernels in one `update` (tf.profile), the median step time over --steps steps
// (after --warmup), and the bytes of JavaScript objects allocated per step (V8's sampling heap
// profiler, collected garbage included). Fewer kernels mean less of tfjs's per-kernel bookkeeping,
// which is most of that allocation; see docs/engine.md and BENCHMARKS.md, "Comparison runner".
//
// Per case also `replayedStepMs`: the same step's registered kernels, recorded once and replayed
// by calling their functions directly (no engine, tape, scope or tensor object; outputs disposed
// after each replay), with the recorded step's inputs. It leaves out the optimiser's in-place
// updates and the host's batch and noise, so it is a bound on what removing tfjs's per-op
// dispatch would give (BENCHMARKS.md, "Comparison runner", fifth pass), not a training step.
//
// Options: --threads N (kernel threads, default 1), --kernels (default auto), --steps N (default
// 200), --warmup N (default 300), --no-hopper, --no-replay.
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../dist/engine/index.js';
import { Rng } from '../dist/core/rng.js';
import { MultiTaskDataset } from '../dist/buffers/multi-task-dataset.js';
import { agentClass } from '../dist/compare/agent-registry.js';
import { emit, loadAverage, machineFacts, medianMs, round3 } from './lib/report.js';
import { syntheticBuffer } from './lib/synthetic-data.js';
import { recordKernels } from './lib/record-kernels.js';

const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    kernels: { type: 'string', default: 'auto' },
    steps: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '300' },
    'no-hopper': { type: 'boolean', default: false },
    'no-replay': { type: 'boolean', default: false },
  },
});
const engine = await initEngine({ backend: 'wasm', kernels: args.kernels, threads: Number(args.threads) });
const machine = machineFacts();
const steps = Number(args.steps);
const warmup = Number(args.warmup);

/** Bytes allocated per call of `fn`, from V8's sampling heap profiler over `calls` calls. */
async function bytesPerCall(fn, calls) {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  for (let i = 0; i < calls; i++) fn();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  session.disconnect();
  let total = 0;
  const walk = (node) => {
    total += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  return total / calls;
}

const sizes = [
  {
    name: 'pointmass-small',
    S: 4,
    A: 2,
    N: 5000,
    config: (cls) => ({ ...cls.defaults, ...cls.presets['pointmass-small'] }),
  },
  ...(args['no-hopper'] ? [] : [{ name: 'hopper', S: 11, A: 3, N: 20_000, config: (cls) => ({ ...cls.defaults }) }]),
];

for (const size of sizes) {
  for (const name of ['DiffusionQL', 'LLMDPD']) {
    const cls = agentClass(name);
    const config = size.config(cls);
    const agent = cls.create({
      config,
      observationDim: size.S,
      actionDim: size.A,
      seed: 0,
      ...(name === 'DiffusionQL' ? { conditioner: { kind: 'none' } } : {}),
    });
    const single = syntheticBuffer(1, size.S, size.A, size.N);
    let source = single;
    if (name === 'LLMDPD') {
      source = new MultiTaskDataset(
        [0, 1, 2, 3].map((i) => {
          const b = syntheticBuffer(10 + i, size.S, size.A, size.N);
          return {
            name: `task-${i}`,
            buffer: b,
            textPrompt: `Task: reach goal ${i + 1}.`,
            trajectoryPrompt: b.trajectory({ start: 0, length: 20 }),
          };
        }),
      );
      await agent.prepareTasks(source);
    }
    const rng = new Rng(3);
    const batch = source.sample(config.batchSize, rng);
    const step = () => {
      source.sampleInto(batch, rng);
      agent.update(batch, false);
    };
    const stepMs = medianMs(step, { warmup, iterations: steps });
    const profile = await tf.profile(() => {
      agent.update(batch, false);
    });
    const bytes = await bytesPerCall(step, Math.min(steps, 100));
    let replayed = {};
    if (!args['no-replay']) {
      const recorded = recordKernels(tf, step);
      const dataBefore = tf.backend().numDataIds();
      const replayMs = medianMs(recorded.replay, { warmup, iterations: steps });
      if (tf.backend().numDataIds() !== dataBefore) throw new Error('a replay left data behind');
      recorded.release();
      replayed = {
        replayedKernels: recorded.kernels,
        replayedStepMs: round3(replayMs),
        stepOverReplayed: round3(stepMs / replayMs),
      };
    }
    emit({
      bench: 'step-kernels',
      agent: name,
      size: size.name,
      batch: config.batchSize,
      kernelsPerStep: profile.kernels.length,
      stepMs: round3(stepMs),
      allocatedKiBPerStep: Math.round(bytes / 1024),
      ...replayed,
      kernels: engine.kernels,
      threads: engine.threads,
      machine,
      load: loadAverage(),
    });
    agent.dispose?.();
  }
}
