/**
 * Fuzzing the HDF5 readers: damaged D4RL files (loadD4rl) and damaged Minari folders (the HDF5
 * file's bytes, or metadata.json's fields) (loadMinari). Every case must load or raise an RlError
 * within the time limit, HDF5 must keep working after any case, and no file descriptor may leak.
 * Each case is a new file: HDF5 recognises a file it already opened by its inode.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadD4rl, loadMinari } from '../../src/datasets/index.js';
import { minariMetadata, scratchDir, writeValidD4rl, writeValidMinari } from '../support/valid-files.js';
import { FUZZ_SEED, Tally, expectLoadOrTypedError, openDescriptors, runs } from './harness.js';
import { applyBytes, applyJsonEdits, byteMutation, jsonEdits, jsonPaths, toJsonText } from './mutations.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = scratchDir('llmdpd-fuzz-datasets-')));
afterAll(() => cleanup());

let caseNumber = 0;

/** Jest's limit per property: far above its measured time (see the summary lines), for slow CI machines. */
const PROPERTY_TIMEOUT_MS = 180_000;

describe('loadD4rl', () => {
  let valid: string;
  let bytes: Buffer;
  beforeAll(async () => {
    valid = await writeValidD4rl(join(dir, 'valid.hdf5'));
    bytes = readFileSync(valid);
  });

  test(
    'damaged files end in a load or a typed error, and HDF5 keeps working',
    async () => {
      const tally = new Tally();
      const fdsBefore = openDescriptors();
      await fc.assert(
        fc.asyncProperty(byteMutation(4096), fc.constantFrom('drop' as const, 'keep' as const), async (m, timeouts) => {
          const path = join(dir, `d4rl-${caseNumber++}.hdf5`);
          writeFileSync(path, applyBytes(bytes, m));
          await expectLoadOrTypedError(tally, `D4RL ${JSON.stringify(m)} timeouts ${timeouts}`, () =>
            loadD4rl(path, { timeouts }),
          );
        }),
        { seed: FUZZ_SEED + 10, numRuns: runs(150) },
      );
      console.log(`fuzz D4RL (${bytes.length} bytes): ${tally.summary()}`);
      expect(tally.refused).toBeGreaterThan(0);
      expect(tally.loaded).toBeGreaterThan(0);
      // Whatever happened, a valid file still loads and no descriptor leaked.
      expect((await loadD4rl(valid)).buffer.size).toBeGreaterThan(0);
      const fdsAfter = openDescriptors();
      if (fdsBefore !== undefined && fdsAfter !== undefined) expect(fdsAfter - fdsBefore).toBeLessThan(5);
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe('loadMinari', () => {
  let valid: string;
  let hdf5: Buffer;
  let metadata: Record<string, unknown>;
  beforeAll(async () => {
    valid = await writeValidMinari(join(dir, 'minari-valid'));
    hdf5 = readFileSync(join(valid, 'data', 'main_data.hdf5'));
    metadata = minariMetadata();
  });

  /** A copy of the valid folder with the given HDF5 bytes and metadata text. */
  function minariCase(h5: Uint8Array, metadataText: string): string {
    const target = join(dir, `minari-${caseNumber++}`);
    mkdirSync(join(target, 'data'), { recursive: true });
    writeFileSync(join(target, 'data', 'main_data.hdf5'), h5);
    writeFileSync(join(target, 'data', 'metadata.json'), metadataText);
    return target;
  }

  test(
    'damaged HDF5 files end in a load or a typed error',
    async () => {
      const tally = new Tally();
      const fdsBefore = openDescriptors();
      await fc.assert(
        fc.asyncProperty(byteMutation(4096), async (m) => {
          const target = minariCase(applyBytes(hdf5, m), JSON.stringify(metadata));
          await expectLoadOrTypedError(tally, `Minari HDF5 ${JSON.stringify(m)}`, () => loadMinari(target));
        }),
        { seed: FUZZ_SEED + 20, numRuns: runs(120) },
      );
      console.log(`fuzz Minari HDF5 (${hdf5.length} bytes): ${tally.summary()}`);
      expect(tally.refused).toBeGreaterThan(0);
      expect(tally.loaded).toBeGreaterThan(0);
      expect((await loadMinari(valid)).buffer.size).toBe(7);
      const fdsAfter = openDescriptors();
      if (fdsBefore !== undefined && fdsAfter !== undefined) expect(fdsAfter - fdsBefore).toBeLessThan(5);
    },
    PROPERTY_TIMEOUT_MS,
  );

  test(
    'metadata.json field edits and bytes end in a load or a typed error',
    async () => {
      const tally = new Tally();
      // The space strings are edited as documents too: parsed, edited, serialised back.
      const spaces = ['observation_space', 'action_space'] as const;
      const spaceDocs = Object.fromEntries(
        spaces.map((k) => [k, JSON.parse(String(metadata[k]).replace(/-?Infinity/g, '1e300'))]),
      );
      const text = JSON.stringify(metadata);
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            jsonEdits(jsonPaths(metadata)).map((edits) => toJsonText(applyJsonEdits(metadata, edits))),
            fc
              .tuple(
                fc.constantFrom(...spaces),
                fc.constantFrom(...spaces).chain((k) => jsonEdits(jsonPaths(spaceDocs[k]))),
              )
              .map(([k, edits]) =>
                JSON.stringify({ ...metadata, [k]: toJsonText(applyJsonEdits(spaceDocs[k], edits)) }),
              ),
            byteMutation(text.length).map((m) => applyBytes(Buffer.from(text), m).toString('latin1')),
          ),
          async (metadataText) => {
            const target = minariCase(hdf5, metadataText);
            await expectLoadOrTypedError(tally, `Minari metadata ${metadataText}`, () => loadMinari(target));
          },
        ),
        { seed: FUZZ_SEED + 21, numRuns: runs(300) },
      );
      console.log(`fuzz Minari metadata: ${tally.summary()}`);
      expect(tally.refused).toBeGreaterThan(0);
      expect(tally.loaded).toBeGreaterThan(0);
    },
    PROPERTY_TIMEOUT_MS,
  );
});
