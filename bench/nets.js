// npm run bench:nets: speed of the network blocks on the active tfjs backend, on one thread and
// on every core, with PyTorch on the same MLP step measured in the same run for the ratio
// (target: ours <= 0.8x PyTorch on 1 thread), and the machine's measured fp32 FMA peak (our own
// micro-benchmark, in the native addon) with each product's fraction of it (target: 256^3 GEMM
// >= 50 % of one core's peak).
//
// The case: a 3x256 Mish MLP, input 30, output 3, batch 256 (Diffusion-QL's noise-network trunk
// at hopper sizes), MSE loss against a fixed target, Adam(3e-4). Prints one JSON line per case.
// Options: --backend auto|wasm|cpu|tensorflow, --threads N,M (default: 1 and every core with native
// kernels, else 1), --kernels, --no-torch, --iterations N.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, measureFmaPeak } from '../dist/engine/index.js';
import {
  customKernelsActive,
  wasmColumnSums,
  wasmDenseForward,
  wasmMatMul,
  wasmMatMulWithColumnSums,
  wasmMish,
  wasmMishGrad,
} from '../dist/engine/kernels.js';
import { Rng } from '../dist/core/rng.js';
import { Adam, gradientsOf } from '../dist/nets/adam.js';
import { Mlp } from '../dist/nets/mlp.js';
import { emit, loadAverage, machineFacts, medianMs, round3 } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string' },
    kernels: { type: 'string', default: 'auto' },
    'no-torch': { type: 'boolean', default: false },
    iterations: { type: 'string', default: '100' },
  },
});
const iterations = Number(args.iterations);
const first = await initEngine({ backend: args.backend, kernels: args.kernels, threads: 1 });
const nativeSet = first.kernels.startsWith('native-') ? first.kernels.slice('native-'.length) : null;
const threadCounts = args.threads
  ? args.threads.split(',').map(Number)
  : nativeSet !== null && availableParallelism() > 1
    ? [1, availableParallelism()]
    : [1];
const machine = machineFacts();

// The fp32 peak: independent FMAs on registers, this kernel set's vector width.
const peak = {};
if (nativeSet !== null) {
  for (const threads of threadCounts) peak[threads] = measureFmaPeak(nativeSet, threads);
  emit({
    case: 'fma-peak',
    set: nativeSet,
    ...Object.fromEntries(threadCounts.map((t) => [`gflops${t}Thread${t > 1 ? 's' : ''}`, round3(peak[t])])),
    perCoreGflops: round3(peak[1]),
    machine,
    load: loadAverage(),
  });
}
/** GFLOP/s and, with a measured peak, its fraction on this many threads. */
const rate = (flop, ms, threads) => {
  const gflops = flop / ms / 1e6;
  return peak[threads]
    ? { gflops: round3(gflops), fractionOfPeak: round3(gflops / peak[threads]) }
    : { gflops: round3(gflops) };
};

const B = 256;
const IN = 30;
const H = 256;
const OUT = 3;
// GEMM FLOPs (2 per multiply-add). Forward: all four layers. Backward: dW of every layer and dX of
// layers 2-4 (the first layer's input is data and needs no gradient).
const forwardFlop = 2 * B * (IN * H + H * H + H * H + H * OUT);
const backwardFlop = forwardFlop + 2 * B * (H * H + H * H + H * OUT);
const stepFlop = forwardFlop + backwardFlop;
const rng = new Rng(0);
const x = tf.tensor2d(rng.fillNormal(new Float32Array(B * IN)), [B, IN]);
const y = tf.tensor2d(rng.fillNormal(new Float32Array(B * OUT)), [B, OUT]);
const net = new Mlp({ inputDim: IN, hiddenDims: [H, H, H], outputDim: OUT, rng, inputGradient: false });
const opt = new Adam(net.trainableVariables(), { learningRate: 3e-4 });
const ourSteps = {};

