import { jest } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/index.js';

test('llmdpd suite write DIR writes every seen task in the D4RL layout, the prompts and suite.json', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmdpd-suite-'));
  const out: string[] = [];
  const so = jest.spyOn(process.stdout, 'write').mockImplementation((t) => (out.push(String(t)), true));
  try {
    expect(await main(['suite', 'write', dir, '--seed', '3'])).toBe(0);
  } finally {
    so.mockRestore();
  }
  expect(out.join('')).toContain(`Wrote the pointmass-reach datasets and prompts to ${dir}`);
  expect(existsSync(join(dir, 'suite.json'))).toBe(true);
  expect(readdirSync(dir).filter((f) => f.endsWith('.hdf5'))).toHaveLength(12);
  expect(readdirSync(join(dir, 'prompts')).filter((f) => f.endsWith('.hdf5'))).toHaveLength(18);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);
