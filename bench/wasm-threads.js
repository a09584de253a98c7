#!/usr/bin/env node
/**
 * Benchmark of the wasm backend at 1 thread (single-threaded SIMD build) against N threads
 * (threaded SIMD build started by src/engine/wasm-threads.ts), and a check that both give the
 * same results.
 *
 * A tfjs backend can be initialised once per process, so each thread count runs in a child
 * process; the parent collects the timings and compares the outputs, which the children write
 * as raw float32 files.
 *
 * Usage (after `npm run build`):
 *   node bench/wasm-threads.js [--threads=1,2] [--rounds=3] [--reps256=300] [--reps1024=30]
 *                              [--repsMlp=300] [--dist=./dist]
 *
 * The thread counts run interleaved, `rounds` times (1, 2, 1, 2, ...), each in a fresh process,
 * and the summary takes the median over rounds of each round's median, so a burst of load from
 * other processes hits both settings rather than one.
 *
 * Measured, as the median of many calls after warm-up, each forced to finish with dataSync():
 *   - tf.matMul 256x256 · 256x256 and 1024x1024 · 1024x1024 (float32);
 *   - an MLP forward pass, batch 256: 30 → 256 → 256 → 256 → 3 (matMul + bias + relu);
 *   - when @tensorflow/tfjs is installed (it registers the gradients), one training step of that
 *     MLP (forward, backward, SGD update).
 * Results are machine-load sensitive: threads compete with everything else on the cores, so the
 * script prints the load average before and after.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './lib/report.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const args = {
    threads: [1, 2],
    rounds: 3,
    reps256: 300,
    reps1024: 30,
    repsMlp: 300,
    dist: path.join(here, '..', 'dist'),
  };
  for (const arg of argv) {
    const [key, value] = arg.replace(/^--/, '').split('=');
    if (key === 'threads') args.threads = value.split(',').map(Number);
    else if (key === 'dist') args.dist = path.resolve(value);
    else if (key === 'child' || key === 'out') args[key] = value;
    else if (key in args) args[key] = Number(value);
    else throw new Error(`Unknown option --${key}`);
  }
  return args;
}

/** Deterministic float32 data in [-1, 1) (xorshift32), identical in every process. */
function data(n, seed) {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

function time(fn, reps, warmup) {
  for (let i = 0; i < warmup; i++) fn();
  const ms = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return { medianMs: median(ms), minMs: Math.min(...ms), reps };
}

async function child(args) {
  const threads = Number(args.child);
  const { loadWasmBackend, wasmThreadsInUse } = await import(
    pathToFileURL(path.join(args.dist, 'engine', 'wasm.js')).href
  );
  const tf = await import('@tensorflow/tfjs-core');
  const t0 = performance.now();
  const setup = await loadWasmBackend(threads);
  await tf.setBackend('wasm');
  await tf.ready();
  const initMs = performance.now() - t0;
  const used = await wasmThreadsInUse();
  const result = {
    requested: threads,
    threads: used,
    build: setup.build,
    fallbackReason: setup.fallbackReason,
    initMs,
    bench: {},
  };
  const save = (name, t) =>
    writeFileSync(path.join(args.out, `${threads}-${name}.f32`), Buffer.from(t.dataSync().buffer));

  for (const [n, reps] of [
    [256, args.reps256],
    [1024, args.reps1024],
  ]) {
    const a = tf.tensor2d(data(n * n, 1), [n, n]);
    const b = tf.tensor2d(data(n * n, 2), [n, n]);
    const y = tf.matMul(a, b);
    save(`matmul${n}`, y);
    y.dispose();
    result.bench[`matMul ${n}x${n}·${n}x${n}`] = time(
      () => {
        const c = tf.matMul(a, b);
        c.dataSync();
        c.dispose();
      },
      reps,
      Math.max(3, Math.round(reps / 10)),
    );
    a.dispose();
    b.dispose();
  }

  const dims = [30, 256, 256, 256, 3];
  const x = tf.tensor2d(data(256 * 30, 3), [256, 30]);
  const ws = [];
  const bs = [];
  for (let i = 0; i < 4; i++) {
    ws.push(
      tf.variable(
        tf.mul(tf.tensor2d(data(dims[i] * dims[i + 1], 10 + i), [dims[i], dims[i + 1]]), Math.sqrt(1 / dims[i])),
      ),
    );
    bs.push(tf.variable(tf.mul(tf.tensor1d(data(dims[i + 1], 20 + i)), 0.1)));
  }
  const forward = () => {
    let h = x;
    for (let i = 0; i < 4; i++) {
      h = tf.add(tf.matMul(h, ws[i]), bs[i]);
      if (i < 3) h = tf.relu(h);
    }
    return h;
  };
  const y = tf.tidy(forward);
  save('mlp', y);
  y.dispose();
  result.bench['MLP forward 256x30→256→256→256→3'] = time(
    () => {
      const out = tf.tidy(forward);
      out.dataSync();
      out.dispose();
    },
    args.repsMlp,
    Math.max(5, Math.round(args.repsMlp / 10)),
  );

  let gradients = false;
  try {
    await import('@tensorflow/tfjs');
    gradients = tf.getBackend() === 'wasm';
  } catch {
    // Without @tensorflow/tfjs the node build of tfjs-core has no gradients; skip the training step.
  }
  if (gradients) {
    const target = tf.tensor2d(data(256 * 3, 4), [256, 3]);
    const vars = [...ws, ...bs];
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(forward(), target))), vars);
      tf.tidy(() => {
        for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name], 1e-3)));
      });
      value.dataSync();
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
    };
    result.bench['MLP train step (fwd+bwd+SGD)'] = time(step, Math.max(20, Math.round(args.repsMlp / 3)), 10);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function readF32(file) {
  const buf = readFileSync(file); // small files share Node's buffer pool: copy out exactly our bytes
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

function compare(out, a, b, name) {
  const x = readF32(path.join(out, `${a}-${name}.f32`));
  const y = readF32(path.join(out, `${b}-${name}.f32`));
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < x.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(x[i] - y[i]));
    maxRef = Math.max(maxRef, Math.abs(x[i]));
  }
  return { maxAbsDiff: maxAbs, maxRelDiff: maxRef > 0 ? maxAbs / maxRef : 0, identical: maxAbs === 0 };
}

