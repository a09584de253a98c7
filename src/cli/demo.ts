/**
 * `npm run demo` (also `npx llmdpd demo`): the library's main job, with nothing downloaded.
 *
 * A slice of the generalisation benchmark on the built-in `pointmass-landmarks` family
 * (`docs/suites/pointmass-landmarks.md`): three methods, trained offline on the 12 seen tasks
 * with the same data and the same prompts, over several seeds, then evaluated on the 12 seen
 * tasks, the 12 unseen (rule, actuation map) combinations, and the same 12 with paraphrased texts.
 *
 * - **LLMDPD**: Diffusion-QL conditioned on the text prompt (n-gram encoder, no download) and the
 *   trajectory prompts.
 * - **LLMDPD w/o prompts**: the same agent with no conditioner, the no-prompt ablation.
 * - **BC + prompts**: the information-matched baseline, behaviour cloning with the same prompt
 *   branches. It is the strongest baseline on main that fits the budget: the only other agent,
 *   Diffusion-QL, is LLMDPD's own base, and BC's forms did not differ on the seen tasks in a
 *   short measurement (`docs/benchmarks.md`, "The demo").
 *
 * The text prompt states the rule only (which marker, or between which two); the trajectory
 * prompts are episodes of a random-push probe under the task's hidden actuation map, from other
 * episodes, so they show how the controls act and nothing of the goal. The verdict compares
 * LLMDPD with the baseline and with its ablation by the difference in unseen success with a
 * bootstrap 95% interval over seeds and tasks (`demo-stats.ts`), and claims a difference only
 * where the interval excludes zero. It prints a table and writes `report.md`, `report.json` and
 * `success.svg`. Runs are spread over two worker threads.
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { writeFileAtomic } from '../core/atomic-file.js';
import { RlError } from '../core/errors.js';
import { Progress, type ProgressOptions } from '../core/progress.js';
import { initEngine } from '../engine/index.js';
import { engineWorkerEnv } from '../engine/worker-kernels.js';
import type { LandmarkTaskGroup } from '../suites/landmarks/family.js';
import {
  DEMO_AGENT_CONFIG,
  DEMO_AGENTS,
  DEMO_BC_CONFIG,
  DEMO_LLMDPD_PROMPT_CONFIG,
  DEMO_SUITE,
  type DemoAgentKind,
  type DemoJob,
  type DemoJobResult,
  runDemoJob,
} from './demo-job.js';
import { bootstrapDifference, type Interval, type MeanStd, meanStd } from './demo-stats.js';
import type { DemoWorkerMessage } from './demo-worker.js';
import { groupedBarChart } from './svg-chart.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Folder for the reports. */
  readonly outDir: string;
  /** Training seeds; each method is trained once per seed. @defaultValue DEMO_DEFAULTS.seeds */
  readonly seeds?: readonly number[];
  /** Gradient steps per run. @defaultValue DEMO_DEFAULTS.steps */
  readonly steps?: number;
  /** Evaluation episodes per task and run, spread over the task's prompts. @defaultValue DEMO_DEFAULTS.evalEpisodes */
  readonly evalEpisodes?: number;
  /** Transitions per seen task. @defaultValue DEMO_DEFAULTS.transitionsPerTask */
  readonly transitionsPerTask?: number;
  /** Trajectory prompts per task (fewer makes a quick check cheaper). @defaultValue 4 */
  readonly promptsPerTask?: number;
  /** Cut evaluation episodes after this many steps (for quick checks). @defaultValue the suite's 50 */
  readonly maxEpisodeSteps?: number;
  /** Worker threads (1 runs everything in this thread). @defaultValue min(2, cores) */
  readonly workers?: number;
  /** Progress display. @defaultValue `'auto'` */
  readonly progress?: ProgressOptions['mode'];
  /** Where to print. @defaultValue `process.stdout` */
  readonly out?: { write(text: string): unknown };
}

/**
 * The demo's default budget, sized to fit in 10 minutes on the slow 2-core CI machine
 * (measured figures in `docs/benchmarks.md`, "The demo").
 */
export const DEMO_DEFAULTS: Readonly<{
  seeds: readonly number[];
  steps: number;
  evalEpisodes: number;
  transitionsPerTask: number;
}> = Object.freeze({
  seeds: Object.freeze([0, 1, 2]),
  steps: 6000,
  evalEpisodes: 20,
  transitionsPerTask: 10_000,
});

export type { MeanStd } from './demo-stats.js';

/** The groups the demo reports, in column order. */
export const DEMO_GROUPS: readonly LandmarkTaskGroup[] = Object.freeze([
  'seen',
  'unseen-combination',
  'unseen-paraphrase',
]);