for (const threads of threadCounts) {
  const engine = await initEngine({ backend: args.backend, kernels: args.kernels, threads });
  const common = {
    machine,
    load: loadAverage(),
    backend: engine.backend,
    threads: engine.threads,
    kernels: engine.kernels,
    tfjs: engine.tfjsVersion,
  };
  const perOp = (fn, reps = 10) =>
    medianMs(
      () =>
        tf.tidy(() => {
          let r;
          for (let i = 0; i < reps; i++) r = fn();
          (Array.isArray(r) ? r[0] : r).dataSync();
        }),
      { warmup: 3, iterations: 15 },
    ) / reps;

  // tfjs's own matMul (XNNPACK on wasm), 256^3: the product without llmdpd's kernels.
  {
    const a = tf.randomNormal([256, 256], 0, 1, 'float32', 1);
    const b = tf.randomNormal([256, 256], 0, 1, 'float32', 2);
    const ms = perOp(() => tf.matMul(a, b), 20);
    emit({ case: 'tfjs-matmul-256x256x256', ms: round3(ms), ...rate(2 * 256 ** 3, ms, threads), ...common });
    tf.dispose([a, b]);
  }

  // Op-level facts the network blocks are designed around (256x256 float32, per op).
  {
    const a = tf.randomNormal([256, 256], 0, 1, 'float32', 3);
    const b = tf.randomNormal([256, 256], 0, 1, 'float32', 4);
    const bias = tf.randomNormal([256], 0, 1, 'float32', 5);
    const ones = tf.ones([1, 256]);
    const products = {};
    const others = {};
    if (!customKernelsActive()) {
      Object.assign(products, {
        matMul: () => tf.matMul(a, b),
        'matMul-fresh-rhs': () => tf.matMul(a, tf.add(b, 0)),
        'matMul-transposeA': () => tf.matMul(a, b, true, false),
        'matMul-transposeB': () => tf.matMul(a, b, false, true),
      });
      Object.assign(others, {
        add: () => tf.add(a, b),
        transpose: () => tf.transpose(a),
        'mish-one-sigmoid': () => {
          const s = tf.sigmoid(a);
          const p = tf.mul(s, tf.sub(2, s));
          return tf.mul(a, tf.div(p, tf.sub(2, p)));
        },
        'sum-axis0': () => tf.sum(a, 0),
        'ones-row-matMul': () => tf.matMul(ones, a),
      });
    } else {
      Object.assign(products, {
        'llmdpd-matMul': () => wasmMatMul(a, b),
        'llmdpd-matMul-fresh-rhs': () => wasmMatMul(a, tf.add(b, 0)),
        'llmdpd-matMul-transposeA': () => wasmMatMul(a, b, true, false),
        'llmdpd-matMul-transposeB': () => wasmMatMul(a, b, false, true),
        'llmdpd-dense-mish': () => wasmDenseForward(a, b, bias, 'mish').y,
        'llmdpd-matMul-with-column-sums': () => wasmMatMulWithColumnSums(a, b, true),
      });
      Object.assign(others, {
        add: () => tf.add(a, b),
        'llmdpd-mish': () => wasmMish(a),
        'llmdpd-mish-grad': () => wasmMishGrad(b, a),
        'llmdpd-column-sums': () => wasmColumnSums(a),
      });
    }
    const productMs = {};
    for (const [name, fn] of Object.entries(products)) {
      const ms = perOp(fn);
      productMs[name] = { ms: round3(ms), ...rate(2 * 256 ** 3, ms, threads) };
    }
    emit({ case: 'products-256x256x256', ...productMs, ...common });
    const otherMs = {};
    for (const [name, fn] of Object.entries(others)) otherMs[name] = round3(perOp(fn));
    emit({ case: 'ops-256x256-ms', ...otherMs, ...common });
    tf.dispose([a, b, bias, ones]);
  }

  // Ours: Dense with hand-written backward, fused Mish, explicit-list Adam.
  const forward = () => tf.tidy(() => net.apply(x).dataSync());
  const step = () =>
    tf.tidy(() => {
      const { grads } = gradientsOf(() => tf.mean(tf.square(tf.sub(net.apply(x), y))), opt.variables);
      opt.applyGradients(grads);
    });
  const stepSynced = () => {
    step();
    opt.variables[0].dataSync();
  };
  const fwdMs = medianMs(forward, { iterations });
  emit({ case: 'mlp-3x256-mish-forward', ms: round3(fwdMs), ...rate(forwardFlop, fwdMs, threads), ...common });
  const stepMs = medianMs(stepSynced, { iterations });
  ourSteps[threads] = stepMs;
  emit({ case: 'mlp-3x256-mish-step', ms: round3(stepMs), ...rate(stepFlop, stepMs, threads), ...common });
}

// PyTorch on the same step, same machine, same run: one process per thread count, so that
// OpenBLAS's own pool gets the same count (see runPython in bench/lib/report.js).
if (!args['no-torch']) {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const script = new URL('./nets_torch_ref.py', import.meta.url).pathname;
  const torchLines = [];
  for (const threads of [1, 2]) {
    try {
      const out = execFileSync(python, [script, String(threads)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) },
      });
      torchLines.push(JSON.parse(out.trim().split('\n').pop()));
    } catch (error) {
      emit({
        case: 'pytorch-reference',
        error: `could not run ${python} bench/nets_torch_ref.py: ${String(error.message).split('\n')[0]}. Install Debian's python3-torch and libopenblas0-pthread.`,
      });
    }
  }
  for (const t of torchLines) emit({ case: 'pytorch-mlp-3x256-mish-step', ...t, machine, load: loadAverage() });
  const oneThread = torchLines.find((t) => t.threads === 1);
  if (oneThread) {
    for (const threads of threadCounts) {
      const ratio = ourSteps[threads] / oneThread.stepMs;
      emit({
        case: `ratio-mlp-step-${threads}-thread${threads > 1 ? 's' : ''}-vs-pytorch-1-thread`,
        oursStepMs: round3(ourSteps[threads]),
        pytorchStepMs: oneThread.stepMs,
        ratio: round3(ratio),
        target: 0.8,
        meetsTarget: ratio <= 0.8,
        kernels: first.kernels,
        load: loadAverage(),
      });
    }
  }
}
opt.dispose();
net.dispose();
tf.dispose([x, y]);
