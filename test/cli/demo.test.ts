import { jest } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/index.js';
import { runDemo } from '../../src/cli/demo.js';
import { groupedBarChart } from '../../src/cli/svg-chart.js';

describe('demo', () => {
  test('runs both agents end to end on a tiny budget and writes the three reports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmdpd-demo-'));
    const lines: string[] = [];
    const report = await runDemo({
      outDir: dir,
      seeds: [0],
      steps: 20,
      evalEpisodes: 2,
      transitionsPerTask: 500,
      workers: 1,
      progress: 'off',
      out: { write: (t: string) => lines.push(t) },
    });
    expect(report.runs.map((r) => r.job.agent)).toEqual(['LLMDPD', 'Diffusion-QL']);
    for (const run of report.runs) {
      expect(run.tasks).toHaveLength(18);
      expect(run.tasks.filter((t) => t.role === 'unseen')).toHaveLength(6);
      for (const t of run.tasks) {
        expect(t.successRate).toBeGreaterThanOrEqual(0);
        expect(t.successRate).toBeLessThanOrEqual(1);
        expect(Number.isFinite(t.meanReturn)).toBe(true);
      }
    }
    expect(report.summary.LLMDPD.unseen.success.mean).toBeGreaterThanOrEqual(0);
    expect(report.verdict).toMatch(
      /^On the unseen tasks, LLMDPD against Diffusion-QL: success .* \(.*\); mean return .* \(.*\)\.$/,
    );
    expect((JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { runs: unknown[] }).runs).toHaveLength(2);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('| LLMDPD |');
    expect(md).toContain('| reach-north-middle | unseen |');
    expect(readFileSync(join(dir, 'success.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    expect(existsSync(join(dir, 'report.md'))).toBe(true);
    expect(lines.join('')).toContain('| agent | seen success | unseen success |');
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
