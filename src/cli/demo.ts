/**
 * `npm run demo` (also `npx llmdpd demo`): the library's main job, with nothing downloaded.
 *
 * It trains LLMDPD and Diffusion-QL offline on the seen tasks of the built-in `pointmass-reach`
 * suite (MuJoCo point mass; the goal is not in the observation, so only the prompts tell tasks
 * apart), over 3 seeds, then evaluates both on the seen and on the unseen tasks. LLMDPD gets each
 * task's text description (embedded by the zero-download n-gram encoder) and one expert
 * trajectory; Diffusion-QL gets neither, so on multi-task data it can only average behaviours.
 * It prints a table (success rate and return, mean ± std over seeds), and writes
 * `report.md`, `report.json` and `success.svg`. Runs are spread over two worker threads.
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
import {
  DEMO_AGENT_CONFIG,
  DEMO_LLMDPD_PROMPT_CONFIG,
  type DemoAgentKind,
  type DemoJob,
  type DemoJobResult,
  runDemoJob,
} from './demo-job.js';
import type { DemoWorkerMessage } from './demo-worker.js';
import { groupedBarChart } from './svg-chart.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Folder for the reports. */
  readonly outDir: string;
  /** Training seeds; each agent is trained once per seed. @defaultValue [0, 1, 2] */
  readonly seeds?: readonly number[];
  /** Gradient steps per run (sized so the whole demo fits in about 6 minutes on 2 cores). @defaultValue 12000 */
  readonly steps?: number;
  /** Evaluation episodes per task and run. @defaultValue 10 */
  readonly evalEpisodes?: number;
  /** Transitions per seen task. @defaultValue 10000 */
  readonly transitionsPerTask?: number;
  /** Worker threads (1 runs everything in this thread). @defaultValue min(2, cores) */
  readonly workers?: number;
  /** Progress display. @defaultValue `'auto'` */
  readonly progress?: ProgressOptions['mode'];
  /** Where to print. @defaultValue `process.stdout` */
  readonly out?: { write(text: string): unknown };
}

/** Mean and standard deviation over seeds. */
export interface MeanStd {
  /** Mean. */
  readonly mean: number;
  /** Population standard deviation. */
  readonly std: number;
}

/** One agent's aggregate on one group of tasks. */
export interface GroupSummary {
  /** Mean success rate over the group's tasks, mean ± std over seeds. */
  readonly success: MeanStd;
  /** Mean return over the group's tasks, mean ± std over seeds. */
  readonly return: MeanStd;
}

/** What {@link runDemo} measured and wrote. */
export interface DemoReport {
  /** Engine facts. */
  readonly engine: Awaited<ReturnType<typeof initEngine>>;
  /** Settings of the run. */
  readonly settings: Required<Pick<DemoOptions, 'seeds' | 'steps' | 'evalEpisodes' | 'transitionsPerTask' | 'workers'>>;
  /** Per agent: seen and unseen summaries. */
  readonly summary: Readonly<Record<DemoAgentKind, { readonly seen: GroupSummary; readonly unseen: GroupSummary }>>;
  /** Every run's raw results. */
  readonly runs: readonly DemoJobResult[];
  /** The one-sentence verdict on unseen tasks. */
  readonly verdict: string;
  /** Total wall time in seconds. */
  readonly seconds: number;
}

const AGENTS: readonly DemoAgentKind[] = ['LLMDPD', 'Diffusion-QL'];

function meanStd(xs: readonly number[]): MeanStd {
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length)) };
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
      const worker = new Worker(workerUrl);
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

function summarise(runs: readonly DemoJobResult[], agent: DemoAgentKind, role: 'seen' | 'unseen'): GroupSummary {
  const perSeed = runs
    .filter((r) => r.job.agent === agent)
    .map((r) => {
      const tasks = r.tasks.filter((t) => t.role === role);
      return {
        success: tasks.reduce((a, t) => a + t.successRate, 0) / tasks.length,
        ret: tasks.reduce((a, t) => a + t.meanReturn, 0) / tasks.length,
      };
    });
  return { success: meanStd(perSeed.map((p) => p.success)), return: meanStd(perSeed.map((p) => p.ret)) };
}

const pct = (m: MeanStd) => `${(100 * m.mean).toFixed(1)}% ± ${(100 * m.std).toFixed(1)}`;
const num = (m: MeanStd) => `${m.mean.toFixed(1)} ± ${m.std.toFixed(1)}`;

