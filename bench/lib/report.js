// Shared helpers of the benchmark scripts: machine and version facts, timing, JSON lines.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

/** Prints one JSON line. */
export function emit(record) {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

/** Rounds to 3 decimals. */
export function round3(x) {
  return Math.round(x * 1000) / 1000;
}
