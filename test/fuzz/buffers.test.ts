/**
 * Fuzzing the buffer saves (ReplayBuffer and MultiTaskDataset folders): manifest field edits and
 * damaged data files, loaded with and without checksum verification (without, the damaged bytes
 * reach the column validation). Every case must load or raise an RlError within the time limit.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { MultiTaskDataset, ReplayBuffer } from '../../src/buffers/index.js';
import { MANIFEST_FILE } from '../../src/core/column-store.js';
import { scratchDir, smallBuffer, smallMultiTask } from '../support/valid-files.js';
import { FUZZ_SEED, Tally, expectLoadOrTypedError, openDescriptors, runs } from './harness.js';
import { applyBytes, applyJsonEdits, byteMutation, jsonEdits, jsonPaths, toJsonText } from './mutations.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = scratchDir('llmdpd-fuzz-buffers-')));
afterAll(() => cleanup());

interface SavedFolder {
  readonly manifest: Record<string, unknown>;
  readonly dataFile: string;
  readonly data: Buffer;
}

function saveOnce(name: string, save: (dir: string) => void): SavedFolder {
  const target = join(dir, name);
  save(target);
  const manifest = JSON.parse(readFileSync(join(target, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
  const dataFile = manifest['dataFile'] as string;
  return { manifest, dataFile, data: readFileSync(join(target, dataFile)) };
}

let caseNumber = 0;

/** Writes a copy of the save with the given manifest text and data bytes; returns its folder. */
function writeCase(saved: SavedFolder, manifestText: string, data: Uint8Array): string {
  const target = join(dir, `case-${caseNumber++}`);
  mkdirSync(target);
  writeFileSync(join(target, MANIFEST_FILE), manifestText);
  writeFileSync(join(target, saved.dataFile), data);
  return target;
}

const loaders: readonly [string, (dir: string) => void, (dir: string, verify: boolean) => unknown][] = [
  ['ReplayBuffer', (d) => smallBuffer(3, 5).save(d), (d, verify) => ReplayBuffer.load(d, { verifyChecksums: verify })],
  [
    'MultiTaskDataset',
    (d) => smallMultiTask().save(d),
    (d, verify) => MultiTaskDataset.load(d, { verifyChecksums: verify }),
  ],
];

describe.each(loaders)('%s saves', (name, save, load) => {
  let saved: SavedFolder;
  beforeAll(() => {
    saved = saveOnce(`valid-${name}`, save);
  });

  test('manifest field edits end in a load or a typed error', async () => {
    const tally = new Tally();
    const fdsBefore = openDescriptors();
    await fc.assert(
      fc.asyncProperty(jsonEdits(jsonPaths(saved.manifest)), fc.boolean(), async (edits, verify) => {
        const target = writeCase(saved, toJsonText(applyJsonEdits(saved.manifest, edits)), saved.data);
        await expectLoadOrTypedError(tally, `${name} manifest edits ${JSON.stringify(edits)}`, () =>
          load(target, verify),
        );
      }),
      { seed: FUZZ_SEED, numRuns: runs(700) },
    );
    console.log(`fuzz ${name} manifest: ${tally.summary()}`);
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.loaded).toBeGreaterThan(0); // edits of informational fields still load
    const fdsAfter = openDescriptors();
    if (fdsBefore !== undefined && fdsAfter !== undefined) expect(fdsAfter - fdsBefore).toBeLessThan(5);
  });

  test('damaged data files and manifest bytes end in a load or a typed error', async () => {
    const tally = new Tally();
    const manifestText = JSON.stringify(saved.manifest, null, 2);
    await fc.assert(
      fc.asyncProperty(byteMutation(), fc.boolean(), fc.boolean(), async (m, inManifest, verify) => {
        const target = inManifest
          ? writeCase(saved, applyBytes(Buffer.from(manifestText), m).toString('latin1'), saved.data)
          : writeCase(saved, manifestText, applyBytes(saved.data, m));
        await expectLoadOrTypedError(
          tally,
          `${name} bytes ${inManifest ? 'manifest' : 'data'} ${JSON.stringify(m)}`,
          () => load(target, verify),
        );
      }),
      { seed: FUZZ_SEED + 1, numRuns: runs(700) },
    );
    console.log(`fuzz ${name} bytes: ${tally.summary()}`);
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.loaded).toBeGreaterThan(0); // flips in padding or in float bits without verification
  });
});