/** One method's aggregate on one group of tasks. */
export interface GroupSummary {
  /** Mean success rate over the group's tasks, mean ± std over seeds. */
  readonly success: MeanStd;
  /** Mean return over the group's tasks, mean ± std over seeds. */
  readonly return: MeanStd;
}

/** LLMDPD's success minus another method's on one group, with a bootstrap interval. */
export interface DemoComparison {
  /** The other method. */
  readonly against: DemoAgentKind;
  /** The group of tasks. */
  readonly group: LandmarkTaskGroup;
  /** Difference in mean success rate (fraction, not points) with its 95% interval. */
  readonly difference: Interval;
}

/** What {@link runDemo} measured and wrote. */
export interface DemoReport {
  /** Engine facts. */
  readonly engine: Awaited<ReturnType<typeof initEngine>>;
  /** The suite. */
  readonly suite: string;
  /** Settings of the run. */
  readonly settings: Required<Pick<DemoOptions, 'seeds' | 'steps' | 'evalEpisodes' | 'transitionsPerTask' | 'workers'>>;
  /** Per method and group: the summaries. */
  readonly summary: Readonly<Record<DemoAgentKind, Readonly<Record<LandmarkTaskGroup, GroupSummary>>>>;
  /** LLMDPD against each other method on each unseen group. */
  readonly comparisons: readonly DemoComparison[];
  /** Every run's raw results. */
  readonly runs: readonly DemoJobResult[];
  /** The verdict on the unseen combinations. */
  readonly verdict: string;
  /** What each method's prompts contain, as printed. */
  readonly prompts: readonly string[];
  /** Total wall time in seconds. */
  readonly seconds: number;
}

/** What the prompts and the observation contain, printed with every report. */
export function demoPromptNotes(promptsPerTask = 4): readonly string[] {
  return [
    'observation: the point mass (position, velocity) and three markers (red, green, blue) re-drawn at every reset; the goal is not in it and must be computed from the rule and the markers',
    'text prompt: the rule only (stop on a marker, or halfway between two), in the Task / Objective / Constraints format; it never names the actuation map or any coordinate. Unseen-combination tasks use the seen wording; unseen-paraphrase tasks use words no seen text has (the n-gram encoder cannot relate them, an LLM encoder could)',
    `trajectory prompts: ${promptsPerTask} per task, each one episode of a random-push probe behaviour under the task's hidden actuation map (identity, rotate-90, rotate-180 or mirror-x), run on episodes of their own (other markers); they show how the controls act, and their end states say nothing about the goal`,
    'LLMDPD and BC + prompts get the same text and the same trajectory prompts, through prompt branches of the same sizes; LLMDPD w/o prompts gets neither; all three get the same data (25% random, 50% medium, 25% expert episodes of the 12 seen tasks)',
  ];
}

/** Runs jobs on `workers` worker threads (compiled build), or in this thread. */
async function runJobs(
  jobs: readonly DemoJob[],
  workers: number,
  onSteps: (n: number) => void,
): Promise<DemoJobResult[]> {
  const workerUrl = new URL('./demo-worker.js', import.meta.url);
  // From TypeScript sources (tests), there is no compiled worker file: run in this thread.
  if (workers <= 1 || import.meta.url.endsWith('.ts')) {
    const results: DemoJobResult[] = [];
    for (const job of jobs) results.push(await runDemoJob(job, onSteps));
    return results;
  }
  const results = new Array<DemoJobResult>(jobs.length);
  let next = 0;
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(workerUrl, { env: engineWorkerEnv(workers) });
      let current = -1;
      const dispatch = () => {
        if (next >= jobs.length) {
          void worker.terminate().then(() => resolve());
          return;
        }
        current = next++;
        worker.postMessage(jobs[current]);
      };
      worker.on('message', (m: DemoWorkerMessage) => {
        if (m.type === 'steps') onSteps(m.steps);
        else if (m.type === 'result') {
          results[current] = m.result;
          dispatch();
        } else {
          void worker.terminate();
          reject(new RlError(`Demo run ${JSON.stringify(jobs[current])} failed in a worker: ${m.message}`));
        }
      });
      worker.on('error', reject);
      dispatch();
    });
  await Promise.all(Array.from({ length: Math.min(workers, jobs.length) }, runWorker));
  return results;
}

function summarise(runs: readonly DemoJobResult[], agent: DemoAgentKind, group: LandmarkTaskGroup): GroupSummary {
  const perSeed = runs
    .filter((r) => r.job.agent === agent)
    .map((r) => {
      const tasks = r.tasks.filter((t) => t.group === group);
      return {
        success: tasks.reduce((a, t) => a + t.successRate, 0) / tasks.length,
        ret: tasks.reduce((a, t) => a + t.meanReturn, 0) / tasks.length,
      };
    });
  return { success: meanStd(perSeed.map((p) => p.success)), return: meanStd(perSeed.map((p) => p.ret)) };
}

