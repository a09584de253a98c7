// npm run bench:nets: speed of the network blocks on the active tfjs backend, with PyTorch on
// the same MLP step measured in the same run for the ratio (target: ours <= 2.0x PyTorch, 1 thread).
//
// The case: a 3x256 Mish MLP, input 30, output 3, batch 256 (Diffusion-QL's noise-network trunk
// at hopper sizes), MSE loss against a fixed target, Adam(3e-4). Prints one JSON line per case.
// Options: --backend auto|wasm|cpu|tensorflow, --threads N, --kernels auto|tfjs, --no-torch, --iterations N.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../dist/engine/index.js';
import { customKernelsActive, wasmMatMul, wasmMish, wasmMishGrad } from '../dist/engine/kernels.js';
import { Rng } from '../dist/core/rng.js';
import { Adam, gradientsOf } from '../dist/nets/adam.js';
import { Mlp } from '../dist/nets/mlp.js';
import { emit, machineFacts, medianMs, round3 } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    threads: { type: 'string', default: '1' },
    kernels: { type: 'string', default: 'auto' },
    'no-torch': { type: 'boolean', default: false },
    iterations: { type: 'string', default: '100' },
  },
});
const iterations = Number(args.iterations);
const engine = await initEngine({ backend: args.backend, threads: Number(args.threads), kernels: args.kernels });
const common = {
  machine: machineFacts(),
  backend: engine.backend,
  threads: engine.threads,
  kernels: engine.kernels,
  tfjs: engine.tfjsVersion,
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

// Plain matMul of the backend, the ceiling for everything else.
{
  const a = tf.randomNormal([256, 256], 0, 1, 'float32', 1);
  const b = tf.randomNormal([256, 256], 0, 1, 'float32', 2);
  const reps = 20;
  const ms =
    medianMs(
      () =>
        tf.tidy(() => {
          let r;
          for (let i = 0; i < reps; i++) r = tf.matMul(a, b);
          r.dataSync();
        }),
      { iterations: 30 },
    ) / reps;
  emit({ case: 'matmul-256x256x256', ms: round3(ms), gflops: round3((2 * 256 ** 3) / ms / 1e6), ...common });
  tf.dispose([a, b]);
}

// Op-level facts the network blocks are designed around (256x256 float32, per op).
{
  const a = tf.randomNormal([256, 256], 0, 1, 'float32', 3);
  const b = tf.randomNormal([256, 256], 0, 1, 'float32', 4);
  const ones = tf.ones([1, 256]);
  const reps = 10;
  const perOp = (fn) =>
    medianMs(
      () =>
        tf.tidy(() => {
          let r;
          for (let i = 0; i < reps; i++) r = fn();
          r.dataSync();
        }),
      { warmup: 3, iterations: 15 },
    ) / reps;
  const ops = {
    matMul: () => tf.matMul(a, b),
    'matMul-fresh-rhs': () => tf.matMul(a, tf.add(b, 0)),
    add: () => tf.add(a, b),
    'matMul-transposeA': () => tf.matMul(a, b, true, false),
    'matMul-transposeB': () => tf.matMul(a, b, false, true),
    transpose: () => tf.transpose(a),
    'mish-tanh-softplus': () => tf.mul(a, tf.tanh(tf.softplus(a))),
    'mish-one-sigmoid': () => {
      const s = tf.sigmoid(a);
      const p = tf.mul(s, tf.sub(2, s));
      return tf.mul(a, tf.div(p, tf.sub(2, p)));
    },
    'sum-axis0': () => tf.sum(a, 0),
    'ones-row-matMul': () => tf.matMul(ones, a),
  };
  if (customKernelsActive()) {
    Object.assign(ops, {
      'llmdpd-matMul': () => wasmMatMul(a, b),
      'llmdpd-matMul-fresh-rhs': () => wasmMatMul(a, tf.add(b, 0)),
      'llmdpd-matMul-transposeA': () => wasmMatMul(a, b, true, false),
      'llmdpd-matMul-transposeB': () => wasmMatMul(a, b, false, true),
      'llmdpd-mish': () => wasmMish(a),
      'llmdpd-mish-grad': () => wasmMishGrad(b, a),
    });
  }
  const opMs = {};
  for (const [name, fn] of Object.entries(ops)) opMs[name] = round3(perOp(fn));
  emit({ case: 'ops-256x256-ms', ...opMs, ...common });
  tf.dispose([a, b, ones]);
}

// Ours: Dense with hand-written backward, sigmoid-form Mish, explicit-list Adam.
const net = new Mlp({ inputDim: IN, hiddenDims: [H, H, H], outputDim: OUT, rng, inputGradient: false });
const opt = new Adam(net.trainableVariables(), { learningRate: 3e-4 });
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
emit({ case: 'mlp-3x256-mish-forward', ms: round3(fwdMs), gflops: round3(forwardFlop / fwdMs / 1e6), ...common });
const stepMs = medianMs(stepSynced, { iterations });
emit({ case: 'mlp-3x256-mish-step', ms: round3(stepMs), gflops: round3(stepFlop / stepMs / 1e6), ...common });

// Naive tfjs for context: tfjs's own matMul gradients (transposed products), textbook Mish, tf.train.adam.
{
  const vars = net.trainableVariables().map((v) => tf.variable(v.clone(), true));
  const naiveOpt = tf.train.adam(3e-4);
  const naiveForward = () => {
    let h = x;
    for (let i = 0; i < 4; i++) {
      const z = tf.add(tf.matMul(h, vars[2 * i]), vars[2 * i + 1]);
      h = i < 3 ? tf.mul(z, tf.tanh(tf.softplus(z))) : z;
    }
    return h;
  };
  const naiveStep = () => {
    tf.tidy(() => {
      naiveOpt.minimize(() => tf.mean(tf.square(tf.sub(naiveForward(), y))), false, vars);
    });
    vars[0].dataSync();
  };
  const naiveMs = medianMs(naiveStep, { warmup: 3, iterations: Math.max(10, iterations >> 3) });
  emit({
    case: 'mlp-3x256-mish-step-naive-tfjs',
    ms: round3(naiveMs),
    gflops: round3(stepFlop / naiveMs / 1e6),
    ...common,
  });
  naiveOpt.dispose();
  tf.dispose(vars);
}

// PyTorch on the same step, same machine, same run.
if (!args['no-torch']) {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  let torchLines = [];
  try {
    const out = execFileSync(python, [new URL('./nets_torch_ref.py', import.meta.url).pathname, '1', '2'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    torchLines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  } catch (error) {
    emit({
      case: 'pytorch-reference',
      error: `could not run ${python} bench/nets_torch_ref.py: ${String(error.message).split('\n')[0]}. Install Debian's python3-torch and libopenblas0-pthread.`,
    });
  }
  for (const t of torchLines) emit({ case: 'pytorch-mlp-3x256-mish-step', ...t, machine: common.machine });
  const oneThread = torchLines.find((t) => t.threads === 1);
  if (oneThread) {
    const ratio = stepMs / oneThread.stepMs;
    emit({
      case: 'ratio-vs-pytorch-1-thread',
      oursStepMs: round3(stepMs),
      pytorchStepMs: oneThread.stepMs,
      ratio: round3(ratio),
      target: 2.0,
      meetsTarget: ratio <= 2.0,
      ...common,
    });
  }
}
opt.dispose();
net.dispose();
tf.dispose([x, y]);
