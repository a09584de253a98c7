/**
 * The comparison report (`llmdpd report DIR`, and the last step of `llmdpd compare`): reads the
 * run folders under `DIR/runs`, aggregates them (`aggregate.ts`) and writes `DIR/report/`:
 * `report.md` (tables, verdicts, figures), `summary.csv` and `runs.csv` (every number, long
 * format), `report.json`, learning curves (`curve-<data>-<split>.svg`, mean with a confidence
 * band per agent) and bar charts (`bars-<data>.svg`, IQM with its interval). A verdict is
 * written only where two agents' intervals do not overlap; otherwise the line says "no
 * difference measured". The bootstrap is seeded, so the same runs give the same report.
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import {
  aggregateRuns,
  partitions,
  readRuns,
  type Aggregation,
  type Curve,
  type Estimate,
  type RunRecord,
  type SummaryRow,
} from './aggregate.js';
import { groupedBarChart, lineChart } from './charts.js';
import { readRunFolder } from '../core/run/reader.js';
import type { BootstrapOptions } from './stats.js';

/** One pairwise verdict on a split's primary metric at the end of training (IQM and its interval). */
export interface Verdict {
  /** Data source (or group). */
  readonly data: string;
  /** Split (or group name). */
  readonly split: string;
  /** Metric. */
  readonly metric: string;
  /** First agent. */
  readonly a: string;
  /** Second agent. */
  readonly b: string;
  /** `a` or `b` when its interval lies wholly above the other's; `none` when they overlap. */
  readonly higher: string;
  /** The sentence in the report. */
  readonly line: string;
}

/** What {@link writeReport} produced. */
export interface ComparisonReport {
  /** Always `llmdpd-comparison-report`. */
  readonly format: 'llmdpd-comparison-report';
  /** Format version. */
  readonly version: 1;
  /** The comparison's name. */
  readonly name: string;
  /** Runs by state. */
  readonly counts: Readonly<Record<string, number>>;
  /** Per run: state, final and best evaluations. */
  readonly runs: readonly {
    /** Folder name. */
    readonly id: string;
    /** Agent name. */
    readonly agent: string;
    /** Data source name. */
    readonly data: string;
    /** Seed. */
    readonly seed: number;
    /** State (`completed`, `failed`, `missing`, ...). */
    readonly state: string;
    /** Steps done. */
    readonly step: number;
    /** Steps targeted. */
    readonly targetSteps: number;
    /** Training seconds logged. */
    readonly trainSeconds: number;
    /** The final evaluation row. */
    readonly final: Readonly<Record<string, number>> | null;
    /** The best evaluation row. */
    readonly best: Readonly<Record<string, number>> | null;
    /** Error of a failed run. */
    readonly error?: string;
  }[];
  /** Every aggregate. */
  readonly summary: readonly SummaryRow[];
  /** Learning curves. */
  readonly curves: readonly Curve[];
  /** Pairwise verdicts. */
  readonly verdicts: readonly Verdict[];
  /** Bootstrap settings. */
  readonly bootstrap: Required<BootstrapOptions>;
  /** Files written, relative to the report folder. */
  readonly files: readonly string[];
}

/** Options of {@link writeReport}. */
export interface ReportOptions {
  /** Where to write. @defaultValue `<dir>/report` */
  readonly reportDir?: string;
  /** Bootstrap settings (default: the spec's, else rliable's 50000 replicates, 95 %, seed 0). */
  readonly bootstrap?: BootstrapOptions;
}

const METRIC_LABEL: Readonly<Record<string, string>> = {
  success: 'success rate (%)',
  normalized: 'normalised score',
  return: 'return',
};

function scale(metric: string): number {
  return metric === 'success' ? 100 : 1;
}

function fmt(v: number, metric: string): string {
  if (!Number.isFinite(v)) return '–';
  const x = v * scale(metric);
  return Math.abs(x) >= 1000 ? x.toFixed(0) : x.toFixed(1);
}

function meanStd(e: Estimate, metric: string): string {
  return `${fmt(e.mean, metric)} ± ${fmt(e.std, metric)}`;
}

