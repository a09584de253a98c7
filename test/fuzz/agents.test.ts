/**
 * Fuzzing agent checkpoints (Diffusion-QL, LLMDPD with its prompt state, BC with its fitted observation scaler):
 * manifest field edits (header fields, config sizes, conditioner state, column records), damaged
 * manifest bytes, and damaged data files whose checksums are recomputed, so the damage reaches
 * the value checks instead of stopping at the checksum. Every case must load or raise an RlError
 * within the time limit, and a refused load must free every tensor it built.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { MANIFEST_FILE } from '../../src/core/column-store.js';
import { initEngine } from '../../src/engine/index.js';
import { type CheckpointKind, loadCheckpoint, writeValidCheckpoint } from '../support/valid-checkpoints.js';
import { scratchDir } from '../support/valid-files.js';
import { FUZZ_SEED, Tally, expectLoadOrTypedError, openDescriptors, runs } from './harness.js';
import { applyBytes, applyJsonEdits, byteMutation, jsonEdits, jsonPaths, toJsonText } from './mutations.js';

let dir: string;
let cleanup: () => void;
beforeAll(async () => {
  ({ dir, cleanup } = scratchDir('llmdpd-fuzz-agents-'));
  await initEngine({ backend: 'wasm' });
});
afterAll(() => cleanup());

interface Column {
  readonly name: string;
  readonly byteOffset: number;
  readonly byteLength: number;
  sha256: string;
}

interface SavedCheckpoint {
  readonly manifest: Record<string, unknown> & { columns: Column[] };
  readonly dataFile: string;
  readonly data: Buffer;
}

let caseNumber = 0;

/** Writes a checkpoint folder with the given manifest text and data bytes; returns it. */
function writeCase(saved: SavedCheckpoint, manifestText: string, data: Uint8Array): string {
  const target = join(dir, `case-${caseNumber++}`);
  mkdirSync(target);
  writeFileSync(join(target, MANIFEST_FILE), manifestText);
  writeFileSync(join(target, saved.dataFile), data);
  return target;
}

/** The manifest's columns with checksums recomputed over `data` (columns cut off by a truncation keep theirs). */
function rehashed(saved: SavedCheckpoint, data: Buffer): string {
  const manifest = JSON.parse(JSON.stringify(saved.manifest)) as SavedCheckpoint['manifest'];
  for (const c of manifest.columns)
    if (c.byteOffset + c.byteLength <= data.length)
      c.sha256 = createHash('sha256')
        .update(data.subarray(c.byteOffset, c.byteOffset + c.byteLength))
        .digest('hex');
  return JSON.stringify(manifest);
}

/** Loads and frees the agent; a refused load must have freed what it built. */
function loadAndFree(kind: CheckpointKind, target: string): void {
  loadCheckpoint(kind, target).dispose();
}

const KINDS: readonly CheckpointKind[] = ['diffusion-ql', 'llmdpd', 'bc'];

describe.each(KINDS)('%s checkpoints', (kind) => {
  let saved: SavedCheckpoint;
  beforeAll(async () => {
    const valid = await writeValidCheckpoint(kind, join(dir, `valid-${kind}`));
    const manifest = JSON.parse(readFileSync(join(valid, MANIFEST_FILE), 'utf8')) as SavedCheckpoint['manifest'];
    const dataFile = manifest['dataFile'] as string;
    saved = { manifest, dataFile, data: readFileSync(join(valid, dataFile)) };
  });

  test('manifest field edits end in a load or a typed error, without leaks', async () => {
    const tally = new Tally();
    const fdsBefore = openDescriptors();
    const tensorsBefore = tf.memory().numTensors;
    await fc.assert(
      fc.asyncProperty(jsonEdits(jsonPaths(saved.manifest)), async (edits) => {
        const target = writeCase(saved, toJsonText(applyJsonEdits(saved.manifest, edits)), saved.data);
        await expectLoadOrTypedError(tally, `${kind} manifest edits ${JSON.stringify(edits)}`, () =>
          loadAndFree(kind, target),
        );
      }),
      { seed: FUZZ_SEED + 10, numRuns: runs(250) },
    );
    console.log(`fuzz ${kind} checkpoint manifest: ${tally.summary()}`);
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.loaded).toBeGreaterThan(0); // edits of informational fields still load
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const fdsAfter = openDescriptors();
    if (fdsBefore !== undefined && fdsAfter !== undefined) expect(fdsAfter - fdsBefore).toBeLessThan(5);
  });

  test('damaged data (checksums recomputed) and manifest bytes end in a load or a typed error', async () => {
    const tally = new Tally();
    const tensorsBefore = tf.memory().numTensors;
    const manifestText = JSON.stringify(saved.manifest, null, 2);
    await fc.assert(
      fc.asyncProperty(byteMutation(), fc.boolean(), async (m, inManifest) => {
        let target: string;
        if (inManifest) {
          target = writeCase(saved, applyBytes(Buffer.from(manifestText), m).toString('latin1'), saved.data);
        } else {
          const data = applyBytes(saved.data, m);
          target = writeCase(saved, rehashed(saved, data), data);
        }
        await expectLoadOrTypedError(
          tally,
          `${kind} bytes ${inManifest ? 'manifest' : 'data'} ${JSON.stringify(m)}`,
          () => loadAndFree(kind, target),
        );
      }),
      { seed: FUZZ_SEED + 11, numRuns: runs(150) },
    );
    console.log(`fuzz ${kind} checkpoint bytes: ${tally.summary()}`);
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.loaded).toBeGreaterThan(0); // flips in float bits that stay finite
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
