import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packFolder, unpackFolder } from '../../src/compare/bundle.js';
import { planRuns } from '../../src/compare/plan.js';
import { expectedEvaluationSteps, expectedRowSteps, inspectRun, moveAside } from '../../src/compare/run-check.js';
import type { LogRow } from '../../src/core/run/format.js';
import { RunFolderWriter } from '../../src/core/run/writer.js';
import { parseComparisonSpec } from '../../src/compare/spec.js';
import { DatasetError } from '../../src/core/errors.js';

const temp = () => mkdtempSync(join(tmpdir(), 'llmdpd-runcheck-'));

const plan = planRuns(
  parseComparisonSpec({
    agents: [{ class: 'DiffusionQL' }],
    data: [{ kind: 'suite', suite: 'pointmass-reach' }],
    seeds: [0],
    steps: 25,
    logEvery: 4,
    checkpointEvery: 10,
    evaluation: { every: 10 },
  }),
)[0];

const row = (step: number, values: Record<string, number>): LogRow => ({
  step,
  epoch: Math.ceil(step / 10),
  seconds: step / 10,
  values,
});

/** A run folder as a comparison run leaves it, written with the library's run-folder writer. */
function finished(dir: string, key = plan.key): string {
  const writer = RunFolderWriter.open(dir, {
    agent: 'DiffusionQLAgent',
    config: {},
    seed: 0,
    data: { comparison: { key, agent: 'DiffusionQL', data: 'pointmass-reach' }, tasks: [] },
    fit: {},
    engine: null,
    startStep: 0,
    targetSteps: 25,
  });
  for (const step of expectedRowSteps(plan)) writer.metrics(row(step, { 'loss/critic': 1 / step }));
  for (const step of expectedEvaluationSteps(plan)) {
    writer.evaluation(row(step, { 'eval/a/success': 0.5, 'eval/a/return': -step }));
    if (step % 10 === 0 || step === 25) {
      mkdirSync(join(dir, 'checkpoint'), { recursive: true });
      writeFileSync(join(dir, 'checkpoint', 'manifest.json'), '{}');
      writer.checkpointed(step);
    }
  }
  writer.finish('completed', 25);
  return dir;
}

function rewriteStatus(dir: string, patch: Record<string, unknown>): void {
  const path = join(dir, 'status.json');
  writeFileSync(path, JSON.stringify({ ...(JSON.parse(readFileSync(path, 'utf8')) as object), ...patch }));
}

function keepLines(dir: string, file: string, keep: (line: string, i: number) => boolean): void {
  const path = join(dir, file);
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  writeFileSync(path, `${lines.filter(keep).join('\n')}\n`);
}

test('the expected rows: every logEvery steps, at epoch ends and at the last step', () => {
  expect(expectedRowSteps(plan)).toEqual([4, 8, 10, 12, 16, 20, 24, 25]);
  expect(expectedEvaluationSteps(plan)).toEqual([10, 20, 25]);
});

