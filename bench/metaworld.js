// npm run bench:metaworld — the LLMDPD paper's Meta-World protocol (section 4.1, Tables 1 and 3)
// on the comparison runner: train on sweep-into, coffee-push and disassemble, evaluate zero-shot on
// box-close, hand-insert and bin-picking (and on the seen tasks), success rate per task with the
// mean ± std over seeds and the 95% stratified-bootstrap interval (src/compare/report.ts).
//
//   npm run bench:metaworld                                  # reduced budget (under 20 min on 2 cores)
//   npm run bench:metaworld -- --full                        # the full budget (hours)
//   node bench/metaworld.js --metaworld /path/to/metaworld/assets --seeds 0,1,2 --episodes 50
//
// Meta-World's models are the user's: --metaworld names the `assets` folder of an installed
// metaworld package (or a folder that holds one as `assets/`); default METAWORLD_ASSETS, else
// ../shared/metaworld beside the repository when present. Nothing is downloaded.
//
// Methods (--methods, comma-separated names):
//   LLMDPD          Diffusion-QL with text and trajectory prompts (the paper's method)
//   LLMDPD-noText   without the text prompt (Table 3, w/o-z_text)
//   LLMDPD-noTraj   without the trajectory prompt (Table 3, w/o-z_tau)
//   DiffusionQL     no task input (Table 3, w/o-prompt: the same network with no conditioning)
//   BC-prompts      behaviour cloning given the same text and trajectory prompts as LLMDPD
//   BC              behaviour cloning with no task input
//   CQL-prompts, SACN-prompts, IQL-prompts, TD3BC-prompts
//                   the offline RL baselines given the same text and trajectory prompts as LLMDPD
// Every prompted method sees the same task information (Meta-World's task text and one expert
// episode per task); `task-id` and `features` conditioners are left out: a task id has nothing to
// say about an unseen task, and Meta-World has no task feature vector to give.
//
// Budgets (each value can be overridden by its flag):
// | | reduced (default) | --full |
// |---|---|---|
// | methods | LLMDPD, DiffusionQL, BC-prompts, BC | all ten (adds CQL, SAC-N, IQL, TD3+BC with the prompts) |
// | sizes | preset `pointmass-small` (3×64 networks, small prompt branches) | each class's defaults (Diffusion-QL's 3×256) |
// | data (--data-episodes, per task, 500 steps) | 10 (5,000 transitions) | 100 (50,000 transitions) |
// | seeds (--seeds) | 0,1,2 | 0,1,2 (the paper: three runs) |
// | gradient steps (--steps) | 3000 | 100,000 |
// | evaluations (--eval-every) | at the end | every 20,000 steps |
// | episodes per task and evaluation (--episodes) | 10 | 50 (the paper: 500) |
// The reduced budget took 439 CPU-seconds (21 min of wall time on 2 cores shared at load 12-24,
// so a few minutes on 2 quiet ones); it checks the pipeline, it is far too small to learn the tasks.
// Data: 25% random, 50% medium, 25% expert episodes of the scripted behaviours
// (src/suites/metaworld.ts), written once into <out>/data-* and reused. The paper's data (40M
// steps of a SAC learner's replay) and its LLM (Llama3) differ from ours (scripted behaviours,
// the zero-download n-gram text encoder), so its numbers are printed as a reference, not a target.
//
// Output: one JSON line per run and a summary JSON line on stdout, then Markdown tables; the
// comparison folder (<out>, default reports/bench-metaworld-<budget>) holds the run folders and
// report/ (report.md, CSV, JSON, SVG curves and bars). Re-running the same command resumes:
// finished runs are kept, interrupted ones resume from their last checkpoint; --fresh starts over.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runComparison } from '../dist/compare/index.js';
import { METAWORLD_LLMDPD_SPLIT, writeMetaWorldDatasets } from '../dist/suites/index.js';
import { emit, machineFacts, round3 } from './lib/report.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.join(HERE, '..');

const BUDGETS = {
  reduced: {
    methods: 'LLMDPD,DiffusionQL,BC-prompts,BC',
    sizes: 'small',
    dataEpisodes: 10,
    seeds: '0,1,2',
    steps: 3000,
    evalEvery: null,
    episodes: 10,
  },
  full: {
    methods:
      'LLMDPD,LLMDPD-noText,LLMDPD-noTraj,DiffusionQL,BC-prompts,BC,CQL-prompts,SACN-prompts,IQL-prompts,TD3BC-prompts',
    sizes: 'default',
    dataEpisodes: 100,
    seeds: '0,1,2',
    steps: 100_000,
    evalEvery: 20_000,
    episodes: 50,
  },
};

