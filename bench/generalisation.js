// npm run bench:generalisation: does LLMDPD generalise to unseen tasks better than the baselines
// that get the same information, and which prompt channel does it read? On the built-in
// pointmass-landmarks family (docs/suites/pointmass-landmarks.md): every method below is trained
// by the comparison runner (docs/compare.md) on the 12 seen tasks with the same data, seeds and
// evaluation, then evaluated on the seen tasks, the 12 unseen combinations and their paraphrased
// copies; then LLMDPD's checkpoints are evaluated again under test-time prompt perturbations.
// Method and reading: docs/benchmarks.md, "The generalisation benchmark".
//
// Options: --full (the issue's budget; default: the reduced one, about 30 min on 2 quiet cores)
//          --out DIR (default runs/generalisation[-full])  --threads N (default 2)
//          --seeds 0,1,2,3,4  --steps N  --episodes N (per task)  --perturbation-episodes N
//          --transitions N (per seen task)  --smoke (tiny networks and budget: checks the plumbing)
// Writes DIR/generalisation.json (machine, versions, budget, every number), DIR/generalisation.md
// (the tables, with bootstrap 95% intervals) and DIR/generalisation.svg; the comparison's own
// report is in DIR/report/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { agentClassNames, parseComparisonSpec, runComparison } from '../dist/compare/index.js';
import { DEMO_AGENT_CONFIG, DEMO_BC_CONFIG, DEMO_LLMDPD_PROMPT_CONFIG } from '../dist/cli/demo-job.js';
import { bootstrapDifference, meanStd } from '../dist/cli/demo-stats.js';
import { groupedBarChart } from '../dist/cli/svg-chart.js';
import { initEngine } from '../dist/engine/index.js';
import { LLMDPDAgent } from '../dist/agents/llmdpd.js';
import {
  evaluateLandmarkTask,
  LANDMARK_PERTURBATIONS,
  landmarkOracleFeatures,
} from '../dist/suites/landmarks/benchmark.js';
import { builtinLandmarkSuite } from '../dist/suites/landmarks/family.js';
import { makeLandmarkSuite } from '../dist/suites/landmarks/suite.js';
import { machineFacts } from './lib/report.js';

const SUITE = 'pointmass-landmarks';
const GROUPS = ['seen', 'unseen-combination', 'unseen-paraphrase'];
const PERTURBED_GROUPS = ['seen', 'unseen-combination'];

/** Budgets: the reduced default fits in about 30 minutes on 2 quiet cores (docs/benchmarks.md). */
const BUDGETS = {
  reduced: { seeds: [0, 1, 2, 3, 4], steps: 6000, episodes: 50, perturbationEpisodes: 50, transitions: 10_000 },
  full: { seeds: [0, 1, 2, 3, 4], steps: 30_000, episodes: 50, perturbationEpisodes: 50, transitions: 20_000 },
  smoke: { seeds: [0], steps: 20, episodes: 2, perturbationEpisodes: 4, transitions: 200 },
};

/** Agents that other work may register; listed as missing when they are not. */
const OPTIONAL_PROMPTED = [
  [['CQL'], 'CQL + prompts'],
  [['SACN'], 'SAC-N + prompts'],
  [['IQL'], 'IQL + prompts'],
  [['TD3BC', 'TD3+BC', 'TD3-BC'], 'TD3+BC + prompts'],
];

function withoutDims(config) {
  const { observationDim: _o, actionDim: _a, conditioner: _c, ...rest } = config;
  return rest;
}

