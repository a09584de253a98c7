/**
 * `llmdpd plot`: learning curves from run folders. Each argument is one curve: a run folder, or
 * a folder of run folders (the seeds of one configuration), drawn as the mean over its runs with
 * a band of ± one standard deviation. Writes an SVG, and a PNG when an SVG converter
 * (`rsvg-convert`, Inkscape or ImageMagick) is installed.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { LogRow } from '../core/run/format.js';
import { findRunFolders, readRunFolder, type RunFolderContents } from '../core/run/reader.js';
import { lineChart, type LinePanel, type LineSeries } from './line-chart.js';
import { checkOutputFile, UsageError } from './options.js';

/** Options of {@link runPlot}. */
export interface PlotOptions {
  /** Run folders or folders of run folders; one curve each. */
  readonly runs: readonly string[];
  /** Metrics to draw (`eval/return`, `loss/critic`, ...). @defaultValue every `eval/` metric, else every training metric */
  readonly metrics: readonly string[];
  /** Output file, `.svg` or `.png` (a PNG also writes the SVG next to it). */
  readonly out: string;
  /** Replace existing output files. */
  readonly force: boolean;
  /** Chart title. */
  readonly title?: string;
  /** Where messages go. */
  readonly stdout: { write(text: string): unknown };
}

/** A curve's runs. */
interface Group {
  readonly name: string;
  readonly runs: readonly RunFolderContents[];
}

/**
 * Mean and population standard deviation over runs at every step any run logged `metric`
 * (a step some runs lack is averaged over those that have it).
 */
export function aggregate(name: string, rowsPerRun: readonly (readonly LogRow[])[], metric: string): LineSeries {
  const byStep = new Map<number, number[]>();
  for (const rows of rowsPerRun) {
    for (const r of rows) {
      const v = r.values[metric];
      if (v === undefined || !Number.isFinite(v)) continue;
      let list = byStep.get(r.step);
      if (list === undefined) byStep.set(r.step, (list = []));
      list.push(v);
    }
  }
  const x = [...byStep.keys()].sort((a, b) => a - b);
  const mean: number[] = [];
  const std: number[] = [];
  for (const step of x) {
    const values = byStep.get(step)!;
    const m = values.reduce((a, b) => a + b, 0) / values.length;
    mean.push(m);
    std.push(Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / values.length));
  }
  return { name, x, mean, std };
}

function rowsFor(run: RunFolderContents, metric: string): readonly LogRow[] {
  return metric.startsWith('eval/') ? run.evaluations : run.metrics;
}

/** An SVG to PNG converter on the PATH, as a command line builder, or null. */
export function findPngConverter(): ((svg: string, png: string) => [string, string[]]) | null {
  const has = (cmd: string, arg: string) => spawnSync(cmd, [arg], { stdio: 'ignore' }).status === 0;
  if (has('rsvg-convert', '--version')) return (svg, png) => ['rsvg-convert', ['-o', png, svg]];
  if (has('inkscape', '--version'))
    return (svg, png) => ['inkscape', [svg, '--export-type=png', `--export-filename=${png}`]];
  if (has('magick', '-version')) return (svg, png) => ['magick', [svg, png]];
  if (has('convert', '-version')) return (svg, png) => ['convert', [svg, png]];
  return null;
}

/**
 * Runs `llmdpd plot`.
 * @returns the files written.
 * @throws {@link UsageError} on a bad output path, no runs, an unknown metric or no PNG converter.
 */
export function runPlot(options: PlotOptions): string[] {
  const out = options.out;
  const png = /\.png$/i.test(out);
  if (!png && !/\.svg$/i.test(out)) throw new UsageError(`--out must end in .svg or .png, got "${out}".`);
  const svgPath = png ? out.replace(/\.png$/i, '.svg') : out;
  checkOutputFile('--out', svgPath, options.force);
  if (png) checkOutputFile('--out', out, options.force);
  const convert = png ? findPngConverter() : null;
  if (png && convert === null)
    throw new UsageError(
      'A PNG needs an SVG converter and none was found (rsvg-convert, inkscape, magick or convert); install librsvg2-bin (Debian) or librsvg (Homebrew), or write an .svg.',
    );
  if (options.runs.length === 0) throw new UsageError('Give at least one run folder to plot.');
  const groups: Group[] = options.runs.map((path) => {
    let dirs: string[];
    try {
      dirs = findRunFolders(path);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    return { name: basename(resolve(path)), runs: dirs.map((dir) => readRunFolder(dir)) };
  });
  const everything = groups.flatMap((g) => g.runs);
  const keys = (pick: (r: RunFolderContents) => readonly LogRow[]) => [
    ...new Set(everything.flatMap((r) => pick(r).flatMap((row) => Object.keys(row.values)))),
  ];
  const evalKeys = keys((r) => r.evaluations);
  const metrics =
    options.metrics.length > 0 ? options.metrics : evalKeys.length > 0 ? evalKeys : keys((r) => r.metrics);
  const known = new Set([...evalKeys, ...keys((r) => r.metrics)]);
  for (const m of metrics)
    if (!known.has(m))
      throw new UsageError(`--metric ${m} is in none of the runs; they have ${[...known].sort().join(', ')}.`);
  if (metrics.length === 0) throw new UsageError('The runs have no logged rows yet; nothing to plot.');
  const panels: LinePanel[] = metrics.map((metric) => ({
    title: metric,
    series: groups.map((g) =>
      aggregate(
        `${g.name} (${g.runs.length} run${g.runs.length === 1 ? '' : 's'})`,
        g.runs.map((r) => rowsFor(r, metric)),
        metric,
      ),
    ),
  }));
  const title = options.title ?? groups.map((g) => g.name).join(' vs ');
  mkdirSync(dirname(resolve(svgPath)), { recursive: true });
  writeFileAtomic(svgPath, lineChart({ title, xLabel: 'gradient steps', panels }));
  const written = [svgPath];
  if (convert !== null) {
    const [cmd, args] = convert(svgPath, out);
    const result = spawnSync(cmd, args, { encoding: 'utf8' });
    if (result.status !== 0)
      throw new UsageError(
        `${cmd} could not convert ${svgPath} to PNG: ${(result.stderr || result.error?.message || '').trim()}`,
      );
    written.push(out);
  }
  const unfinished = everything.filter((r) => !r.finished);
  options.stdout.write(
    `Wrote ${written.join(' and ')}: ${groups.map((g) => `${g.name} (${g.runs.length} run${g.runs.length === 1 ? '' : 's'})`).join(', ')}; ${metrics.join(', ')}\n`,
  );
  if (unfinished.length > 0)
    options.stdout.write(
      `Not finished: ${unfinished.map((r) => `${r.paths.dir} (${r.state} at step ${r.status?.step ?? 0})`).join(', ')}\n`,
    );
  return written;
}