/** The paper's success rates (%), Table 1 (LLMDPD) and Table 3 (ablations, unseen tasks only). */
const PAPER = {
  LLMDPD: {
    'box-close': 75.24,
    'hand-insert': 78.71,
    'bin-picking': 74.65,
    'sweep-into': 91.84,
    'coffee-push': 76.56,
    disassemble: 72.3,
  },
  'LLMDPD-noText': { 'box-close': 70.14, 'hand-insert': 72.16, 'bin-picking': 64.55 },
  'LLMDPD-noTraj': { 'box-close': 72.01, 'hand-insert': 75.43, 'bin-picking': 70.13 },
  DiffusionQL: { 'box-close': 67.29, 'hand-insert': 69.31, 'bin-picking': 61.48 },
};

const { values: args } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    metaworld: { type: 'string' },
    out: { type: 'string' },
    data: { type: 'string' },
    fresh: { type: 'boolean', default: false },
    methods: { type: 'string' },
    seeds: { type: 'string' },
    steps: { type: 'string' },
    'eval-every': { type: 'string' },
    episodes: { type: 'string' },
    'data-episodes': { type: 'string' },
    'data-seed': { type: 'string', default: '0' },
    threads: { type: 'string' },
    progress: { type: 'string', default: 'lines' },
  },
});

const budgetName = args.full ? 'full' : 'reduced';
const budget = BUDGETS[budgetName];

function integer(flag, value, min) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer >= ${min}, got ${value}`);
  return n;
}

/** The Meta-World asset folder: --metaworld, METAWORLD_ASSETS, or ../shared/metaworld beside the repository. */
function assetsFolder() {
  const given = args.metaworld ?? process.env.METAWORLD_ASSETS;
  const candidates = given !== undefined && given !== '' ? [given] : [path.join(REPO, '..', 'shared', 'metaworld')];
  for (const dir of candidates) {
    // Accept the assets folder itself or a folder that holds it as assets/.
    for (const assets of [dir, path.join(dir, 'assets')])
      if (existsSync(path.join(assets, 'sawyer_xyz'))) return path.resolve(assets);
  }
  const where =
    given !== undefined && given !== ''
      ? `${given} (from ${args.metaworld !== undefined ? '--metaworld' : 'METAWORLD_ASSETS'})`
      : `${candidates[0]} (the default; neither --metaworld nor METAWORLD_ASSETS is set)`;
  console.error(
    `bench:metaworld needs Meta-World's robot and object models, and found none at ${where}: ` +
      'no sawyer_xyz/ folder there or in its assets/ subfolder. Install Meta-World (pip install metaworld) and pass ' +
      'its package folder\'s assets: --metaworld "$(python3 -c \'import metaworld, os; print(os.path.join(os.path.dirname(metaworld.__file__), "assets"))\')", ' +
      'or set METAWORLD_ASSETS to that folder.',
  );
  process.exit(2);
}

const assetsDir = assetsFolder();
const seeds = (args.seeds ?? budget.seeds).split(',').map((s) => integer('seeds', s, 0));
const steps = integer('steps', args.steps ?? budget.steps, 1);
const evalEvery =
  args['eval-every'] !== undefined ? integer('eval-every', args['eval-every'], 1) : (budget.evalEvery ?? steps);
const episodes = integer('episodes', args.episodes ?? budget.episodes, 1);
const dataEpisodes = integer('data-episodes', args['data-episodes'] ?? budget.dataEpisodes, 4);
const dataSeed = integer('data-seed', args['data-seed'], 0);
const threads = args.threads !== undefined ? integer('threads', args.threads, 0) : os.availableParallelism();
const outDir = path.resolve(args.out ?? path.join(REPO, 'reports', `bench-metaworld-${budgetName}`));
const small = budget.sizes === 'small';