describe('inspecting a run folder before a run', () => {
  test('absent, completed and intact, or resumable', () => {
    const dir = temp();
    expect(inspectRun(plan, join(dir, 'nothing')).state).toBe('absent');
    const run = finished(join(dir, 'run'));
    expect(inspectRun(plan, run)).toEqual({ state: 'completed', reason: 'finished and intact', step: 25 });
    rewriteStatus(run, { state: 'stopped', step: 22, checkpointStep: 20 });
    expect(inspectRun(plan, run)).toEqual({
      state: 'resumable',
      reason: 'stopped with a checkpoint at step 20',
      step: 20,
    });
  });

  test.each([
    [
      'a missing final row',
      (dir: string) => keepLines(dir, 'metrics.jsonl', (l) => !l.startsWith('{"step":25,')),
      /metrics.jsonl has rows at steps \[4, 8, 10, 12, 16, 20, \.\.\. 24\] where \[4, 8, 10, 12, 16, 20, \.\.\. 25\]/,
    ],
    [
      'a cut-off last evaluation row',
      (dir: string) =>
        writeFileSync(
          join(dir, 'evaluations.jsonl'),
          readFileSync(join(dir, 'evaluations.jsonl'), 'utf8').slice(0, -9),
        ),
      /was cut off/,
    ],
    [
      'a damaged row inside a log',
      (dir: string) => appendFileSync(join(dir, 'metrics.jsonl'), 'garbage\n{"step":30,"epoch":3,"seconds":3}\n'),
      /metrics.jsonl line 9 is not valid JSON/,
    ],
    [
      'a duplicated row',
      (dir: string) => appendFileSync(join(dir, 'metrics.jsonl'), '{"step":25,"epoch":3,"seconds":3}\n'),
      /metrics.jsonl has rows at steps/,
    ],
    ['no checkpoint', (dir: string) => moveAside(join(dir, 'checkpoint'), 'gone'), /checkpoint\/ is missing/],
    ['a wrong step count', (dir: string) => rewriteStatus(dir, { step: 20, targetSteps: 20 }), /the spec asks for 25/],
  ])('a completed folder with %s is re-run', (_what, damage, reason) => {
    const run = finished(temp());
    damage(run);
    const inspection = inspectRun(plan, run);
    expect(inspection.state).toBe('restart');
    expect(inspection.reason).toMatch(reason);
  });

  test('evaluation rows that measure different tasks are not trusted', () => {
    const run = finished(temp());
    const path = join(run, 'evaluations.jsonl');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"eval/a/success":0.5,', ''));
    const inspection = inspectRun(plan, run);
    expect(inspection.state).toBe('restart');
    expect(inspection.reason).toMatch(/do not all measure the same tasks/);
  });

  test('folders of another run or with damaged params are re-run', () => {
    expect(inspectRun(plan, finished(temp(), 'another-key')).reason).toMatch(/a different run/);
    const run = finished(temp());
    writeFileSync(join(run, 'params.json'), '{"format": "llmdpd-run", ');
    expect(inspectRun(plan, run).reason).toMatch(/params.json is not valid JSON/);
  });

  test('an interrupted run resumes only when its rows up to the checkpoint are all there', () => {
    const run = finished(temp());
    rewriteStatus(run, { state: 'running', step: 24, checkpointStep: 20 });
    expect(inspectRun(plan, run).state).toBe('resumable');
    keepLines(run, 'metrics.jsonl', (l) => !l.startsWith('{"step":10,'));
    const inspection = inspectRun(plan, run);
    expect(inspection.state).toBe('restart');
    expect(inspection.reason).toMatch(/^running, but metrics/);
    const early = finished(temp());
    rewriteStatus(early, { state: 'running', step: 8, checkpointStep: null });
    expect(inspectRun(plan, early).reason).toBe('running before its first checkpoint');
  });

  test('moveAside keeps the old folder under a new name', () => {
    const dir = temp();
    const run = finished(join(dir, 'run'));
    const moved = moveAside(run, 'corrupt');
    expect(existsSync(run)).toBe(false);
    expect(moved).toMatch(/run\.corrupt-\d{4}-/);
    expect(readdirSync(moved).sort()).toEqual([
      'checkpoint',
      'evaluations.csv',
      'evaluations.jsonl',
      'metrics.csv',
      'metrics.jsonl',
      'params.json',
      'status.json',
    ]);
  });
});

describe('run bundles', () => {
  test('a folder survives a pack and unpack byte for byte', () => {
    const dir = temp();
    const run = finished(join(dir, 'run'));
    writeFileSync(join(run, 'checkpoint', 'weights.bin'), Buffer.from([0, 1, 2, 255, 10, 13]));
    unpackFolder(packFolder(run), join(dir, 'copy'));
    for (const file of ['params.json', 'metrics.jsonl', 'status.json', 'checkpoint/weights.bin'])
      expect(readFileSync(join(dir, 'copy', file))).toEqual(readFileSync(join(run, file)));
    // Unpacking over an existing folder replaces it.
    unpackFolder(packFolder(join(dir, 'copy')), run);
    expect(inspectRun(plan, run).state).toBe('completed');
  });

  test('a damaged bundle is refused and the target folder is left as it was', () => {
    const dir = temp();
    const bundle = packFolder(finished(join(dir, 'run')));
    const target = finished(join(dir, 'target'));
    const flipped = Buffer.from(bundle);
    flipped[flipped.length - 3] ^= 0xff;
    expect(() => unpackFolder(flipped, target)).toThrow(DatasetError);
    expect(() => unpackFolder(bundle.subarray(0, bundle.length - 5), target)).toThrow(/truncated/);
    expect(() => unpackFolder(Buffer.from('junk'), target)).toThrow(/no header line/);
    expect(inspectRun(plan, target).state).toBe('completed');
    expect(readdirSync(dir).sort()).toEqual(['run', 'target']);
  });
});