function iqmCi(e: Estimate, metric: string): string {
  return `${fmt(e.iqm, metric)} [${fmt(e.iqmCi[0], metric)}, ${fmt(e.iqmCi[1], metric)}]`;
}

function csvField(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv(header: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return `${header.join(',')}\n${rows.map((r) => `${r.map(csvField).join(',')}\n`).join('')}`;
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._+-]+/g, '-');
}

/**
 * Seeds each agent needs before a verdict names one: with a single run the interval is over
 * tasks and episodes only, and one lucky or unlucky training run would decide the line.
 */
export const MIN_SEEDS_FOR_VERDICT = 2;

/** Pairwise verdicts on each split's primary metric (final, IQM); none names an agent with fewer than {@link MIN_SEEDS_FOR_VERDICT} seeds. */
export function verdicts(aggregation: Aggregation): Verdict[] {
  const out: Verdict[] = [];
  const targets = [
    ...aggregation.data.flatMap((d) =>
      partitions(d.tasks).map((part) => ({
        data: d.name,
        split: part.name,
        metric: part.tasks[0].metric,
        scope: part.scope,
      })),
    ),
    ...unique(aggregation.summary.filter((r) => r.scope === 'group').map((r) => `${r.data}\u0000${r.name}`)).map(
      (k) => {
        const [data, name] = k.split('\u0000');
        return { data, split: name, metric: 'normalized', scope: 'group' };
      },
    ),
  ];
  const agents = aggregation.agents;
  for (const t of targets) {
    const row = (agent: string) =>
      aggregation.summary.find(
        (r) =>
          r.data === t.data &&
          r.agent === agent &&
          r.scope === t.scope &&
          r.name === t.split &&
          r.metric === t.metric &&
          r.which === 'final',
      );
    for (let i = 0; i < agents.length; i++)
      for (let j = i + 1; j < agents.length; j++) {
        const ra = row(agents[i]);
        const rb = row(agents[j]);
        if (ra === undefined || rb === undefined) continue;
        // One seed gives a bootstrap interval over tasks only: it says nothing of training noise.
        const fewSeeds = Math.min(ra.seeds, rb.seeds) < MIN_SEEDS_FOR_VERDICT;
        const higher = fewSeeds
          ? 'none'
          : ra.iqmCi[0] > rb.iqmCi[1]
            ? agents[i]
            : rb.iqmCi[0] > ra.iqmCi[1]
              ? agents[j]
              : 'none';
        const where =
          t.scope === 'split'
            ? `${t.data}, ${t.split} tasks`
            : t.scope === 'subset'
              ? `${t.data}, ${t.split}`
              : `${t.data} (${t.split})`;
        const label = METRIC_LABEL[t.metric] ?? t.metric;
        const pct = Math.round(aggregation.bootstrap.confidence * 100);
        const line = `${where}, ${label}, IQM at the end of training [${pct}% CI]: ${agents[i]} ${iqmCi(ra, t.metric)} vs ${agents[j]} ${iqmCi(rb, t.metric)}: ${
          fewSeeds
            ? `no verdict (${Math.min(ra.seeds, rb.seeds)} seed; at least ${MIN_SEEDS_FOR_VERDICT} per agent are needed).`
            : higher === 'none'
              ? 'no difference measured (the intervals overlap).'
              : `${higher} higher (the intervals do not overlap).`
        }`;
        out.push({ data: t.data, split: t.split, metric: t.metric, a: agents[i], b: agents[j], higher, line });
      }
  }
  return out;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function runFacts(dir: string, runs: readonly RunRecord[]): string[] {
  const first = runs.find((r) => r.state === 'completed') ?? runs[0];
  if (first === undefined) return [];
  let params;
  try {
    params = readRunFolder(join(dir, 'runs', first.id)).params;
  } catch {
    return [];
  }
  const engine = (params.engine ?? {}) as { backend?: string; tfjsVersion?: string; kernels?: string };
  return [
    `Library ${params.library.name} ${params.library.version}, commit ${params.commit ?? 'unknown'}; engine ${engine.backend ?? '?'} (tfjs ${engine.tfjsVersion ?? '?'}, kernels ${engine.kernels ?? '?'}).`,
  ];
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

/**
 * Aggregates the runs of the comparison in `dir` and writes the report.
 * @returns what was written (also in `report.json`).
 */
export function writeReport(dir: string, options: ReportOptions = {}): ComparisonReport {
  const { runs, file } = readRuns(dir);
  const bootstrap = options.bootstrap ?? file?.spec.bootstrap ?? {};
  const aggregation = aggregateRuns(runs, {
    bootstrap,
    ...(file !== null ? { agents: file.spec.agents.map((a) => a.name), data: file.spec.data.map((d) => d.name) } : {}),
  });
  const reportDir = options.reportDir ?? join(dir, 'report');
  mkdirSync(reportDir, { recursive: true });
  const name = file?.spec.name ?? 'comparison';
  const verdictList = verdicts(aggregation);
  const pct = Math.round(aggregation.bootstrap.confidence * 100);
  const files: string[] = [];
  const counts: Record<string, number> = {};
  for (const r of runs) counts[r.state] = (counts[r.state] ?? 0) + 1;

  const md: string[] = [`# ${name}: comparison report`, ''];
  if (file?.spec.description !== undefined) md.push(file.spec.description, '');
  const seeds = unique(runs.map((r) => r.seed));
  md.push(
    `${aggregation.agents.length} agents (${aggregation.agents.join(', ')}) × ${aggregation.data.length} data sources (${aggregation.data.map((d) => d.name).join(', ')}) × ${seeds.length} seeds = ${runs.length} runs: ${Object.entries(
      counts,
    )
      .map(([s, n]) => `${n} ${s}`)
      .join(', ')}. Only completed runs are aggregated.`,
    '',
    ...runFacts(dir, runs),
    '',
  );

  md.push('## Verdicts', '');
  if (verdictList.length === 0) md.push('No pair of agents has completed runs on the same data.', '');
  for (const v of verdictList) md.push(`- ${v.line}`);
  md.push('');

  for (const d of aggregation.data) {
    md.push(`## ${d.name}`, '');
    const parts = partitions(d.tasks);
    const splits = parts.filter((p) => p.scope === 'split').map((p) => p.name);
    const metrics = unique(d.tasks.flatMap((t) => [t.metric, 'return']));
    for (const metric of metrics)
      for (const which of ['final', 'best'] as const) {
        const rows = aggregation.agents.flatMap((agent) => {
          const cells = parts.map((part) =>
            aggregation.summary.find(
              (r) =>
                r.data === d.name &&
                r.agent === agent &&
                r.scope === part.scope &&
                r.name === part.name &&
                r.metric === metric &&
                r.which === which,
            ),
          );
          if (cells.every((c) => c === undefined)) return [];
          const n = cells.find((c) => c !== undefined)!.seeds;
          return [
            [
              agent,
              String(n),
              ...cells.flatMap((c) => (c === undefined ? ['–', '–'] : [meanStd(c, metric), iqmCi(c, metric)])),
            ],
          ];
        });
        if (rows.length === 0) continue;
        md.push(
          `### ${METRIC_LABEL[metric] ?? metric}, ${which === 'final' ? 'at the end of training' : "at each run's best evaluation (chosen by the seen tasks' score)"}`,
          '',
          ...table(
            ['agent', 'seeds', ...parts.flatMap((p) => [`${p.name}: mean ± std`, `${p.name}: IQM [${pct}% CI]`])],
            rows,
          ),
          '',
        );
      }
    for (const split of splits) {
      const curves = aggregation.curves.filter((c) => c.data === d.name && c.split === split && c.points.length > 0);
      if (curves.length === 0) continue;
      const metric = curves[0].metric;
      const fileName = `curve-${slug(d.name)}-${split}.svg`;
      writeFileAtomic(
        join(reportDir, fileName),
        lineChart({
          title: `${d.name}, ${split} tasks: ${METRIC_LABEL[metric] ?? metric} during training`,
          xLabel: 'gradient steps',
          yLabel: METRIC_LABEL[metric] ?? metric,
          series: curves.map((c) => ({
            name: c.agent,
            points: c.points.map((p) => ({
              x: p.step,
              y: p.mean * scale(metric),
              low: p.low * scale(metric),
              high: p.high * scale(metric),
            })),
          })),
          ...(metric === 'success' ? { yMin: 0, yMax: 100 } : {}),
          caption: `Mean over seeds and ${split} tasks; band: ${pct}% stratified bootstrap CI.`,
        }),
      );
      files.push(fileName);
      md.push(`![${d.name} ${split} learning curves](${fileName})`, '');
    }
    const primary = d.tasks[0]?.metric ?? 'return';
    const barAgents = aggregation.agents.filter((agent) =>
      aggregation.summary.some((r) => r.data === d.name && r.agent === agent && r.scope === 'split'),
    );
    if (barAgents.length > 0 && parts.length > 0) {
      const fileName = `bars-${slug(d.name)}.svg`;
      writeFileAtomic(
        join(reportDir, fileName),
        groupedBarChart({
          title: `${d.name}: ${METRIC_LABEL[primary] ?? primary} at the end of training`,
          yLabel: `${METRIC_LABEL[primary] ?? primary}, IQM`,
          groups: parts.map((p) => (p.scope === 'split' ? `${p.name} tasks` : p.name)),
          series: barAgents.map((agent) => ({
            name: agent,
            bars: parts.map((part) => {
              const r = aggregation.summary.find(
                (x) =>
                  x.data === d.name &&
                  x.agent === agent &&
                  x.scope === part.scope &&
                  x.name === part.name &&
                  x.metric === primary &&
                  x.which === 'final',
              );
              return r === undefined
                ? { value: NaN, error: 0 }
                : {
                    value: r.iqm * scale(primary),
                    error: 0,
                    low: r.iqmCi[0] * scale(primary),
                    high: r.iqmCi[1] * scale(primary),
                  };
            }),
          })),
          ...(primary === 'success' ? { yMax: 100 } : {}),
          caption: `Interquartile mean over seeds and tasks; whiskers: ${pct}% stratified bootstrap CI.`,
        }),
      );
      files.push(fileName);
      md.push(`![${d.name} bar chart](${fileName})`, '');
    }
    const taskRows = d.tasks.map((t) => [
      t.name,
      t.subset !== undefined ? `${t.split} (${t.subset})` : t.split,
      ...aggregation.agents.map((agent) => {
        const r = aggregation.summary.find(
          (x) =>
            x.data === d.name &&
            x.agent === agent &&
            x.scope === 'task' &&
            x.name === t.name &&
            x.metric === t.metric &&
            x.which === 'final',
        );
        return r === undefined
          ? '–'
          : `${meanStd(r, t.metric)} [${fmt(r.meanCi[0], t.metric)}, ${fmt(r.meanCi[1], t.metric)}]`;
      }),
    ]);
    if (d.tasks.length > 1 || d.tasks.length === 1) {
      md.push(
        `### Per task: ${METRIC_LABEL[primary] ?? primary} at the end of training, mean ± std [${pct}% CI of the mean]`,
        '',
        ...table(['task', 'split', ...aggregation.agents], taskRows),
        '',
      );
    }
  }

  const groups = aggregation.summary.filter((r) => r.scope === 'group');
  if (groups.length > 0) {
    md.push(`## All sources with normalised scores (${groups[0].name})`, '');
    md.push(
      ...table(
        ['agent', 'evaluation', 'seeds', 'mean ± std', `IQM [${pct}% CI]`, `mean [${pct}% CI]`],
        groups.map((r) => [
          r.agent,
          r.which,
          String(r.seeds),
          meanStd(r, r.metric),
          iqmCi(r, r.metric),
          `${fmt(r.mean, r.metric)} [${fmt(r.meanCi[0], r.metric)}, ${fmt(r.meanCi[1], r.metric)}]`,
        ]),
      ),
      '',
    );
  }

  md.push('## Runs', '');
  md.push(
    ...table(
      ['run', 'agent', 'data', 'seed', 'state', 'steps', 'best step', 'training s'],
      runs.map((r) => [
        r.id,
        r.agent,
        r.data,
        String(r.seed),
        r.state + (r.error !== undefined ? ` (${r.error.split('\n')[0].slice(0, 80)})` : ''),
        `${r.step}/${r.targetSteps}`,
        r.best !== null ? String(r.best.step) : '–',
        r.trainSeconds.toFixed(1),
      ]),
    ),
    '',
  );
  md.push(
    '## Statistics',
    '',
    `Scores are the evaluations of each run (success rate, D4RL normalised score or mean return over ${'the'} evaluation episodes of each task). ` +
      `"mean ± std": mean over seeds and tasks, and the population standard deviation over seeds of each seed's mean over the tasks. ` +
      `IQM: interquartile mean (25% trimmed mean) of all run × task scores. ` +
      `Intervals: ${pct}% percentile intervals of a stratified bootstrap over runs (runs redrawn with replacement within each task; ${aggregation.bootstrap.reps} replicates, seed ${aggregation.bootstrap.seed}; learning-curve bands use ${Math.min(aggregation.bootstrap.reps, 2000)}), as rliable (Agarwal et al., 2021). ` +
      `"Best" is each run's evaluation with the highest mean seen-task score, applied to all its tasks. ` +
      `A verdict names an agent only where the two IQM intervals do not overlap, and each agent has at least ${MIN_SEEDS_FOR_VERDICT} seeds.`,
    '',
  );
  files.push('report.md', 'summary.csv', 'runs.csv', 'report.json');
  writeFileAtomic(join(reportDir, 'report.md'), md.join('\n'));

  writeFileAtomic(
    join(reportDir, 'summary.csv'),
    csv(
      [
        'data',
        'agent',
        'scope',
        'name',
        'split',
        'metric',
        'which',
        'seeds',
        'tasks',
        'mean',
        'std',
        'iqm',
        'mean_ci_low',
        'mean_ci_high',
        'iqm_ci_low',
        'iqm_ci_high',
      ],
      aggregation.summary.map((r) => [
        r.data,
        r.agent,
        r.scope,
        r.name,
        r.split,
        r.metric,
        r.which,
        r.seeds,
        r.tasks,
        r.mean,
        r.std,
        r.iqm,
        r.meanCi[0],
        r.meanCi[1],
        r.iqmCi[0],
        r.iqmCi[1],
      ]),
    ),
  );
  writeFileAtomic(
    join(reportDir, 'runs.csv'),
    csv(
      ['run', 'agent', 'data', 'seed', 'state', 'which', 'step', 'task', 'split', 'metric', 'value'],
      runs.flatMap((r) =>
        (['final', 'best'] as const).flatMap((which) => {
          const row = which === 'final' ? r.final : r.best;
          if (row === null) return [];
          return r.tasks.flatMap((t) =>
            unique([t.metric, 'return'])
              .filter((m) => row[`eval/${t.name}/${m}`] !== undefined)
              .map((m) => [
                r.id,
                r.agent,
                r.data,
                r.seed,
                r.state,
                which,
                row.step,
                t.name,
                t.split,
                m,
                row[`eval/${t.name}/${m}`],
              ]),
          );
        }),
      ),
    ),
  );
  const report: ComparisonReport = {
    format: 'llmdpd-comparison-report',
    version: 1,
    name,
    counts,
    runs: runs.map((r) => ({
      id: r.id,
      agent: r.agent,
      data: r.data,
      seed: r.seed,
      state: r.state,
      step: r.step,
      targetSteps: r.targetSteps,
      trainSeconds: r.trainSeconds,
      final: r.final,
      best: r.best,
      ...(r.error !== undefined ? { error: r.error } : {}),
    })),
    summary: aggregation.summary,
    curves: aggregation.curves,
    verdicts: verdictList,
    bootstrap: aggregation.bootstrap,
    files,
  };
  writeFileAtomic(join(reportDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
