/**
 * Class 1, data loss between saves: a save into a folder holding another kind of save is refused
 * with a SaveConflictError naming what is there, the other save stays loadable, and a save never
 * deletes files it did not write.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MultiTaskDataset, ReplayBuffer } from '../../src/buffers/index.js';
import { SaveConflictError } from '../../src/core/errors.js';
import { writeSuiteDatasets } from '../../src/suites/write.js';
import { smallBuffer, smallMultiTask, writeValidMinari } from '../support/valid-files.js';
import { type CorpusCase, LOADS, fails, mkfifo } from './corpus-case.js';

/** Runs `save`, and whatever it does, checks that the save `check` describes is still intact. */
async function saveThenCheck(save: () => unknown, check: () => void): Promise<unknown> {
  try {
    return await save();
  } finally {
    check();
  }
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    throw new Error(`${what}: ${JSON.stringify(actual)} !== ${JSON.stringify(expected)}`);
}

const agentManifest = JSON.stringify({
  format: 'llmdpd.agent',
  formatVersion: 1,
  dataFile: 'data-00000000000000aa.bin',
});

export const SAVE_FOLDER_CASES: readonly CorpusCase[] = [
  {
    id: '1-buffer-into-multitask',
    issueClass: 1,
    run: (dir) => {
      smallMultiTask().save(dir);
      return saveThenCheck(
        () => smallBuffer().save(dir),
        () => expectEqual(MultiTaskDataset.load(dir).numTasks, 2, 'the multi-task save'),
      );
    },
    expected: fails(SaveConflictError, /it holds a MultiTaskDataset save.*nothing was written/),
  },
  {
    id: '1-multitask-into-buffer',
    issueClass: 1,
    run: (dir) => {
      smallBuffer(3).save(dir);
      return saveThenCheck(
        () => smallMultiTask().save(dir),
        () => expectEqual(ReplayBuffer.load(dir).size, 18, 'the buffer save'),
      );
    },
    expected: fails(
      SaveConflictError,
      /it holds a ReplayBuffer save \(manifest.json has format "llmdpd.replay-buffer"/,
    ),
  },
  {
    id: '1-buffer-into-agent-checkpoint',
    issueClass: 1,
    run: (dir) => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'manifest.json'), agentManifest);
      writeFileSync(join(dir, 'data-00000000000000aa.bin'), 'weights');
      return saveThenCheck(
        () => smallBuffer().save(dir),
        () =>
          expectEqual(readdirSync(dir).sort(), ['data-00000000000000aa.bin', 'manifest.json'], 'the checkpoint files'),
      );
    },
    expected: fails(SaveConflictError, /it holds an agent checkpoint/),
  },
  {
    id: '1-multitask-into-agent-checkpoint',
    issueClass: 1,
    run: (dir) => {
      writeFileSync(join(dir, 'manifest.json'), agentManifest);
      return smallMultiTask().save(dir);
    },
    expected: fails(SaveConflictError, /Cannot save the multi-task dataset into .*: it holds an agent checkpoint/),
  },
  {
    id: '1-buffer-into-run-folder',
    issueClass: 1,
    run: (dir) => {
      writeFileSync(join(dir, 'params.json'), JSON.stringify({ format: 'llmdpd-run', version: 1 }));
      return smallBuffer().save(dir);
    },
    expected: fails(SaveConflictError, /it holds a training run folder \(params.json/),
  },
  {
    id: '1-buffer-into-suite-folder',
    issueClass: 1,
    run: (dir) => {
      writeFileSync(join(dir, 'suite.json'), JSON.stringify({ format: 'llmdpd.suite-datasets', version: 1 }));
      return smallBuffer().save(dir);
    },
    expected: fails(SaveConflictError, /it holds a suite's datasets/),
  },
  {
    id: '1-buffer-into-minari-dataset',
    issueClass: 1,
    run: async (dir) => {
      await writeValidMinari(dir);
      return smallBuffer().save(dir);
    },
    expected: fails(SaveConflictError, /it holds a Minari dataset/),
  },
  {
    id: '1-buffer-over-foreign-manifest',
    issueClass: 1,
    run: (dir) => {
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ format: 'webpack-assets', files: [] }));
      return smallBuffer().save(dir);
    },
    expected: fails(SaveConflictError, /a manifest.json of format "webpack-assets" \(not an llmdpd save\)/),
  },
  {
    id: '1-buffer-over-unparsable-manifest',
    issueClass: 1,
    run: (dir) => {
      writeFileSync(join(dir, 'manifest.json'), '{"format": "llmdpd.repl');
      return smallBuffer().save(dir);
    },
    expected: fails(SaveConflictError, /a manifest.json that is not a JSON object/),
  },
  {
    id: '1-buffer-over-manifest-fifo',
    issueClass: 1,
    posixOnly: true,
    run: (dir) => {
      mkfifo(join(dir, 'manifest.json'));
      return smallBuffer().save(dir);
    },
    expected: fails(SaveConflictError, /a manifest.json that is not a JSON object/),
  },
  {
    id: '1-buffer-into-a-file',
    issueClass: 1,
    run: (dir) => {
      const file = join(dir, 'not-a-folder');
      writeFileSync(file, 'x');
      return smallBuffer().save(file);
    },
    expected: fails(SaveConflictError, /it holds a file, not a folder/),
  },
  {
    id: '1-suite-into-buffer-folder',
    issueClass: 1,
    run: (dir) => {
      smallBuffer().save(dir);
      return writeSuiteDatasets('pointmass-reach', dir, { seed: 0, transitionsPerTask: 50 });
    },
    expected: fails(SaveConflictError, /Cannot save a suite's datasets into .*: it holds a ReplayBuffer save/),
  },
  {
    id: '1-suite-over-foreign-suite-json',
    issueClass: 1,
    run: (dir) => {
      writeFileSync(join(dir, 'suite.json'), JSON.stringify({ name: 'my notes' }));
      return writeSuiteDatasets('pointmass-reach', dir, { seed: 0, transitionsPerTask: 50 });
    },
    expected: fails(SaveConflictError, /a suite.json of format undefined \(not an llmdpd save\)/),
  },
  {
    id: '1-valid-buffer-replaces-buffer-keeping-user-files',
    issueClass: 1,
    run: (dir) => {
      smallBuffer(1).save(dir);
      writeFileSync(join(dir, 'notes.txt'), 'mine');
      writeFileSync(join(dir, '.tmp-notes'), 'mine too');
      smallBuffer(3).save(dir);
      expectEqual(ReplayBuffer.load(dir).size, 18, 'the new save');
      const files = readdirSync(dir).sort();
      if (!files.includes('notes.txt') || !files.includes('.tmp-notes'))
        throw new Error(`user files gone: ${files.join()}`);
      expectEqual(files.filter((f) => f.startsWith('data-')).length, 1, 'data files');
    },
    expected: LOADS,
  },
  {
    id: '1-valid-orphan-data-file-is-not-deleted-in-a-new-folder',
    issueClass: 1,
    run: (dir) => {
      // A data file that no manifest of this folder names: not this save's to delete.
      writeFileSync(join(dir, 'data-00000000000000ff.bin'), 'not ours');
      smallBuffer().save(dir);
      expectEqual(ReplayBuffer.load(dir).size, 12, 'the save');
      if (!readdirSync(dir).includes('data-00000000000000ff.bin')) throw new Error('the orphan was deleted');
    },
    expected: LOADS,
  },
  {
    id: '1-valid-multitask-replaces-multitask',
    issueClass: 1,
    run: (dir) => {
      smallMultiTask().save(dir);
      smallMultiTask().save(dir);
      expectEqual(MultiTaskDataset.load(dir).numTasks, 2, 'tasks');
    },
    expected: LOADS,
  },
  {
    id: '1-valid-foreign-params-json-is-a-user-file',
    issueClass: 1,
    run: (dir) => {
      writeFileSync(join(dir, 'params.json'), JSON.stringify({ learningRate: 0.1 }));
      smallBuffer().save(dir);
      expectEqual(ReplayBuffer.load(dir).size, 12, 'the save');
    },
    expected: LOADS,
  },
];