/** Seeds × tasks success table of one method on one group (tasks in suite order). */
function successTable(runs: readonly DemoJobResult[], agent: DemoAgentKind, group: LandmarkTaskGroup): number[][] {
  return runs
    .filter((r) => r.job.agent === agent)
    .map((r) => r.tasks.filter((t) => t.group === group).map((t) => t.successRate));
}

const pct = (m: MeanStd) => `${(100 * m.mean).toFixed(1)}% ± ${(100 * m.std).toFixed(1)}`;
const num = (m: MeanStd) => `${m.mean.toFixed(1)} ± ${m.std.toFixed(1)}`;
const points = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}`;

/** One comparison in words: the difference, its interval, and what the interval supports. */
export function describeComparison(c: DemoComparison): string {
  const d = c.difference;
  const reading =
    d.low > 0
      ? 'LLMDPD higher: the interval excludes 0'
      : d.high < 0
        ? 'LLMDPD LOWER: the interval excludes 0'
        : 'no difference shown: the interval includes 0';
  return `LLMDPD − ${c.against} = ${points(d.estimate)} points (${Math.round(100 * d.level)}% CI ${points(d.low)} to ${points(d.high)}; ${reading})`;
}

/**
 * Runs the demo and returns what it measured (also written to `outDir`).
 * @throws {@link RlError} when a run fails.
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const out = options.out ?? process.stdout;
  const say = (line = '') => out.write(`${line}\n`);
  const settings = {
    seeds: options.seeds ?? DEMO_DEFAULTS.seeds,
    steps: options.steps ?? DEMO_DEFAULTS.steps,
    evalEpisodes: options.evalEpisodes ?? DEMO_DEFAULTS.evalEpisodes,
    transitionsPerTask: options.transitionsPerTask ?? DEMO_DEFAULTS.transitionsPerTask,
    workers: options.workers ?? Math.min(2, availableParallelism()),
  };
  const started = performance.now();
  mkdirSync(options.outDir, { recursive: true });
  const engine = await initEngine();
  say(`llmdpd demo: generalising to unseen tasks from prompts (built-in suite ${DEMO_SUITE})`);
  say(
    `engine: ${engine.backend} (tfjs ${engine.tfjsVersion}), ${engine.kernels} kernels; ${settings.workers} worker thread(s)`,
  );
  say(
    `training ${DEMO_AGENTS.join(', ')} on 12 seen tasks, ${settings.steps} steps each, seeds ${settings.seeds.join(', ')}; evaluating ${settings.evalEpisodes} episodes per task on 12 seen tasks, 12 unseen combinations and the same 12 with paraphrased texts`,
  );
  say(
    `networks: 3x${DEMO_AGENT_CONFIG.hiddenDims?.[0]} Mish, batch ${DEMO_AGENT_CONFIG.batchSize}; Diffusion-QL K = 5; BC ${DEMO_BC_CONFIG.policy}; prompt branches: n-gram text encoder (no download, not an LLM) -> head, 1-block trajectory transformer (width ${DEMO_LLMDPD_PROMPT_CONFIG.trajectoryWidth}, last ${DEMO_LLMDPD_PROMPT_CONFIG.trajectoryPromptLength} steps)`,
  );
  say('what the methods are given:');
  const notes = demoPromptNotes(options.promptsPerTask);
  for (const note of notes) say(`  - ${note}`);

  // Longest runs first, so that two workers finish together.
  const cost: Record<DemoAgentKind, number> = { LLMDPD: 3, 'LLMDPD w/o prompts': 2, 'BC + prompts': 1 };
  const jobs: DemoJob[] = [...DEMO_AGENTS]
    .sort((a, b) => cost[b] - cost[a])
    .flatMap((agent) =>
      settings.seeds.map((seed) => ({
        agent,
        seed,
        steps: settings.steps,
        evalEpisodes: settings.evalEpisodes,
        transitionsPerTask: settings.transitionsPerTask,
        suiteSeed: 0,
        ...(options.promptsPerTask === undefined ? {} : { promptsPerTask: options.promptsPerTask }),
        ...(options.maxEpisodeSteps === undefined ? {} : { maxEpisodeSteps: options.maxEpisodeSteps }),
      })),
    );
  const progress = new Progress({
    total: jobs.length * settings.steps,
    label: 'training',
    mode: options.progress ?? 'auto',
  });
  let done = 0;
  const runs = await runJobs(jobs, settings.workers, (n) => {
    done += n;
    progress.update(done);
  });
  progress.done();

  const summary = Object.fromEntries(
    DEMO_AGENTS.map((a) => [a, Object.fromEntries(DEMO_GROUPS.map((g) => [g, summarise(runs, a, g)]))]),
  ) as DemoReport['summary'];
  const comparisons: DemoComparison[] = DEMO_AGENTS.filter((a) => a !== 'LLMDPD').flatMap((against) =>
    DEMO_GROUPS.filter((g) => g !== 'seen').map((group) => ({
      against,
      group,
      difference: bootstrapDifference(successTable(runs, 'LLMDPD', group), successTable(runs, against, group)),
    })),
  );
  const onCombinations = comparisons.filter((c) => c.group === 'unseen-combination');
  const verdict = `On the unseen combinations: ${onCombinations.map(describeComparison).join('; ')}.`;
  const paraphraseLine = `On the paraphrased texts: ${comparisons
    .filter((c) => c.group === 'unseen-paraphrase')
    .map(describeComparison)
    .join('; ')}.`;

  const header = `| method | seen success | unseen-combination success | unseen-paraphrase success | seen return | unseen-combination return |`;
  const rows = DEMO_AGENTS.map(
    (a) =>
      `| ${a} | ${pct(summary[a].seen.success)} | ${pct(summary[a]['unseen-combination'].success)} | ${pct(summary[a]['unseen-paraphrase'].success)} | ${num(summary[a].seen.return)} | ${num(summary[a]['unseen-combination'].return)} |`,
  );
  const table = [header, '| --- | --- | --- | --- | --- | --- |', ...rows];
  const footnote = `(success and return: mean ± std over ${settings.seeds.length} seeds of the mean over a group's 12 tasks; differences: bootstrap 95% interval over seeds and tasks, in percentage points; chance, a policy that ignores the prompts, is well under 10%)`;
  say('');
  for (const line of table) say(line);
  say('');
  say(verdict);
  say(paraphraseLine);
  say(footnote);

  const perTask = [
    '| task | group | ' + DEMO_AGENTS.map((a) => `${a} success`).join(' | ') + ' |',
    '| --- | --- | ' + DEMO_AGENTS.map(() => '---').join(' | ') + ' |',
    ...runs[0].tasks.map((t) => {
      const cells = DEMO_AGENTS.map((a) =>
        pct(
          meanStd(
            runs.filter((r) => r.job.agent === a).map((r) => r.tasks.find((x) => x.task === t.task)!.successRate),
          ),
        ),
      );
      return `| ${t.task} | ${t.group} | ${cells.join(' | ')} |`;
    }),
  ];
  const seconds = (performance.now() - started) / 1000;
  const report: DemoReport = {
    engine,
    suite: DEMO_SUITE,
    settings,
    summary,
    comparisons,
    runs,
    verdict,
    prompts: notes,
    seconds,
  };
  writeFileAtomic(join(options.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileAtomic(
    join(options.outDir, 'report.md'),
    [
      `# llmdpd demo: LLMDPD, its no-prompt ablation and BC + prompts on unseen tasks`,
      '',
      `Suite \`${DEMO_SUITE}\` (12 seen tasks for training; 12 unseen combinations of a seen rule and a seen actuation map, evaluated with the seen wording and with paraphrased texts), ${settings.steps} gradient steps per run, seeds ${settings.seeds.join(', ')}, ${settings.evalEpisodes} episodes per task. Backend ${engine.backend} (tfjs ${engine.tfjsVersion}), ${engine.kernels} kernels. Wall time ${seconds.toFixed(0)} s.`,
      '',
      '## What each method is given',
      '',
      ...notes.map((n) => `- ${n}`),
      '',
      '## Result',
      '',
      ...table,
      '',
      verdict,
      '',
      paraphraseLine,
      '',
      footnote,
      '',
      '![success rates](success.svg)',
      '',
      '## Per task (success, mean ± std over seeds)',
      '',
      ...perTask,
      '',
    ].join('\n'),
  );
  writeFileAtomic(
    join(options.outDir, 'success.svg'),
    groupedBarChart({
      title: 'Success rate by task group (mean ± std over seeds)',
      yLabel: 'success rate',
      groups: ['seen', 'unseen combinations', 'unseen, paraphrased'],
      series: DEMO_AGENTS.map((a) => ({
        name: a,
        bars: DEMO_GROUPS.map((g) => summary[a][g].success).map((m) => ({ value: m.mean, error: m.std })),
      })),
      yMax: 1,
    }),
  );
  say(`Reports: ${join(options.outDir, 'report.md')}, report.json, success.svg (${seconds.toFixed(0)} s).`);
  return report;
}
