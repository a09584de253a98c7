// npm run bench:suite: time to generate the offline datasets of the built-in suite
// (method and target: docs/benchmarks.md, "Suite").
//
// Generates the data of ALL 24 tasks of `pointmass-reach` (every task seen, 20 000 transitions
// each by default, the default medium-replay-like mix) plus every task's trajectory prompt, in
// one process on the MuJoCo WebAssembly runtime, `--repeats` times, and reports the median and
// fastest wall time of the generation alone (`suite.generationSeconds`, runtime loading
// excluded; the first load is reported separately). Then the default split (12 seen tasks) once,
// and writing that split in the D4RL layout to a temporary folder (`writeSuiteDatasets`).
//
// Prints one JSON line per case. Options: --transitions N (per task), --repeats N, --seed N,
// --no-write.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { builtinSuiteSpec, loadPointMassRuntime, makeSuite, writeSuiteDatasets } from '../dist/suites/index.js';
import { emit, machineFacts, round3 } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    transitions: { type: 'string', default: '20000' },
    repeats: { type: 'string', default: '3' },
    seed: { type: 'string', default: '0' },
    'no-write': { type: 'boolean', default: false },
  },
});
const transitionsPerTask = Number(args.transitions);
const repeats = Number(args.repeats);
const seed = Number(args.seed);
const machine = machineFacts();

const t0 = performance.now();
await loadPointMassRuntime();
const loadSeconds = (performance.now() - t0) / 1000;

const spec = builtinSuiteSpec('pointmass-reach');
const allTasks = { seen: spec.tasks.map((t) => t.name), unseen: [] };
const times = [];
let last;
for (let r = 0; r < repeats; r++) {
  last = await makeSuite(spec, { seed: seed + r, split: allTasks, transitionsPerTask });
  times.push(last.generationSeconds);
}
const sorted = [...times].sort((a, b) => a - b);
const perTask = last.seen.map((t) => t.data.buffer.size);
emit({
  bench: 'suite-generate-all-tasks',
  suite: spec.name,
  tasks: spec.tasks.length,
  transitionsPerTask: last.transitionsPerTask,
  minTransitionsPerTask: Math.min(...perTask),
  totalTransitions: last.dataset.totalSize,
  prompts: last.tasks.length,
  mix: last.mix,
  repeats,
  medianSeconds: round3(sorted[sorted.length >> 1]),
  minSeconds: round3(sorted[0]),
  allSeconds: times.map(round3),
  transitionsPerSecond: Math.round(last.dataset.totalSize / sorted[sorted.length >> 1]),
  runtimeLoadSeconds: round3(loadSeconds),
  machine,
});

const byDefault = await makeSuite(spec, { seed, transitionsPerTask });
emit({
  bench: 'suite-generate-default-split',
  suite: spec.name,
  seen: byDefault.seen.length,
  unseen: byDefault.unseen.length,
  totalTransitions: byDefault.dataset.totalSize,
  seconds: round3(byDefault.generationSeconds),
  machine,
});

if (!args['no-write']) {
  const dir = await mkdtemp(join(tmpdir(), 'llmdpd-bench-suite-'));
  try {
    const t1 = performance.now();
    const { files } = await writeSuiteDatasets(byDefault, dir, { seed });
    emit({
      bench: 'suite-write-d4rl-default-split',
      files: files.length,
      transitions: byDefault.dataset.totalSize,
      seconds: round3((performance.now() - t1) / 1000),
      machine,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
