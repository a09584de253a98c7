/**
 * Class 4: the command line. Bad arguments and output paths must be refused before any work,
 * as one line on stderr with exit code 2, and leave what is on disk as it was; a valid variant
 * exits 0. Each case runs `llmdpd` in-process (test/cli/helpers.ts).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../cli/helpers.js';
import { type CliOutcome, type CorpusCase, exits } from './corpus-case.js';

const TRAIN = ['train', 'bc', '--data', 'pointmass-reach', '--steps', '2', '--progress', 'off'];

/** Runs the command, then checks that `file` still holds `contents` (nothing on disk lost). */
async function keeping(file: string, contents: string, args: string[]): Promise<CliOutcome> {
  const outcome = await cli(...args);
  if (readFileSync(file, 'utf8') !== contents) throw new Error(`${file} was changed by a refused command`);
  return outcome;
}

/** A file holding a user's text, to be left alone. */
function userFile(dir: string, name = 'notes.txt'): { path: string; contents: string } {
  const path = join(dir, name);
  const contents = `a user's file in ${name}\n`;
  writeFileSync(path, contents);
  return { path, contents };
}

/** Train with `--out` somewhere under `dir` and the given extra arguments. */
function train(dir: string, ...extra: string[]): Promise<CliOutcome> {
  return cli(...TRAIN, '--out', join(dir, 'run'), ...extra);
}

/** Command-line cases. */
export const CLI_CASES: readonly CorpusCase[] = [
  {
    id: '4-seeds-empty',
    issueClass: 4,
    run: (dir) => train(dir, '--seeds', ''),
    expected: exits(2, /--seeds .*no empty item/),
  },
  {
    id: '4-seeds-empty-item',
    issueClass: 4,
    run: (dir) => train(dir, '--seeds', '0,,1'),
    expected: exits(2, /no empty item/),
  },
  {
    id: '4-seeds-duplicate',
    issueClass: 4,
    run: (dir) => train(dir, '--seeds', '0,1,0'),
    expected: exits(2, /lists 0 more than once/),
  },
  {
    id: '4-seeds-not-integer',
    issueClass: 4,
    run: (dir) => train(dir, '--seeds', '0,one'),
    expected: exits(2, /--seeds/),
  },
  {
    id: '4-steps-zero',
    issueClass: 4,
    run: (dir) => train(dir, '--steps', '0'),
    expected: exits(2, /--steps must be an integer >= 1, got "0"/),
  },
  {
    id: '4-steps-fraction',
    issueClass: 4,
    run: (dir) => train(dir, '--steps', '1.5'),
    expected: exits(2, /--steps must be an integer >= 1, got "1\.5"/),
  },
  {
    id: '4-unknown-option',
    issueClass: 4,
    run: (dir) => train(dir, '--stpes', '3'),
    expected: exits(2, /unknown option '--stpes' \(Did you mean --steps\?\)/),
  },
  {
    id: '4-unknown-algorithm',
    issueClass: 4,
    run: (dir) => cli('train', 'ppo', '--data', 'pointmass-reach', '--out', join(dir, 'run')),
    expected: exits(2, /Unknown algorithm "ppo"; choose one of /),
  },
  {
    id: '4-out-is-a-file',
    issueClass: 4,
    run: (dir) => {
      const file = userFile(dir);
      return keeping(file.path, file.contents, [...TRAIN, '--out', file.path]);
    },
    expected: exits(2, /--out .*notes\.txt is a file; give a folder/),
  },
  {
    id: '4-out-under-a-file',
    issueClass: 4,
    run: (dir) => {
      const file = userFile(dir);
      return keeping(file.path, file.contents, [...TRAIN, '--out', join(file.path, 'run')]);
    },
    expected: exits(2, /notes\.txt is a file, so the folder cannot be created there/),
  },
  {
    id: '4-out-not-empty',
    issueClass: 4,
    run: async (dir) => {
      const out = join(dir, 'results');
      mkdirSync(out);
      const file = userFile(out);
      const outcome = await keeping(file.path, file.contents, [...TRAIN, '--out', out]);
      if (readdirSync(out).length !== 1) throw new Error('the refused run wrote into --out');
      return outcome;
    },
    expected: exits(2, /already exists and is not empty; choose a new folder/),
  },
  {
    id: '4-data-missing-file',
    issueClass: 4,
    run: (dir) => cli('train', 'bc', '--data', join(dir, 'missing.hdf5'), '--out', join(dir, 'run')),
    expected: exits(2, /--data .*missing\.hdf5 does not exist/),
  },
  {
    id: '4-config-not-json',
    issueClass: 4,
    run: (dir) => train(dir, '--config', '{"batchSize": 12'),
    expected: exits(2, /--config/),
  },
  {
    id: '4-config-sets-seed',
    issueClass: 4,
    run: (dir) => train(dir, '--config', '{"seed": 3}'),
    expected: exits(2, /--config sets seed; the CLI takes it from the data \(dims\) and --seeds \(seed\)/),
  },
  {
    id: '4-keep-best-without-evaluation',
    issueClass: 4,
    run: (dir) => train(dir, '--keep-best', '--eval-episodes', '0'),
    expected: exits(2, /--keep-best ranks epochs by their evaluation/),
  },
  {
    id: '4-resume-not-a-run',
    issueClass: 4,
    run: (dir) => train(dir, '--resume'),
    expected: exits(2, /--resume: .*run is not a run folder/),
  },
  {
    id: '4-suite-write-into-a-file',
    issueClass: 4,
    run: (dir) => {
      const file = userFile(dir);
      return keeping(file.path, file.contents, ['suite', 'write', file.path]);
    },
    expected: exits(2, /suite write .*notes\.txt is a file; give a folder/),
  },
  {
    id: '4-suite-write-under-a-file',
    issueClass: 4,
    run: (dir) => {
      const file = userFile(dir);
      return keeping(file.path, file.contents, ['suite', 'write', join(file.path, 'suite')]);
    },
    expected: exits(2, /notes\.txt is a file, so the folder cannot be created there/),
  },
  {
    id: '4-suite-write-fresh-folder',
    issueClass: 4,
    run: async (dir) => {
      const outcome = await cli('suite', 'write', join(dir, 'suite'));
      if (!existsSync(join(dir, 'suite', 'suite.json'))) throw new Error('suite write exited without suite.json');
      return outcome;
    },
    expected: exits(0, /^$/),
  },
];