async function parent(args) {
  const out = mkdtempSync(path.join(os.tmpdir(), 'llmdpd-bench-wasm-'));
  console.log(
    `node ${process.version}, ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? '?'}), load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const results = [];
  try {
    for (let round = 0; round < args.rounds; round++) {
      for (const threads of args.threads) {
        const run = spawnSync(
          process.execPath,
          [
            fileURLToPath(import.meta.url),
            `--child=${threads}`,
            `--out=${out}`,
            `--dist=${args.dist}`,
            `--reps256=${args.reps256}`,
            `--reps1024=${args.reps1024}`,
            `--repsMlp=${args.repsMlp}`,
          ],
          { encoding: 'utf8', timeout: 600_000 },
        );
        if (run.status !== 0) {
          console.error(`threads=${threads} failed (status ${run.status}, signal ${run.signal}):\n${run.stderr}`);
          process.exitCode = 1;
          continue;
        }
        const result = JSON.parse(run.stdout.trim().split('\n').pop());
        results.push(result);
        console.log(
          `\nround ${round + 1}: threads requested ${result.requested}, in use ${result.threads} (${result.build}${result.fallbackReason ? `; fell back: ${result.fallbackReason}` : ''}), init ${result.initMs.toFixed(0)} ms, load ${os.loadavg()[0].toFixed(2)}`,
        );
        for (const [name, t] of Object.entries(result.bench)) {
          console.log(
            `  ${name.padEnd(36)} median ${t.medianMs.toFixed(3).padStart(9)} ms   min ${t.minMs.toFixed(3).padStart(9)} ms   (${t.reps} calls)`,
          );
        }
      }
    }
    const summary = {};
    for (const r of results) {
      for (const [name, t] of Object.entries(r.bench)) {
        ((summary[r.requested] ??= {})[name] ??= []).push(t.medianMs);
      }
    }
    console.log(`\nSummary: median over ${args.rounds} round(s) of the per-round median, ms`);
    const names = Object.keys(summary[args.threads[0]] ?? {});
    console.log(
      `  ${'benchmark'.padEnd(36)}${args.threads.map((t) => `${t} thread(s)`.padStart(14)).join('')}${
        args.threads.includes(1)
          ? args.threads
              .filter((t) => t !== 1)
              .map((t) => `×${t} vs 1`.padStart(10))
              .join('')
          : ''
      }`,
    );
    for (const name of names) {
      const meds = args.threads.map((t) => (summary[t]?.[name] ? median(summary[t][name]) : NaN));
      const one = summary[1]?.[name] ? median(summary[1][name]) : NaN;
      const speedups = args.threads.includes(1)
        ? args.threads
            .filter((t) => t !== 1)
            .map((t) => (one / median(summary[t]?.[name] ?? [NaN])).toFixed(2).padStart(10))
            .join('')
        : '';
      console.log(`  ${name.padEnd(36)}${meds.map((m) => m.toFixed(3).padStart(14)).join('')}${speedups}`);
    }
    const firstOf = (threads) => results.find((r) => r.requested === threads);
    const base = firstOf(1);
    if (base !== undefined) {
      for (const threads of args.threads.filter((t) => t !== 1)) {
        if (firstOf(threads) === undefined) continue;
        console.log(`\nResults, ${threads} threads vs 1 thread (same inputs):`);
        for (const name of ['matmul256', 'matmul1024', 'mlp']) {
          const c = compare(out, 1, threads, name);
          console.log(
            `  ${name.padEnd(11)} max |Δ| ${c.maxAbsDiff.toExponential(2)}  (relative ${c.maxRelDiff.toExponential(2)})${c.identical ? '  bit-identical' : ''}`,
          );
        }
      }
    }
    console.log(
      `\nload ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const args = parseArgs(process.argv.slice(2));
if (args.child !== undefined) await child(args);
else await parent(args);