/** The comparison's agent entry of each method. */
function method(name) {
  const preset = small ? { preset: 'pointmass-small' } : {};
  const bcPrompts = small
    ? {
        textHeadHiddenDims: [64],
        textOutputDim: 16,
        trajectoryOutputDim: 16,
        trajectoryWidth: 32,
        trajectoryLayers: 1,
        trajectoryFeedForwardDim: 64,
        trajectoryPromptLength: 10,
      }
    : {};
  switch (name) {
    case 'LLMDPD':
      return { name, class: 'LLMDPD', ...preset };
    case 'LLMDPD-noText':
      return { name, class: 'LLMDPD', ...preset, config: { useTextPrompt: false } };
    case 'LLMDPD-noTraj':
      return { name, class: 'LLMDPD', ...preset, config: { useTrajectoryPrompt: false } };
    case 'DiffusionQL':
      return { name, class: 'DiffusionQL', ...preset };
    case 'BC-prompts':
      return { name, class: 'BC', ...preset, conditioner: { kind: 'prompts', ...bcPrompts } };
    case 'BC':
      return { name, class: 'BC', ...preset };
    case 'CQL-prompts':
    case 'SACN-prompts':
    case 'IQL-prompts':
    case 'TD3BC-prompts':
      // The information-matched baselines: the same text and trajectory prompts as LLMDPD.
      return { name, class: name.split('-')[0], ...preset, conditioner: { kind: 'prompts', ...bcPrompts } };
    default:
      throw new Error(
        `unknown method ${name}; known: LLMDPD, LLMDPD-noText, LLMDPD-noTraj, DiffusionQL, BC-prompts, BC, CQL-prompts, SACN-prompts, IQL-prompts, TD3BC-prompts`,
      );
  }
}
const agents = (args.methods ?? budget.methods).split(',').map(method);

if (args.fresh) rmSync(outDir, { recursive: true, force: true });
const tasks = [...METAWORLD_LLMDPD_SPLIT.seen, ...METAWORLD_LLMDPD_SPLIT.unseen];
const dataDir = path.resolve(args.data ?? path.join(outDir, `data-s${dataSeed}-e${dataEpisodes}`));
const facts = { bench: 'metaworld', budget: budgetName, machine: machineFacts(), assetsDir, load: os.loadavg() };
emit({
  ...facts,
  kind: 'start',
  methods: agents.map((a) => a.name),
  seeds,
  steps,
  evalEvery,
  episodes,
  dataEpisodes,
  threads,
  outDir,
});

let dataSeconds = 0;
if (!existsSync(path.join(dataDir, 'metaworld.json'))) {
  const t0 = performance.now();
  await writeMetaWorldDatasets(dataDir, { assetsDir, seed: dataSeed, episodes: dataEpisodes, tasks, minari: false });
  dataSeconds = (performance.now() - t0) / 1000;
}
const manifest = JSON.parse(readFileSync(path.join(dataDir, 'metaworld.json'), 'utf8'));
emit({
  bench: 'metaworld',
  kind: 'data',
  dir: dataDir,
  written: dataSeconds > 0,
  seconds: round3(dataSeconds),
  tasks: manifest.tasks.map((t) => ({
    task: t.task,
    transitions: t.transitions,
    successShare: round3(t.episodeSuccesses.filter(Boolean).length / t.episodeSuccesses.length),
  })),
});

const spec = {
  name: `metaworld-llmdpd-${budgetName}`,
  description:
    "The LLMDPD paper's Meta-World protocol (section 4.1): trained on sweep-into, coffee-push and disassemble, evaluated zero-shot on box-close, hand-insert and bin-picking. Produced by bench/metaworld.js.",
  agents,
  data: [{ kind: 'metaworld', name: 'metaworld', path: dataDir, split: 'default', assetsDir }],
  seeds,
  steps,
  logEvery: Math.min(1000, evalEvery),
  evaluation: { every: evalEvery, episodes },
  bootstrap: { reps: 20_000 },
};

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
const t0 = performance.now();
const result = await runComparison(spec, {
  outDir,
  threads,
  progress: args.progress,
  signal: controller.signal,
});
const wallSeconds = (performance.now() - t0) / 1000;

for (const r of result.runs) {
  const final = result.report?.runs.find((x) => x.id === r.plan.id)?.final ?? null;
  emit({
    bench: 'metaworld',
    kind: 'run',
    id: r.plan.id,
    agent: r.plan.agent.name,
    seed: r.plan.seed,
    state: r.outcome?.state ?? r.before.state,
    skipped: r.outcome === null,
    seconds:
      r.outcome === null
        ? null
        : { total: round3(r.outcome.seconds.total), evaluation: round3(r.outcome.seconds.evaluation) },
    success: final === null ? null : Object.fromEntries(tasks.map((t) => [t, final[`eval/${t}/success`] ?? null])),
    ...(r.outcome?.error !== undefined ? { error: r.outcome.error } : {}),
  });
}
if (result.report === null) {
  emit({ bench: 'metaworld', kind: 'stopped', wallSeconds: round3(wallSeconds), outDir });
  process.exit(result.stopped ? 130 : 1);
}

