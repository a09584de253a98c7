import { jest } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/index.js';
import { type DemoReport, runDemo } from '../../src/cli/demo.js';
import { groupedBarChart } from '../../src/cli/svg-chart.js';

describe('demo', () => {
  test('runs the three methods end to end on a tiny budget and writes the three reports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmdpd-demo-'));
    const lines: string[] = [];
    const report = await runDemo({
      outDir: dir,
      seeds: [0],
      steps: 20,
      evalEpisodes: 4,
      transitionsPerTask: 200,
      promptsPerTask: 2,
      maxEpisodeSteps: 8,
      workers: 1,
      progress: 'off',
      out: { write: (t: string) => lines.push(t) },
    });
    // Longest runs first; one run per method and seed.
    expect(report.runs.map((r) => r.job.agent)).toEqual(['LLMDPD', 'LLMDPD w/o prompts', 'BC + prompts']);
    for (const run of report.runs) {
      expect(run.tasks).toHaveLength(36);
      for (const group of ['seen', 'unseen-combination', 'unseen-paraphrase'])
        expect(run.tasks.filter((t) => t.group === group)).toHaveLength(12);
      for (const t of run.tasks) {
        // 4 episodes over 2 prompts: each success rate is a multiple of 1/4.
        expect(Number.isInteger(t.successRate * 4)).toBe(true);
        expect(t.successRate).toBeLessThanOrEqual(1);
        expect(Number.isFinite(t.meanReturn)).toBe(true);
      }
    }
    // The summaries are the means of the per-task numbers (one seed: std 0).
    const llmdpd = report.runs.find((r) => r.job.agent === 'LLMDPD')!;
    const unseen = llmdpd.tasks.filter((t) => t.group === 'unseen-combination');
    expect(report.summary.LLMDPD['unseen-combination'].success.mean).toBeCloseTo(
      unseen.reduce((a, t) => a + t.successRate, 0) / 12,
      12,
    );
    expect(report.summary.LLMDPD['unseen-combination'].success.std).toBe(0);
    // LLMDPD against the baseline and the ablation on both unseen groups, each with an interval around its estimate.
    expect(report.comparisons.map((c) => `${c.against}|${c.group}`)).toEqual([
      'LLMDPD w/o prompts|unseen-combination',
      'LLMDPD w/o prompts|unseen-paraphrase',
      'BC + prompts|unseen-combination',
      'BC + prompts|unseen-paraphrase',
    ]);
    for (const c of report.comparisons) {
      expect(c.difference.low).toBeLessThanOrEqual(c.difference.estimate);
      expect(c.difference.high).toBeGreaterThanOrEqual(c.difference.estimate);
    }
    expect(report.verdict).toMatch(
      /^On the unseen combinations: LLMDPD − LLMDPD w\/o prompts = [+−]\d+\.\d points \(95% CI .*\); LLMDPD − BC \+ prompts = [+−]\d+\.\d points \(95% CI .*\)\.$/,
    );
    expect((JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as DemoReport).runs).toHaveLength(3);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('| LLMDPD |');
    expect(md).toContain('| BC + prompts |');
    expect(md).toContain('| on-red/rotate-180 | unseen-combination |');
    expect(md).toContain('| on-red/rotate-180~paraphrase | unseen-paraphrase |');
    expect(md).toContain('text prompt: the rule only');
    expect(md).toContain('trajectory prompts: 2 per task');
    expect(readFileSync(join(dir, 'success.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    expect(existsSync(join(dir, 'report.md'))).toBe(true);
    const printed = lines.join('');
    expect(printed).toContain('| method | seen success | unseen-combination success | unseen-paraphrase success |');
    expect(printed).toContain('text prompt: the rule only');
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  test('the chart puts one bar per series and group, with titles carrying the numbers', () => {
    const svg = groupedBarChart({
      title: 'T',
      yLabel: 'y',
      groups: ['a', 'b'],
      series: [
        {
          name: 'one',
          bars: [
            { value: 0.5, error: 0.1 },
            { value: 0.25, error: 0 },
          ],
        },
        {
          name: 'two',
          bars: [
            { value: 1, error: 0 },
            { value: 0, error: 0 },
          ],
        },
      ],
      yMax: 1,
    });
    expect(svg.match(/<rect x=/g)).toHaveLength(4 + 2); // 4 bars + 2 legend swatches
    expect(svg).toContain('<title>one, a: 0.500 ± 0.100</title>');
  });

  test('the CLI prints help, and rejects unknown commands with exit code 2', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const so = jest.spyOn(process.stdout, 'write').mockImplementation((t) => (out.push(String(t)), true));
    const se = jest.spyOn(process.stderr, 'write').mockImplementation((t) => (err.push(String(t)), true));
    try {
      expect(await main(['help'])).toBe(0);
      expect(await main(['frobnicate'])).toBe(2);
      expect(await main(['suite', 'read'])).toBe(2);
      // Options are checked before anything runs: none of these may start a demo.
      expect(await main(['demo', '--help'])).toBe(0);
      expect(await main(['demo', '--stpes', '10'])).toBe(2);
      expect(await main(['demo', '--steps', 'many'])).toBe(2);
      expect(await main(['demo', '--seeds', '0,x'])).toBe(2);
      expect(await main(['suite', 'write', 'dir', '--seed=-1'])).toBe(2);
    } finally {
      so.mockRestore();
      se.mockRestore();
    }
    expect(out.join('')).toContain('Usage: llmdpd [options] [command]');
    expect(out.join('')).toContain('Usage: llmdpd demo [options]');
    expect(err.join('')).toContain("unknown command 'frobnicate'");
    expect(err.join('')).toContain("unknown option '--stpes' (Did you mean --steps?)");
    expect(err.join('')).toContain('--steps must be an integer >= 1, got "many"');
    expect(err.join('')).toContain('--seeds must be an integer >= 0, got "x"');
    expect(err.join('')).toContain('--seed must be an integer >= 0, got "-1"');
  });
});
