// npm run bench:data: D4RL file loading speed and memory.
//
// The case: a 2M-transition D4RL file (observations 17, actions 6, float32; next_observations,
// terminals, timeouts, explicit_ends uint8), written by our writeD4rl from a synthetic buffer
// (episodes of up to 1000 steps, some ending early in a terminal). Targets: the file loads in
// <= 10 s and the loaded data holds <= 1.2x the file's raw array bytes in memory.
//
// Every step runs in a fresh child process so that measurements do not see each other's heaps:
// one child writes the file, then one child per time-out mode ('drop' = qlearning_dataset,
// 'keep' = every row with next_observations) loads it once with --expose-gc and reports
//   - seconds: wall time of loadD4rl (open, checks, block reads, derivation, buffer validation);
//   - fileArrayBytes: rows x row bytes of every dataset in the file (the raw array bytes);
//   - bufferBytes: bytes of the ArrayBuffers the loaded buffer (and qpos/qvel) keep alive;
//   - rssDelta, arrayBuffersDelta, wasmHeapDelta: process.memoryUsage() and the h5wasm heap after
//     the load minus before it (after a full GC on both sides; h5wasm is loaded before the
//     baseline, so its fixed cost is not counted);
//   - ratio = max(rssDelta, arrayBuffersDelta + wasmHeapDelta) / fileArrayBytes, the figure
//     compared with the 1.2 target.
// It also checks a few loaded rows against the generating formula, so a fast wrong loader fails.
//
// Options: --rows N (default 2000000), --dir PATH (default: a temp dir, removed afterwards),
// --keep-file. Internal: --child write|load, --path, --mode.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { emit, machineFacts, round3 } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '2000000' },
    dir: { type: 'string' },
    'keep-file': { type: 'boolean', default: false },
    child: { type: 'string' },
    path: { type: 'string' },
    mode: { type: 'string', default: 'drop' },
  },
});
const OBS = 17;
const ACT = 6;
const EPISODE = 1000;
const rows = Number(args.rows);

/** The generating formula: observation value of file row r, column c. */
const obsValue = (r, c) => Math.fround(Math.sin(r * 0.001 + c) * 3 + c);
/** Action value of file row r, column c. */
const actValue = (r, c) => Math.fround(Math.cos(r * 0.01 + c));

/**
 * The flags of the synthetic file: episodes of 1000 steps cut by a timeout, every 7th ending in a terminal at step 400
 * + (e mod 300).
 */
function flagsOf(n) {
  const terminals = new Uint8Array(n);
  const timeouts = new Uint8Array(n);
  let start = 0;
  for (let e = 0; start < n; e++) {
    const len = e % 7 === 3 ? 400 + (e % 300) : EPISODE;
    const last = Math.min(n, start + len) - 1;
    if (last === start + len - 1) (len === EPISODE ? timeouts : terminals)[last] = 1;
    start += len;
  }
  return { terminals, timeouts };
}

async function writeChild(path) {
  const { ReplayBuffer } = await import('../dist/buffers/index.js');
  const { writeD4rl } = await import('../dist/datasets/index.js');
  const t0 = performance.now();
  const observations = new Float32Array(rows * OBS);
  const nextObservations = new Float32Array(rows * OBS);
  for (let r = 0; r < rows; r++) for (let c = 0; c < OBS; c++) observations[r * OBS + c] = obsValue(r, c);
  // s' = s[t+1] inside episodes; the last step of an episode gets its own (time-out) successor value.
  nextObservations.set(observations.subarray(OBS), 0);
  for (let c = 0; c < OBS; c++) nextObservations[(rows - 1) * OBS + c] = obsValue(rows, c);
  const actions = new Float32Array(rows * ACT);
  for (let r = 0; r < rows; r++) for (let c = 0; c < ACT; c++) actions[r * ACT + c] = actValue(r, c);
  const rewards = Float32Array.from({ length: rows }, (_, r) => (r % 1000) / 100);
  const { terminals, timeouts } = flagsOf(rows);
  const episodeEnds = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) episodeEnds[r] = terminals[r] | timeouts[r];
  episodeEnds[rows - 1] = 1;
  const buffer = ReplayBuffer.fromColumns({
    observationDim: OBS,
    actionDim: ACT,
    size: rows,
    observations,
    actions,
    rewards,
    nextObservations,
    terminals,
    timeouts,
    episodeEnds,
    taskIndices: new Int32Array(rows),
  });
  const built = performance.now();
  await writeD4rl(path, buffer, { datasetId: 'halfcheetah-medium-expert-v2' });
  const done = performance.now();
  emit({
    bench: 'data',
    case: 'write',
    rows,
    buildSeconds: round3((built - t0) / 1000),
    writeSeconds: round3((done - built) / 1000),
    fileBytes: statSync(path).size,
  });
}