const rows = result.report.summary.filter((r) => r.which === 'final' && r.metric === 'success');
const cell = (agent, scope, name) => rows.find((r) => r.agent === agent && r.scope === scope && r.name === name);
const pct = (x) => (Number.isFinite(x) ? (100 * x).toFixed(1) : '–');
const show = (e) =>
  e === undefined ? '–' : `${pct(e.mean)} ± ${pct(e.std)} [${pct(e.meanCi[0])}, ${pct(e.meanCi[1])}]`;

// LLMDPD against each other method (every pair is in the report's report.md).
const leader = agents.some((a) => a.name === 'LLMDPD') ? 'LLMDPD' : agents[0].name;
const lead = result.report.verdicts.filter((v) => v.metric === 'success' && (v.a === leader || v.b === leader));

emit({
  bench: 'metaworld',
  kind: 'summary',
  ...facts,
  loadAfter: os.loadavg(),
  wallSeconds: round3(wallSeconds),
  dataSeconds: round3(dataSeconds),
  runs: result.runs.length,
  success: Object.fromEntries(
    agents.map((a) => [
      a.name,
      Object.fromEntries(
        [...tasks, 'seen', 'unseen'].map((n) => {
          const e = cell(a.name, tasks.includes(n) ? 'task' : 'split', n);
          return [n, e === undefined ? null : { mean: round3(e.mean), std: round3(e.std), ci95: e.meanCi.map(round3) }];
        }),
      ),
    ]),
  ),
  verdicts: lead.map((v) => ({ split: v.split, a: v.a, b: v.b, higher: v.higher })),
  report: path.join(outDir, 'report', 'report.md'),
});

const lines = [];
lines.push(
  '',
  `Meta-World, success rate (%) at the final evaluation: mean ± std over ${seeds.length} seed(s) [95% stratified-bootstrap interval of the mean], ${episodes} episode(s) per task and seed; budget ${budgetName} (${steps} steps, ${dataEpisodes} episodes of data per task).`,
  '',
  `| split | task | ${agents.map((a) => a.name).join(' | ')} | paper LLMDPD |`,
  `|---|---|${agents.map(() => '---|').join('')}---|`,
);
for (const [split, names] of [
  ['unseen', METAWORLD_LLMDPD_SPLIT.unseen],
  ['seen', METAWORLD_LLMDPD_SPLIT.seen],
]) {
  for (const t of names)
    lines.push(
      `| ${split} | ${t} | ${agents.map((a) => show(cell(a.name, 'task', t))).join(' | ')} | ${PAPER.LLMDPD[t]} |`,
    );
  const paperMean = names.reduce((s, t) => s + PAPER.LLMDPD[t], 0) / names.length;
  lines.push(
    `| ${split} | **all** | ${agents.map((a) => show(cell(a.name, 'split', split))).join(' | ')} | ${paperMean.toFixed(1)} |`,
  );
}
const ablations = agents.filter((a) => PAPER[a.name] !== undefined);
if (ablations.length > 0) {
  lines.push(
    '',
    "The paper's unseen-task numbers for the methods run here (Table 1: LLMDPD; Table 3: ablations; SAC data, Llama3 text encoder):",
    '',
    `| task | ${ablations.map((a) => a.name).join(' | ')} |`,
    `|---|${ablations.map(() => '---|').join('')}`,
  );
  for (const t of METAWORLD_LLMDPD_SPLIT.unseen)
    lines.push(`| ${t} | ${ablations.map((a) => PAPER[a.name][t]).join(' | ')} |`);
}
lines.push('', `${leader} against each method (a verdict only where the intervals separate):`);
for (const v of lead) lines.push(`- ${v.line}`);
lines.push(
  '',
  `Wall time ${(wallSeconds / 60).toFixed(1)} min (+ ${dataSeconds.toFixed(0)} s of data), ${threads} thread(s), load ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}; full report: ${path.join(outDir, 'report', 'report.md')}`,
);
console.log(lines.join('\n'));
