import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DatasetError, NotFoundError } from '../../../src/core/errors.js';
import {
  PRECOMPUTED_FORMAT,
  PrecomputedTextEncoder,
  writePrecomputedEmbeddings,
} from '../../../src/encoders/text/precomputed-text-encoder.js';
import { DEFAULT_TEXT_INSTRUCTION, formatStructuredPrompt } from '../../../src/encoders/text/prompt-format.js';

const PUSH = formatStructuredPrompt({
  task: 'Meta-World push',
  objective: 'Push the puck to a goal',
  constraints: 'Randomize puck and goal positions',
});
const REACH = formatStructuredPrompt({ task: 'Meta-World reach', objective: 'Reach a goal position' });
const DRAWER = formatStructuredPrompt({ task: 'Meta-World drawer open', objective: 'Open a drawer' });
const DIM = 6;

/** Float32-exact test vectors (values that are not round in binary). */
function vector(seed: number): Float32Array {
  return Float32Array.from({ length: DIM }, (_, i) => Math.fround(Math.sin(seed * 7.3 + i) * 3.1e-2 + i * 1e-7));
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'llmdpd-precomputed-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data = {
  model: 'meta-llama/Meta-Llama-3-8B mean-pooled last hidden state',
  instruction: DEFAULT_TEXT_INSTRUCTION,
  entries: [
    { prompt: PUSH, embedding: vector(1) },
    { prompt: REACH, embedding: vector(2) },
    { prompt: PUSH, instruction: '', embedding: vector(3) },
  ],
};