/**
 * Runs the demo and returns what it measured (also written to `outDir`).
 * @throws {@link RlError} when a run fails.
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const out = options.out ?? process.stdout;
  const say = (line = '') => out.write(`${line}\n`);
  const settings = {
    seeds: options.seeds ?? [0, 1, 2],
    steps: options.steps ?? 12000,
    evalEpisodes: options.evalEpisodes ?? 10,
    transitionsPerTask: options.transitionsPerTask ?? 10_000,
    workers: options.workers ?? Math.min(2, availableParallelism()),
  };
  const started = performance.now();
  mkdirSync(options.outDir, { recursive: true });
  const engine = await initEngine();
  say('llmdpd demo: generalising to unseen tasks from prompts (built-in suite pointmass-reach)');
  say(`engine: ${engine.backend} (tfjs ${engine.tfjsVersion}); ${settings.workers} worker thread(s)`);
  say(
    `training LLMDPD and Diffusion-QL on 12 seen tasks, ${settings.steps} steps each, seeds ${settings.seeds.join(', ')}; evaluating on 12 seen and 6 unseen tasks`,
  );
  say(
    `networks: 3x${DEMO_AGENT_CONFIG.hiddenDims?.[0]} Mish, K = 5, batch ${DEMO_AGENT_CONFIG.batchSize}; LLMDPD prompts: n-gram text encoder (no download, not an LLM) -> head, 1-block trajectory transformer (width ${DEMO_LLMDPD_PROMPT_CONFIG.trajectoryWidth})`,
  );

  const jobs: DemoJob[] = AGENTS.flatMap((agent) =>
    settings.seeds.map((seed) => ({
      agent,
      seed,
      steps: settings.steps,
      evalEpisodes: settings.evalEpisodes,
      transitionsPerTask: settings.transitionsPerTask,
      suiteSeed: 0,
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
    AGENTS.map((a) => [a, { seen: summarise(runs, a, 'seen'), unseen: summarise(runs, a, 'unseen') }]),
  ) as DemoReport['summary'];
  const compare = (what: string, l: MeanStd, d: MeanStd, show: (m: MeanStd) => string): string => {
    const gap = l.mean - d.mean;
    const how =
      gap > l.std + d.std
        ? 'higher by more than the seed spread'
        : gap > 0
          ? 'higher on average, within the seed spread'
          : 'NOT higher';
    return `${what} ${show(l)} against ${show(d)} (${how})`;
  };
  const L = summary.LLMDPD.unseen;
  const D = summary['Diffusion-QL'].unseen;
  const verdict = `On the unseen tasks, LLMDPD against Diffusion-QL: ${compare('success', L.success, D.success, pct)}; ${compare('mean return', L.return, D.return, num)}.`;

  const header = `| agent | seen success | unseen success | seen return | unseen return |`;
  const rows = AGENTS.map(
    (a) =>
      `| ${a} | ${pct(summary[a].seen.success)} | ${pct(summary[a].unseen.success)} | ${num(summary[a].seen.return)} | ${num(summary[a].unseen.return)} |`,
  );
  const table = [header, '| --- | --- | --- | --- | --- |', ...rows];
  say('');
  for (const line of table) say(line);
  say('');
  say(verdict);
  say(
    `(mean ± std over ${settings.seeds.length} seeds; success = stopping on the goal; chance for a prompt-free policy is about 1 task in 12)`,
  );

  const perTask = [
    '| task | role | ' + AGENTS.map((a) => `${a} success`).join(' | ') + ' |',
    '| --- | --- | ' + AGENTS.map(() => '---').join(' | ') + ' |',
    ...runs[0].tasks.map((t) => {
      const cells = AGENTS.map((a) =>
        pct(
          meanStd(
            runs.filter((r) => r.job.agent === a).map((r) => r.tasks.find((x) => x.task === t.task)!.successRate),
          ),
        ),
      );
      return `| ${t.task} | ${t.role} | ${cells.join(' | ')} |`;
    }),
  ];
  const seconds = (performance.now() - started) / 1000;
  const report: DemoReport = { engine, settings, summary, runs, verdict, seconds };
  writeFileAtomic(join(options.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileAtomic(
    join(options.outDir, 'report.md'),
    [
      '# llmdpd demo: LLMDPD vs Diffusion-QL on unseen tasks',
      '',
      `Suite \`pointmass-reach\` (12 seen tasks for training, 6 unseen for zero-shot evaluation), ${settings.steps} gradient steps per run, seeds ${settings.seeds.join(', ')}, ${settings.evalEpisodes} episodes per task. Backend ${engine.backend} (tfjs ${engine.tfjsVersion}). Wall time ${seconds.toFixed(0)} s.`,
      '',
      ...table,
      '',
      verdict,
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
      title: 'Success rate on seen and unseen tasks (mean ± std over seeds)',
      yLabel: 'success rate',
      groups: ['seen tasks', 'unseen tasks'],
      series: AGENTS.map((a) => ({
        name: a,
        bars: [summary[a].seen.success, summary[a].unseen.success].map((m) => ({ value: m.mean, error: m.std })),
      })),
      yMax: 1,
    }),
  );
  say(`Reports: ${join(options.outDir, 'report.md')}, report.json, success.svg (${seconds.toFixed(0)} s).`);
  return report;
}
