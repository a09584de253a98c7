/**
 * Fuzzing the JSON formats: precomputed text embeddings (JSON form, and binary form with its
 * index and float32 data file) and suite specs (parsed from text, and read from a file). Every
 * case must load or raise an RlError within the time limit.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { PrecomputedTextEncoder } from '../../src/encoders/text/precomputed-text-encoder.js';
import { readSuiteSpecFile } from '../../src/suites/suite.js';
import { parseSuiteSpec } from '../../src/suites/tasks.js';
import { scratchDir, validSuiteSpec, writeValidEmbeddings } from '../support/valid-files.js';
import { FUZZ_SEED, Tally, expectLoadOrTypedError, runs } from './harness.js';
import { applyBytes, applyJsonEdits, byteMutation, jsonEdits, jsonPaths, toJsonText } from './mutations.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = scratchDir('llmdpd-fuzz-json-')));
afterAll(() => cleanup());

let caseNumber = 0;

/** Damaged documents: field edits of `doc`, or byte mutations of its text. */
function damagedText(doc: unknown): fc.Arbitrary<string> {
  const text = JSON.stringify(doc);
  return fc.oneof(
    { weight: 3, arbitrary: jsonEdits(jsonPaths(doc)).map((edits) => toJsonText(applyJsonEdits(doc, edits))) },
    { weight: 1, arbitrary: byteMutation(text.length).map((m) => applyBytes(Buffer.from(text), m).toString('latin1')) },
  );
}

describe('PrecomputedTextEncoder.load', () => {
  test.each(['json', 'binary'] as const)('damaged %s-form files end in a load or a typed error', async (storage) => {
    const index = await writeValidEmbeddings(join(dir, `valid-${storage}.json`), storage);
    const doc = JSON.parse(readFileSync(index, 'utf8')) as { data?: string };
    const data = storage === 'binary' ? readFileSync(join(dir, doc.data!)) : undefined;
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(
        damagedText(doc),
        data === undefined ? fc.constant(undefined) : fc.option(byteMutation(data.length), { freq: 2 }),
        async (text, dataMutation) => {
          const n = caseNumber++;
          const path = join(dir, `emb-${n}.json`);
          writeFileSync(path, text);
          if (data !== undefined)
            writeFileSync(join(dir, doc.data!), dataMutation ? applyBytes(data, dataMutation) : data);
          await expectLoadOrTypedError(tally, `embeddings ${text} data ${JSON.stringify(dataMutation)}`, () =>
            PrecomputedTextEncoder.load(path),
          );
        },
      ),
      { seed: FUZZ_SEED + 30, numRuns: runs(700) },
    );
    console.log(`fuzz embeddings ${storage}: ${tally.summary()}`);
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.loaded).toBeGreaterThan(0);
  });
});

describe('suite specs', () => {
  test('damaged specs (text) end in a spec or a typed error', async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(damagedText(validSuiteSpec()), async (text) => {
        await expectLoadOrTypedError(tally, `suite spec ${text}`, () => parseSuiteSpec(text));
      }),
      { seed: FUZZ_SEED + 40, numRuns: runs(1500) },
    );
    console.log(`fuzz suite spec: ${tally.summary()}`);
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.loaded).toBeGreaterThan(0);
  });

  test('damaged spec files end in a spec or a typed error', async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(damagedText(validSuiteSpec()), async (text) => {
        const path = join(dir, `spec-${caseNumber++}.json`);
        writeFileSync(path, text);
        await expectLoadOrTypedError(tally, `suite spec file ${text}`, () => readSuiteSpecFile(path));
      }),
      { seed: FUZZ_SEED + 41, numRuns: runs(300) },
    );
    console.log(`fuzz suite spec files: ${tally.summary()}`);
    expect(tally.refused).toBeGreaterThan(0);
  });
});
