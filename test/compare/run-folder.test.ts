import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packFolder, unpackFolder } from '../../src/compare/bundle.js';
import { planRuns } from '../../src/compare/plan.js';
import { expectedEvaluationSteps, expectedRowSteps, inspectRun, moveAside } from '../../src/compare/run-check.js';
import { RUN_FOLDER_FORMAT, RunFolder, type RunParams } from '../../src/compare/run-folder.js';
import { parseComparisonSpec } from '../../src/compare/spec.js';
import { DatasetError } from '../../src/core/errors.js';

const temp = () => mkdtempSync(join(tmpdir(), 'llmdpd-runfolder-'));

const plan = planRuns(
  parseComparisonSpec({
    agents: [{ class: 'DiffusionQL' }],
    data: [{ kind: 'suite', suite: 'pointmass-reach' }],
    seeds: [0],
    steps: 25,
    logEvery: 5,
    checkpointEvery: 10,
    evaluation: { every: 10 },
  }),
)[0];

function params(key: string): RunParams {
  return {
    format: RUN_FOLDER_FORMAT,
    version: 1,
    agent: 'DiffusionQL',
    config: {},
    seed: 0,
    data: { name: 'pointmass-reach' },
    fit: { steps: 25 },
    library: { name: 'llmdpd', version: '0' },
    commit: null,
    engine: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    comparison: { key },
  };
}

/** A run folder as a finished run leaves it. */
function finished(dir: string): RunFolder {
  const folder = new RunFolder(dir);
  folder.writeParams(params(plan.key));
  for (const step of expectedRowSteps(plan)) folder.appendMetrics({ step, epoch: step / 5, 'loss/critic': 1 / step });
  for (const step of expectedEvaluationSteps(plan))
    folder.appendEvaluation({ step, epoch: Math.ceil(step / 5), 'eval/a/success': 0.5, 'eval/a/return': -step });
  mkdirSync(folder.checkpointDir, { recursive: true });
  writeFileSync(join(folder.checkpointDir, 'manifest.json'), '{}');
  folder.writeStatus({ state: 'completed', step: 25, targetSteps: 25, startedAt: 'a', updatedAt: 'b' });
  return folder;
}

describe('run folders', () => {
  test('rows go to JSONL and CSV; a new column rewrites the CSV', () => {
    const folder = new RunFolder(temp());
    folder.appendMetrics({ step: 5, epoch: 1, 'loss/critic': 0.5 });
    folder.appendMetrics({ step: 10, epoch: 2, 'loss/critic': 0.25 });
    expect(readFileSync(join(folder.dir, 'metrics.csv'), 'utf8')).toBe('step,epoch,loss/critic\n5,1,0.5\n10,2,0.25\n');
    folder.appendMetrics({ step: 15, epoch: 3, 'loss/critic': 0.125, 'loss/actor': -1 });
    expect(readFileSync(join(folder.dir, 'metrics.csv'), 'utf8')).toBe(
      'step,epoch,loss/critic,loss/actor\n5,1,0.5,\n10,2,0.25,\n15,3,0.125,-1\n',
    );
    // A reader that opens the folder later appends under the same header.
    new RunFolder(folder.dir).appendMetrics({ step: 20, epoch: 4, 'loss/critic': 1, 'loss/actor': 2 });
    expect(readFileSync(join(folder.dir, 'metrics.csv'), 'utf8').split('\n').at(-2)).toBe('20,4,1,2');
    expect(folder.readRows('metrics').rows.map((r) => r.step)).toEqual([5, 10, 15, 20]);
  });

  test('a partial last line and malformed lines are reported, not trusted', () => {
    const folder = new RunFolder(temp());
    folder.appendEvaluation({ step: 10, 'eval/a/return': 1 });
    appendFileSync(join(folder.dir, 'evaluations.jsonl'), '["not", "a row"]\n{"step": 20, "eval/a/ret');
    const read = folder.readRows('evaluations');
    expect(read.rows).toEqual([{ step: 10, 'eval/a/return': 1 }]);
    expect(read.problems).toEqual([
      'evaluations.jsonl ends with a partial line',
      'evaluations.jsonl line 2 is not a row of numbers with a step',
    ]);
  });

  test('truncateAfter drops the rows a resumed run redoes, in both formats', () => {
    const folder = finished(temp());
    folder.truncateAfter(10);
    expect(folder.readRows('metrics').rows.map((r) => r.step)).toEqual([5, 10]);
    expect(folder.readRows('evaluations').rows.map((r) => r.step)).toEqual([10]);
    expect(readFileSync(join(folder.dir, 'metrics.csv'), 'utf8').trim().split('\n')).toHaveLength(3);
  });
});