/** Bytes of the distinct ArrayBuffers behind `views`. */
function heldBytes(views) {
  const seen = new Set();
  let bytes = 0;
  for (const v of views) {
    if (v === undefined || seen.has(v.buffer)) continue;
    seen.add(v.buffer);
    bytes += v.buffer.byteLength;
  }
  return bytes;
}

async function loadChild(path, mode) {
  const h5wasm = (await import('h5wasm/node')).default;
  const module = await h5wasm.ready;
  const { loadD4rl } = await import('../dist/datasets/index.js');
  // The raw array bytes: every dataset in the file, rows x row size x element size.
  const f = new h5wasm.File(path, 'r');
  let fileArrayBytes = 0;
  for (const p of f.paths()) {
    const d = f.get(p);
    if (!(d instanceof h5wasm.Dataset)) continue;
    const m = d.metadata;
    fileArrayBytes += (m.shape ?? []).reduce((a, b) => a * b, 1) * m.size;
  }
  f.close();
  const gc = globalThis.gc;
  gc();
  gc();
  const before = process.memoryUsage();
  const wasmBefore = module.HEAPU8.length;
  const t0 = performance.now();
  const ds = await loadD4rl(path, { timeouts: mode });
  const seconds = (performance.now() - t0) / 1000;
  gc();
  gc();
  const after = process.memoryUsage();
  const wasmAfter = module.HEAPU8.length;
  const c = ds.buffer.columns();
  const bufferBytes = heldBytes([
    c.observations,
    c.actions,
    c.rewards,
    c.nextObservations,
    c.terminals,
    c.timeouts,
    c.episodeEnds,
    c.taskIndices,
    ds.qpos,
    ds.qvel,
  ]);
  // Correctness spot checks against the generating formula.
  const { terminals, timeouts } = flagsOf(rows);
  const fileRows = [];
  for (let r = 0; r < rows; r++) if (mode === 'keep' || (r < rows - 1 && timeouts[r] === 0)) fileRows.push(r);
  if (c.size !== fileRows.length) throw new Error(`bench: ${c.size} transitions loaded, expected ${fileRows.length}`);
  for (const j of [0, 1, 999, Math.floor(c.size / 2), c.size - 1]) {
    const r = fileRows[j];
    for (let k = 0; k < OBS; k++) {
      if (c.observations[j * OBS + k] !== obsValue(r, k) || c.nextObservations[j * OBS + k] !== obsValue(r + 1, k))
        throw new Error(`bench: observation row ${j} (file row ${r}) is wrong`);
    }
    for (let k = 0; k < ACT; k++)
      if (c.actions[j * ACT + k] !== actValue(r, k)) throw new Error(`bench: action row ${j} is wrong`);
    if (c.terminals[j] !== terminals[r]) throw new Error(`bench: terminal row ${j} is wrong`);
  }
  const rssDelta = after.rss - before.rss;
  const arrayBuffersDelta = after.arrayBuffers - before.arrayBuffers;
  const wasmHeapDelta = wasmAfter - wasmBefore;
  const ratio = Math.max(rssDelta, arrayBuffersDelta + wasmHeapDelta) / fileArrayBytes;
  emit({
    bench: 'data',
    case: 'load',
    mode,
    rows,
    transitions: c.size,
    episodes: ds.info.episodes,
    seconds: round3(seconds),
    fileArrayBytes,
    bufferBytes,
    rssDelta,
    arrayBuffersDelta,
    heapUsedDelta: after.heapUsed - before.heapUsed,
    wasmHeapBefore: wasmBefore,
    wasmHeapDelta,
    ratio: round3(ratio),
    bufferRatio: round3(bufferBytes / fileArrayBytes),
    targets: { seconds: 10, ratio: 1.2 },
    pass: seconds <= 10 && ratio <= 1.2,
  });
}

if (args.child === 'write') {
  await writeChild(args.path);
} else if (args.child === 'load') {
  await loadChild(args.path, args.mode);
} else {
  const dir = args.dir ?? mkdtempSync(join(tmpdir(), 'llmdpd-bench-data-'));
  const path = join(dir, `bench-${rows}.hdf5`);
  const self = fileURLToPath(import.meta.url);
  const run = (extra, nodeFlags = []) =>
    process.stdout.write(
      execFileSync(process.execPath, [...nodeFlags, self, '--rows', String(rows), '--path', path, ...extra], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 20,
      }),
    );
  try {
    run(['--child', 'write']);
    for (const mode of ['drop', 'keep']) run(['--child', 'load', '--mode', mode], ['--expose-gc']);
    emit({ bench: 'data', case: 'machine', ...machineFacts() });
  } finally {
    if (!args['keep-file']) rmSync(args.dir === undefined ? dir : path, { recursive: true, force: true });
  }
}
