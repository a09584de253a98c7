// Shared helpers of the benchmark scripts: machine and version facts, timing, JSON lines.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** Facts that make a benchmark number traceable: machine, Node, git commit. */
export function machineFacts() {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // not a git checkout
  }
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    llmdpd: pkg.version,
    commit,
  };
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median wall time in ms of `fn` over `iterations` runs after `warmup` runs. */
export function medianMs(fn, { warmup = 10, iterations = 50 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const times = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/** CPU seconds of this process so far, all its threads included (V8's helper threads too). */
export function cpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Prints one JSON line. */
export function emit(record) {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

/** Rounds to 3 decimals. */
export function round3(x) {
  return Math.round(x * 1000) / 1000;
}

/** The 1-, 5- and 15-minute load averages, to read next to any timing taken on a shared machine. */
export function loadAverage() {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

/**
 * Runs a Python reference script on `threads` threads and returns its last JSON line (throws
 * with the reason). Debian's OpenBLAS (libopenblas0-pthread) runs its own thread pool, sized by
 * OPENBLAS_NUM_THREADS and not by `torch.set_num_threads`, so the thread count is set there too:
 * otherwise a "1-thread" PyTorch reference multiplies on every core.
 */
export function runPython(script, args, threads) {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  const out = execFileSync(python, [script, ...args, '--threads', String(threads)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  return JSON.parse(out.trim().split('\n').pop());
}