/** The methods, as comparison-spec agents with a display label each. */
function methods(smoke) {
  const dql = smoke ? {} : withoutDims(DEMO_AGENT_CONFIG);
  const preset = smoke ? { preset: 'tiny' } : {};
  const prompts = smoke ? {} : { ...DEMO_LLMDPD_PROMPT_CONFIG };
  const llmdpd = (name, label, extra, conditioner = {}) => ({
    label,
    agent: {
      name,
      class: 'LLMDPD',
      ...preset,
      config: { ...dql, ...extra },
      conditioner: { kind: 'prompts', ...prompts, ...conditioner },
    },
  });
  const oracle = landmarkOracleFeatures(builtinLandmarkSuite());
  const list = [
    llmdpd('LLMDPD', 'LLMDPD', {}),
    llmdpd('LLMDPD-no-text', 'LLMDPD w/o text', {}, { useTextPrompt: false }),
    llmdpd('LLMDPD-no-trajectory', 'LLMDPD w/o trajectory', {}, { useTrajectoryPrompt: false }),
    llmdpd('LLMDPD-no-prompts', 'LLMDPD w/o both', {}, { useTextPrompt: false, useTrajectoryPrompt: false }),
    llmdpd('LLMDPD-critic-none', 'LLMDPD, critics unconditioned', { criticConditioning: 'none' }),
    {
      label: 'Diffusion-QL + task id',
      agent: { name: 'DQL-task-id', class: 'DiffusionQL', ...preset, config: dql, conditioner: { kind: 'task-id' } },
    },
    {
      label: 'Diffusion-QL + oracle features',
      agent: {
        name: 'DQL-oracle',
        class: 'DiffusionQL',
        ...preset,
        config: dql,
        conditioner: { kind: 'features', table: oracle },
      },
    },
    {
      label: 'BC + prompts',
      agent: {
        name: 'BC-prompts',
        class: 'BC',
        ...preset,
        config: smoke ? {} : withoutDims(DEMO_BC_CONFIG),
        conditioner: { kind: 'prompts', ...prompts },
      },
    },
  ];
  const registered = new Set(agentClassNames());
  const missing = [];
  for (const [names, label] of OPTIONAL_PROMPTED) {
    const cls = names.find((n) => registered.has(n));
    if (cls === undefined) {
      missing.push(label);
      continue;
    }
    // The runner's point-mass sizes (2×64, batch 64, as BC + prompts) or their tiny preset, and
    // the same prompt branches as LLMDPD.
    const name = `${names[0]}-prompts`;
    const sized = smoke ? preset : { preset: 'pointmass-small' };
    list.push({ label, agent: { name, class: cls, ...sized, conditioner: { kind: 'prompts', ...prompts } } });
  }
  return { list, missing };
}

// ── Perturbation worker: loads one LLMDPD checkpoint and evaluates it under every perturbation ──

async function perturbationJob({ checkpoint, seed, episodes, transitions }) {
  await initEngine();
  const suite = await makeLandmarkSuite(SUITE, { seed: 0, transitionsPerTask: transitions });
  const agent = LLMDPDAgent.load(checkpoint);
  const rows = [];
  for (const perturbation of LANDMARK_PERTURBATIONS)
    for (const task of suite.tasks.filter((t) => PERTURBED_GROUPS.includes(t.group))) {
      const r = await evaluateLandmarkTask(suite, task, (context) => agent.policy(context), {
        episodes,
        seed: 5000 + 100 * seed,
        perturbation,
      });
      rows.push({
        perturbation,
        task: task.name,
        group: task.group,
        successRate: r.successRate,
        meanReturn: r.meanReturn,
      });
    }
  agent.dispose();
  return { seed, rows };
}

function runInWorker(data) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: data });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

async function pool(items, threads, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(threads, items.length)) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

// ── Report ──

