/**
 * The native addon in Node worker threads that come and go, as the comparison runner's and the
 * demo's do. Node closes an addon when the last environment that loaded it ends; before the addon
 * pinned its library (native/cpu/addon.c, `load_once`), the next worker mapped it afresh beside
 * the old pool's threads and the process crashed or hung (3 of 3 runs of the fixture). Runs the
 * fixture in a child process, so a crash or a hang fails this test instead of ending jest.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeAddonPath } from '../../src/engine/native.js';
import { provideNativeAddon } from '../support/native-addon.js';

const addon = provideNativeAddon();
const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'addon-in-workers.mjs');

(typeof addon === 'string' ? test.skip : test)(
  `worker threads that load, use and drop the addon leave its pool working for the next ones${typeof addon === 'string' ? ` (skipped: ${addon})` : ''}`,
  () => {
    const result = spawnSync(process.execPath, [fixture, nativeAddonPath(), '5', '100'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect({ status: result.status, signal: result.signal, stderr: result.stderr }).toEqual({
      status: 0,
      signal: null,
      stderr: '',
    });
    const report = JSON.parse(result.stdout) as { rounds: number; worst: number };
    expect(report.rounds).toBe(5);
    expect(report.worst).toBeLessThan(1e-4); // every product of every worker is right
  },
);
