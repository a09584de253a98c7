import { jest } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/index.js';
import { runDemo } from '../../src/cli/demo.js';

describe('demo', () => {
  test('runs end to end on a small budget and writes its reports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmdpd-demo-'));
    const lines: string[] = [];
    const report = await runDemo({ outDir: dir, seed: 1, trainSteps: 300, datasetEpisodes: 4, evalEpisodes: 2, progress: 'off', out: { write: (t: string) => lines.push(t) } });
    expect(report.dataset.transitions).toBe(4 * 200);
    expect(report.dataset.episodes).toBe(4);
    expect(report.training.lastLoss).toBeLessThan(report.training.firstLoss);
    expect(report.results.map((r) => r.policy)).toEqual([
      'random',
      'behaviour (noisy controller, the data)',
      'expert (controller without noise)',
      'behaviour cloning (trained offline)',
    ]);
    const byName = Object.fromEntries(report.results.map((r) => [r.policy, r.meanReturn]));
    // The swing-up controller is far better than random on Pendulum (about -120 vs -1200).
    expect(byName['expert (controller without noise)']!).toBeGreaterThan(byName['random']! + 500);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).results).toHaveLength(4);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain('| behaviour cloning (trained offline)');
    expect(existsSync(join(dir, 'pendulum-noisy-controller', 'manifest.json'))).toBe(true);
    expect(lines.join('')).toContain('reloaded bit-exactly');
    rmSync(dir, { recursive: true, force: true });
  });

  test('the CLI prints help, and rejects unknown commands with exit code 2', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const so = jest.spyOn(process.stdout, 'write').mockImplementation((t) => (out.push(String(t)), true));
    const se = jest.spyOn(process.stderr, 'write').mockImplementation((t) => (err.push(String(t)), true));
    try {
      expect(await main(['help'])).toBe(0);
      expect(await main(['frobnicate'])).toBe(2);
    } finally {
      so.mockRestore();
      se.mockRestore();
    }
    expect(out.join('')).toContain('Usage: llmdpd <command>');
    expect(err.join('')).toContain('Unknown command "frobnicate"');
  });
});