describe('inspecting a run folder before a run', () => {
  test('absent, completed and intact, or resumable', () => {
    const dir = temp();
    expect(inspectRun(plan, join(dir, 'nothing')).state).toBe('absent');
    const folder = finished(join(dir, 'run'));
    expect(inspectRun(plan, folder.dir)).toEqual({ state: 'completed', reason: 'finished and intact', step: 25 });
    folder.writeStatus({ state: 'stopped', step: 10, targetSteps: 25, startedAt: 'a', updatedAt: 'b' });
    expect(inspectRun(plan, folder.dir)).toEqual({ state: 'resumable', reason: 'stopped at step 10', step: 10 });
  });

  test.each([
    [
      'a missing final row',
      (f: RunFolder) => f.rewrite('metrics', f.readRows('metrics').rows.slice(0, -1)),
      /metrics.jsonl has rows at steps \[5, 10, 15, 20\] where \[5, 10, 15, 20, 25\]/,
    ],
    [
      'a truncated evaluations file',
      (f: RunFolder) =>
        writeFileSync(
          join(f.dir, 'evaluations.jsonl'),
          readFileSync(join(f.dir, 'evaluations.jsonl'), 'utf8').slice(0, -9),
        ),
      /evaluations.jsonl ends with a partial line/,
    ],
    ['a duplicated row', (f: RunFolder) => f.appendMetrics({ step: 25, epoch: 5 }), /metrics.jsonl has rows at steps/],
    [
      'evaluations of different tasks',
      (f: RunFolder) =>
        f.rewrite('evaluations', [
          { step: 10, 'eval/a/return': 1 },
          { step: 20, 'eval/b/return': 1 },
          { step: 25, 'eval/a/return': 1 },
        ]),
      /do not all measure the same tasks/,
    ],
    ['no checkpoint', (f: RunFolder) => moveAside(f.checkpointDir, 'gone'), /checkpoint\/ is missing/],
    [
      'a wrong step count',
      (f: RunFolder) =>
        f.writeStatus({ state: 'completed', step: 20, targetSteps: 20, startedAt: 'a', updatedAt: 'b' }),
      /the spec asks for 25/,
    ],
  ])('a completed folder with %s is re-run', (_what, damage, reason) => {
    const folder = finished(temp());
    damage(folder);
    const inspection = inspectRun(plan, folder.dir);
    expect(inspection.state).toBe('restart');
    expect(inspection.reason).toMatch(reason);
  });

  test('folders of another run or without readable params are re-run', () => {
    const folder = finished(temp());
    folder.writeParams(params('another-key'));
    expect(inspectRun(plan, folder.dir).reason).toMatch(/a different run/);
    writeFileSync(join(folder.dir, 'params.json'), '{"format": "llmdpd-run", ');
    expect(inspectRun(plan, folder.dir).reason).toMatch(/params.json is missing or not JSON/);
  });

  test('an interrupted run resumes only when its rows up to the checkpoint are all there', () => {
    const folder = finished(temp());
    folder.writeStatus({ state: 'running', step: 20, targetSteps: 25, startedAt: 'a', updatedAt: 'b' });
    expect(inspectRun(plan, folder.dir).state).toBe('resumable');
    folder.rewrite(
      'metrics',
      folder.readRows('metrics').rows.filter((r) => r.step !== 10),
    );
    const inspection = inspectRun(plan, folder.dir);
    expect(inspection.state).toBe('restart');
    expect(inspection.reason).toMatch(/^running, but metrics/);
  });

  test('moveAside keeps the old folder under a new name', () => {
    const dir = temp();
    const folder = finished(join(dir, 'run'));
    const moved = moveAside(folder.dir, 'corrupt');
    expect(existsSync(folder.dir)).toBe(false);
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
    const folder = finished(join(dir, 'run'));
    writeFileSync(join(folder.checkpointDir, 'weights.bin'), Buffer.from([0, 1, 2, 255, 10, 13]));
    const bundle = packFolder(folder.dir);
    unpackFolder(bundle, join(dir, 'copy'));
    for (const file of ['params.json', 'metrics.jsonl', 'status.json', 'checkpoint/weights.bin'])
      expect(readFileSync(join(dir, 'copy', file))).toEqual(readFileSync(join(folder.dir, file)));
    // Unpacking over an existing folder replaces it.
    unpackFolder(packFolder(join(dir, 'copy')), folder.dir);
    expect(inspectRun(plan, folder.dir).state).toBe('completed');
  });

  test('a damaged bundle is refused and the target folder is left as it was', () => {
    const dir = temp();
    const folder = finished(join(dir, 'run'));
    const bundle = packFolder(folder.dir);
    const target = finished(join(dir, 'target'));
    const flipped = Buffer.from(bundle);
    flipped[flipped.length - 3] ^= 0xff;
    expect(() => unpackFolder(flipped, target.dir)).toThrow(DatasetError);
    expect(() => unpackFolder(bundle.subarray(0, bundle.length - 5), target.dir)).toThrow(/truncated/);
    expect(() => unpackFolder(Buffer.from('junk'), target.dir)).toThrow(/no header line/);
    expect(inspectRun(plan, target.dir).state).toBe('completed');
    expect(readdirSync(dir).sort()).toEqual(['run', 'target']);
  });
});
