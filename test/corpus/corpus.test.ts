/**
 * The project's corpus of bad inputs (see test/corpus/README.md): every case must end in the
 * expected typed error, with the expected fragment in its message, or in a correct load. The
 * corpus must keep at least 100 cases and cover issue classes 1 to 7.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RlError } from '../../src/core/errors.js';
import { BUFFER_HEADER_CASES } from './cases-buffer-headers.js';
import { CLI_CASES } from './cases-cli.js';
import { CHECKPOINT_HEADER_CASES } from './cases-checkpoint-headers.js';
import { NON_FINITE_CASES } from './cases-non-finite.js';
import { PATH_ESCAPE_CASES } from './cases-path-escapes.js';
import { SAVE_FOLDER_CASES } from './cases-save-folders.js';
import { SMALLER_CASES } from './cases-smaller.js';
import { SPECIAL_FILE_CASES } from './cases-special-files.js';
import { type CliOutcome, type CorpusCase, HAS_POSIX_SPECIAL_FILES } from './corpus-case.js';

const CASES: readonly CorpusCase[] = [
  ...SAVE_FOLDER_CASES,
  ...BUFFER_HEADER_CASES,
  ...CHECKPOINT_HEADER_CASES,
  ...NON_FINITE_CASES,
  ...CLI_CASES,
  ...SPECIAL_FILE_CASES,
  ...PATH_ESCAPE_CASES,
  ...SMALLER_CASES,
];

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'llmdpd-corpus-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('the corpus has at least 100 cases with unique ids, covering classes 1 to 7', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(100);
  expect(new Set(CASES.map((c) => c.id)).size).toBe(CASES.length);
  for (const c of CASES) expect(c.id.startsWith(`${c.issueClass}-`)).toBe(true);
  const perClass = new Map<number, number>();
  for (const c of CASES) perClass.set(c.issueClass, (perClass.get(c.issueClass) ?? 0) + 1);
  for (const cls of [1, 2, 3, 4, 5, 6, 7]) expect(perClass.get(cls) ?? 0).toBeGreaterThanOrEqual(10);
  // Agent checkpoints alone keep at least 30 cases.
  expect(CASES.filter((c) => c.id.startsWith('2-checkpoint-')).length).toBeGreaterThanOrEqual(30);
  // Every class has both refusals and correct loads of valid variants.
  for (const cls of [1, 2, 3, 5, 6, 7])
    expect(CASES.some((c) => c.issueClass === cls && 'loads' in c.expected)).toBe(true);
  expect(CASES.some((c) => c.issueClass === 4 && 'exitCode' in c.expected && c.expected.exitCode === 0)).toBe(true);
});

const runnable = CASES.filter((c) => HAS_POSIX_SPECIAL_FILES || c.posixOnly !== true);

test.each(runnable.map((c) => [c.id, c] as const))('%s', async (id, c) => {
  const dir = mkdtempSync(join(root, `${id}-`));
  if ('exitCode' in c.expected) {
    const outcome = (await c.run(dir)) as CliOutcome;
    expect({ code: outcome.code, err: outcome.code === 0 ? outcome.err : '' }).toEqual({
      code: c.expected.exitCode,
      err: '',
    });
    if (c.expected.exitCode !== 0) {
      expect(outcome.err.trimEnd().split('\n')).toHaveLength(1); // one line, no stack trace
      expect(outcome.err).toMatch(c.expected.stderr);
    }
    return;
  }
  let error: unknown;
  try {
    await c.run(dir);
  } catch (e) {
    error = e;
  }
  if ('loads' in c.expected) {
    expect(error).toBeUndefined();
    return;
  }
  if (error === undefined) throw new Error(`${id}: loaded, expected ${c.expected.error.name}`);
  expect(error).toBeInstanceOf(RlError);
  expect(error).toBeInstanceOf(c.expected.error);
  expect((error as Error).message).toMatch(c.expected.message);
});