const pct = (x) => (100 * x).toFixed(1);
const ci = (e) => `${pct(e.mean)} [${pct(e.meanCi[0])}, ${pct(e.meanCi[1])}]`;
const signed = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}`;

function summaryRow(report, agent, group) {
  const scope = group === 'seen' ? 'split' : 'subset';
  return report.summary.find(
    (r) => r.agent === agent && r.scope === scope && r.name === group && r.metric === 'success' && r.which === 'final',
  );
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      full: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      out: { type: 'string' },
      threads: { type: 'string', default: '2' },
      seeds: { type: 'string' },
      steps: { type: 'string' },
      episodes: { type: 'string' },
      'perturbation-episodes': { type: 'string' },
      transitions: { type: 'string' },
    },
  });
  const budgetName = args.smoke ? 'smoke' : args.full ? 'full' : 'reduced';
  const base = BUDGETS[budgetName];
  const budget = {
    name: budgetName,
    seeds: args.seeds === undefined ? base.seeds : args.seeds.split(',').map(Number),
    steps: args.steps === undefined ? base.steps : Number(args.steps),
    episodes: args.episodes === undefined ? base.episodes : Number(args.episodes),
    perturbationEpisodes:
      args['perturbation-episodes'] === undefined ? base.perturbationEpisodes : Number(args['perturbation-episodes']),
    transitions: args.transitions === undefined ? base.transitions : Number(args.transitions),
  };
  const threads = Number(args.threads);
  const outDir = args.out ?? `runs/generalisation${budgetName === 'reduced' ? '' : `-${budgetName}`}`;
  mkdirSync(outDir, { recursive: true });
  const engine = await initEngine();
  const started = performance.now();
  const load = [];
  const sampleLoad = async () =>
    load.push({ t: Math.round((performance.now() - started) / 1000), load1m: (await import('node:os')).loadavg()[0] });
  await sampleLoad();
  const timer = setInterval(() => void sampleLoad(), 60_000);

  const { list, missing } = methods(args.smoke);
  const spec = parseComparisonSpec({
    name: `generalisation-${budgetName}`,
    description:
      'LLMDPD, its ablations and information-matched baselines on pointmass-landmarks (bench/generalisation.js).',
    agents: list.map((m) => m.agent),
    data: [{ kind: 'suite', name: SUITE, suite: SUITE, transitionsPerTask: budget.transitions }],
    seeds: budget.seeds,
    steps: budget.steps,
    evaluation: { every: budget.steps, episodes: budget.episodes },
  });
  process.stderr.write(
    `bench:generalisation (${budgetName}): ${list.length} methods x ${budget.seeds.length} seeds, ${budget.steps} steps, ${budget.episodes} episodes per task; missing: ${missing.join(', ') || 'none'}\n`,
  );
  const result = await runComparison(spec, { outDir, threads, progress: 'lines' });
  const trainedSeconds = result.seconds;

  // Perturbations of LLMDPD's prompts at test time, one checkpoint per seed.
  const perturbStart = performance.now();
  const perturbations = await pool(budget.seeds, threads, (seed) =>
    runInWorker({
      checkpoint: join(outDir, 'runs', `LLMDPD__${SUITE}__s${seed}`, 'checkpoint'),
      seed,
      episodes: budget.perturbationEpisodes,
      transitions: budget.transitions,
    }),
  );
  const perturbSeconds = (performance.now() - perturbStart) / 1000;
  clearInterval(timer);
  await sampleLoad();

  // Tables.
  const report = result.report;
  const methodRows = list.map((m) => {
    const cells = Object.fromEntries(GROUPS.map((g) => [g, summaryRow(report, m.agent.name, g) ?? null]));
    return { method: m.label, agent: m.agent.name, ...cells };
  });
  const table = [
    '| method | seen | unseen combinations | unseen, paraphrased |',
    '| --- | --- | --- | --- |',
    ...methodRows.map(
      (r) =>
        `| ${r.method} | ${GROUPS.map((g) => (r[g] === null ? 'n/a (no embedding for an unseen task)' : ci(r[g]))).join(' | ')} |`,
    ),
  ];
  const tableOf = (perturbation, group) =>
    perturbations.map((p) =>
      p.rows.filter((r) => r.perturbation === perturbation && r.group === group).map((r) => r.successRate),
    );
  const perturbationRows = LANDMARK_PERTURBATIONS.map((perturbation) => {
    const cells = {};
    for (const group of PERTURBED_GROUPS) {
      const t = tableOf(perturbation, group);
      const m = meanStd(t.map((row) => row.reduce((a, b) => a + b, 0) / row.length));
      cells[group] = {
        mean: m.mean,
        std: m.std,
        minusClean: perturbation === 'clean' ? null : bootstrapDifference(t, tableOf('clean', group)),
      };
    }
    return { perturbation, ...cells };
  });
  const perturbationTable = [
    '| LLMDPD prompts at test time | seen | change vs clean (95% CI) | unseen combinations | change vs clean (95% CI) |',
    '| --- | --- | --- | --- | --- |',
    ...perturbationRows.map(
      (r) =>
        [
          `| ${r.perturbation}`,
          ...PERTURBED_GROUPS.flatMap((g) => {
            const c = r[g];
            const d = c.minusClean;
            return [
              `${pct(c.mean)} ± ${pct(c.std)}`,
              d === null ? '–' : `${signed(d.estimate)} [${signed(d.low)}, ${signed(d.high)}]`,
            ];
          }),
        ].join(' | ') + ' |',
    ),
  ];
  const seconds = (performance.now() - started) / 1000;
  const out = {
    bench: 'generalisation',
    machine: machineFacts(),
    engine,
    budget,
    threads,
    suite: SUITE,
    methods: list.map((m) => ({
      label: m.label,
      ...m.agent,
      ...(m.agent.conditioner?.kind === 'features'
        ? { conditioner: { kind: 'features', dim: 10, table: '(oracle: rule one-hot + map matrix)' } }
        : {}),
    })),
    missing,
    results: methodRows,
    verdicts: report.verdicts.filter((v) => v.metric === 'success').map((v) => v.line),
    perturbations: {
      episodesPerTask: budget.perturbationEpisodes,
      groups: PERTURBED_GROUPS,
      rows: perturbationRows,
      raw: perturbations,
    },
    runStates: report.counts,
    seconds: { total: seconds, comparison: trainedSeconds, perturbations: perturbSeconds },
    load,
  };
  writeFileSync(join(outDir, 'generalisation.json'), `${JSON.stringify(out, null, 2)}\n`);
  const md = [
    `# Generalisation on ${SUITE} (${budgetName} budget)`,
    '',
    `${budget.seeds.length} seeds (${budget.seeds.join(', ')}), ${budget.steps} gradient steps, ${budget.episodes} evaluation episodes per task (first prompt, the comparison runner's protocol), ${budget.transitions} transitions per seen task. Success rate in %, mean over seeds and tasks with the stratified-bootstrap 95% interval (docs/compare.md, "Statistics"). Wall time ${seconds.toFixed(0)} s on ${threads} threads; load average ${load.map((l) => l.load1m.toFixed(1)).join(', ')}.`,
    '',
    ...table,
    '',
    `Not run (not registered on this commit): ${missing.join(', ') || 'none'}.`,
    '',
    `## Prompt perturbations (LLMDPD, ${budget.perturbationEpisodes} episodes per task over its 4 prompts)`,
    '',
    ...perturbationTable,
    '',
    '![success](generalisation.svg)',
    '',
  ].join('\n');
  writeFileSync(join(outDir, 'generalisation.md'), md);
  writeFileSync(
    join(outDir, 'generalisation.svg'),
    groupedBarChart({
      title: `Success on ${SUITE} (mean; whiskers: half the 95% interval)`,
      yLabel: 'success rate',
      groups: ['seen', 'unseen combinations', 'unseen, paraphrased'],
      series: methodRows.map((r) => ({
        name: r.method,
        bars: GROUPS.map((g) =>
          r[g] === null ? { value: 0, error: 0 } : { value: r[g].mean, error: (r[g].meanCi[1] - r[g].meanCi[0]) / 2 },
        ),
      })),
      yMax: 1,
    }),
  );
  process.stdout.write(`${md}\n`);
  process.stdout.write(
    `${JSON.stringify({ bench: 'generalisation', budget, seconds: out.seconds, missing, machine: out.machine })}\n`,
  );
}

if (!isMainThread) {
  parentPort.postMessage(await perturbationJob(workerData));
} else {
  await main();
}