describe('PrecomputedTextEncoder', () => {
  test.each(['json', 'binary'] as const)('%s storage round-trips vectors bit-exactly', async (storage) => {
    const path = join(dir, `emb-${storage}.json`);
    const doc = await writePrecomputedEmbeddings(path, data, { storage });
    if (storage === 'binary') {
      expect(doc.data).toBe('emb-binary.f32');
      expect(statSync(join(dir, 'emb-binary.f32')).size).toBe(3 * DIM * 4);
      expect(doc.entries.map((e) => e.row)).toEqual([0, 1, 2]);
    } else {
      expect(doc.entries[0].embedding).toHaveLength(DIM);
    }
    const encoder = await PrecomputedTextEncoder.load(path);
    expect(encoder.id).toBe(`precomputed:${data.model}:d${DIM}`);
    expect(encoder.dimension).toBe(DIM);
    expect(encoder.instruction).toBe(DEFAULT_TEXT_INSTRUCTION);
    expect(encoder.size).toBe(3);
    const [a, b] = await encoder.encode([PUSH, REACH]);
    expect(Array.from(a)).toEqual(Array.from(vector(1)));
    expect(Array.from(b)).toEqual(Array.from(vector(2)));
    const bare = await PrecomputedTextEncoder.load(path, { instruction: '' });
    expect(Array.from((await bare.encode([PUSH]))[0])).toEqual(Array.from(vector(3)));
  });

  test('reads a file as the documented Python snippet writes it (normalised prompt keys)', async () => {
    const path = join(dir, 'python.json');
    const doc = {
      format: PRECOMPUTED_FORMAT,
      version: 1,
      model: 'Qwen/Qwen2.5-7B mean-pooled last hidden state',
      dimension: 3,
      instruction: DEFAULT_TEXT_INSTRUCTION,
      entries: [{ prompt: 'Task: push.\r\nObjective: Push the puck.  \n', embedding: [0.5, -1.25, 3] }],
    };
    writeFileSync(path, JSON.stringify(doc));
    const encoder = await PrecomputedTextEncoder.load(path);
    const [v] = await encoder.encode(['Task: push.\nObjective: Push the puck.']);
    expect(Array.from(v)).toEqual([0.5, -1.25, 3]);
    v[0] = 99; // the caller owns the returned array
    expect((await encoder.encode(['Task: push.\nObjective: Push the puck.']))[0][0]).toBe(0.5);
  });

  test('a missing prompt is a NotFoundError naming it, the closest prompt and how to add it', async () => {
    const path = join(dir, 'missing.json');
    await writePrecomputedEmbeddings(path, data);
    const encoder = await PrecomputedTextEncoder.load(path);
    const err = await encoder.encode([PUSH, `${PUSH}\nReward: sparse.`]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    const message = (err as Error).message;
    expect(message).toContain('Reward: sparse.');
    expect(message).toContain(`the closest is ${JSON.stringify(PUSH)}`);
    expect(message).toMatch(/Python snippet/);
    const other = await encoder.encode([DRAWER]).catch((e: unknown) => e);
    expect((other as Error).message).not.toMatch(/under another instruction/);
    const bare = await PrecomputedTextEncoder.load(path, { instruction: '' });
    const wrongInstruction = await bare.encode([REACH]).catch((e: unknown) => e);
    expect((wrongInstruction as Error).message).toMatch(/has this prompt under another instruction/);
  });

  test('an instruction the file does not have is a ConfigError listing the ones it has', async () => {
    const path = join(dir, 'instr.json');
    await writePrecomputedEmbeddings(path, data);
    await expect(PrecomputedTextEncoder.load(path, { instruction: 'summarise the task' })).rejects.toThrow(ConfigError);
    await expect(PrecomputedTextEncoder.load(path, { instruction: 'summarise the task' })).rejects.toThrow(
      /it has "convert the following/,
    );
  });

  test('malformed files are DatasetErrors that say what is wrong', () => {
    const good = {
      format: PRECOMPUTED_FORMAT,
      version: 1,
      model: 'm',
      dimension: 2,
      instruction: '',
      entries: [{ prompt: 'a', embedding: [1, 2] }],
    };
    const cases: [unknown, RegExp][] = [
      [{ ...good, format: 'other' }, /"format" is "other"/],
      [{ ...good, version: 2 }, /reads version 1/],
      [{ ...good, model: '' }, /"model"/],
      [{ ...good, dimension: 0 }, /"dimension"/],
      [{ ...good, entries: [] }, /"entries"/],
      [{ ...good, entries: [{ prompt: 'a', embedding: [1] }] }, /array of 2 numbers \(got 1\)/],
      [{ ...good, entries: [{ prompt: 'a', embedding: [1, null] }] }, /"embedding"\[1\] is null/],
      [{ ...good, entries: [{ prompt: ' ', embedding: [1, 2] }] }, /no "prompt"/],
      [
        {
          ...good,
          entries: [
            { prompt: 'a', embedding: [1, 2] },
            { prompt: 'a ', embedding: [1, 3] },
          ],
        },
        /appears twice with different vectors/,
      ],
      [{ ...good, data: 'x.f32', entries: [{ prompt: 'a', row: 0 }] }, /no data was given/],
    ];
    for (const [doc, pattern] of cases) {
      expect(() => PrecomputedTextEncoder.fromFile(doc)).toThrow(DatasetError);
      expect(() => PrecomputedTextEncoder.fromFile(doc)).toThrow(pattern);
    }
    const binary = { ...good, data: 'x.f32', entries: [{ prompt: 'a', row: 1 }] };
    expect(() => PrecomputedTextEncoder.fromFile(binary, { data: new Float32Array(2) })).toThrow(
      /"row" is 1, expected an integer in \[0, 1\)/,
    );
    expect(() => PrecomputedTextEncoder.fromFile(binary, { data: new Float32Array(3) })).toThrow(
      /not a multiple of dimension 2/,
    );
    expect(() =>
      PrecomputedTextEncoder.fromFile(
        { ...binary, entries: [{ prompt: 'a', row: 0 }] },
        { data: Float32Array.from([1, NaN]) },
      ),
    ).toThrow(/value 1 is not a finite number/);
  });

  test('missing files are NotFoundErrors; broken JSON and truncated data are DatasetErrors', async () => {
    await expect(PrecomputedTextEncoder.load(join(dir, 'absent.json'))).rejects.toThrow(NotFoundError);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"format":');
    await expect(PrecomputedTextEncoder.load(broken)).rejects.toThrow(/not valid JSON/);
    const path = join(dir, 'trunc.json');
    await writePrecomputedEmbeddings(path, data, { storage: 'binary' });
    const bytes = readFileSync(join(dir, 'trunc.f32'));
    writeFileSync(join(dir, 'trunc.f32'), bytes.subarray(0, bytes.length - 2));
    await expect(PrecomputedTextEncoder.load(path)).rejects.toThrow(/not a whole number of float32 values/);
    rmSync(join(dir, 'trunc.f32'));
    await expect(PrecomputedTextEncoder.load(path)).rejects.toThrow(/names data file .*trunc\.f32/);
  });

  test('writePrecomputedEmbeddings validates its input and leaves no temporary files', async () => {
    await expect(writePrecomputedEmbeddings(join(dir, 'w.json'), { ...data, entries: [] })).rejects.toThrow(
      /`entries` is empty/,
    );
    await expect(
      writePrecomputedEmbeddings(join(dir, 'w.json'), {
        ...data,
        entries: [
          { prompt: 'a', embedding: [1] },
          { prompt: 'b', embedding: [1, 2] },
        ],
      }),
    ).rejects.toThrow(/entry 1 has 2 values/);
    await expect(
      writePrecomputedEmbeddings(join(dir, 'w.json'), { ...data, entries: [{ prompt: 'a', embedding: [Infinity] }] }),
    ).rejects.toThrow(/not finite/);
    await writePrecomputedEmbeddings(join(dir, 'sub', 'ok.json'), data, { storage: 'binary' });
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(join(dir, 'sub')).sort()).toEqual(['ok.f32', 'ok.json']);
  });
});
