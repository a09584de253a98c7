/**
 * Class 2, for buffer saves: a save whose bytes pass their checksums is still validated. Header
 * fields of the wrong type, range or finiteness, and column values that break the buffer's
 * rules (written with recomputed checksums), are DatasetErrors naming the field or the row.
 */
import { MultiTaskDataset, ReplayBuffer } from '../../src/buffers/index.js';
import { DatasetError } from '../../src/core/errors.js';
import { smallBuffer, smallMultiTask } from '../support/valid-files.js';
import {
  type CorpusCase,
  type Manifest,
  LOADS,
  editColumn,
  fails,
  readManifest,
  writeManifest,
} from './corpus-case.js';

/** A case that saves a valid buffer, edits its manifest, and loads it. */
function bufferHeader(
  id: string,
  edit: (m: Manifest) => void,
  message: RegExp | null,
  raw: Record<string, string> = {},
): CorpusCase {
  return {
    id: `2-buffer-${id}`,
    issueClass: 2,
    run: (dir) => {
      smallBuffer(3).save(dir);
      const m = readManifest(dir);
      edit(m);
      writeManifest(dir, m, raw);
      const b = ReplayBuffer.load(dir);
      if (message === null && b.size !== 18) throw new Error(`loaded ${b.size} transitions, expected 18`);
      return b;
    },
    expected: message === null ? LOADS : fails(DatasetError, message),
  };
}

/** A case that saves a valid buffer, edits one column's values (checksums recomputed), and loads it. */
function bufferColumn(id: string, column: string, edit: (v: DataView, n: number) => void, message: RegExp): CorpusCase {
  return {
    id: `2-buffer-${id}`,
    issueClass: 2,
    run: (dir) => {
      smallBuffer(3).save(dir);
      editColumn(dir, column, edit);
      return ReplayBuffer.load(dir);
    },
    expected: fails(DatasetError, message),
  };
}

/** A case that saves a valid two-task dataset, edits its manifest, and loads it. */
function multiTaskHeader(id: string, edit: (m: Manifest) => void, message: RegExp): CorpusCase {
  return {
    id: `2-multitask-${id}`,
    issueClass: 2,
    run: (dir) => {
      smallMultiTask().save(dir);
      const m = readManifest(dir);
      edit(m);
      writeManifest(dir, m);
      return MultiTaskDataset.load(dir);
    },
    expected: fails(DatasetError, message),
  };
}

const tasks = (m: Manifest) => m['tasks'] as Record<string, unknown>[];

export const BUFFER_HEADER_CASES: readonly CorpusCase[] = [
  bufferHeader('size-negative', (m) => (m['size'] = -5), /manifest field 'size' must be an integer >= 0, found -5/),
  bufferHeader('size-string', (m) => (m['size'] = 'abc'), /manifest field 'size' must be an integer >= 0, found "abc"/),
  bufferHeader('size-infinite', (m) => (m['size'] = 'INF'), /'size' must be an integer >= 0, found Infinity/, {
    INF: '1e999',
  }),
  bufferHeader('size-fraction', (m) => (m['size'] = 17.5), /'size' must be an integer >= 0, found 17.5/),
  bufferHeader('size-missing', (m) => delete m['size'], /'size' must be an integer >= 0, found undefined/),
  bufferHeader(
    'size-too-large',
    (m) => (m['size'] = 19),
    /column 'observations' is float32 \[18, 3\].*expected float32 \[19, 3\]/,
  ),
  bufferHeader(
    'observation-dim-zero',
    (m) => (m['observationDim'] = 0),
    /'observationDim' must be an integer >= 1, found 0/,
  ),
  bufferHeader(
    'observation-dim-string',
    (m) => (m['observationDim'] = '3'),
    /'observationDim' must be an integer >= 1, found "3"/,
  ),
  bufferHeader('action-dim-negative', (m) => (m['actionDim'] = -2), /'actionDim' must be an integer >= 1, found -2/),
  bufferHeader('capacity-below-size', (m) => (m['capacity'] = 3), /'capacity' must be an integer >= 18, found 3/),
  bufferHeader('capacity-string', (m) => (m['capacity'] = 'big'), /'capacity' must be an integer >= 18, found "big"/),
  bufferHeader('format-version-2', (m) => (m['formatVersion'] = 2), /format version 2.*reads version 1 only/),
  bufferHeader('format-foreign', (m) => (m['format'] = 'numpy.npz'), /format "numpy.npz".*not written by llmdpd/),
  bufferHeader('library-foreign', (m) => (m['library'] = 'other'), /'library' is "other", expected "llmdpd"/),
  bufferHeader('byte-order-big', (m) => (m['byteOrder'] = 'big'), /'byteOrder' is "big", expected "little"/),
  bufferHeader('data-bytes-wrong', (m) => (m['dataBytes'] = 4), /bytes but the manifest says 4.*extra bytes/),
  bufferHeader('columns-not-a-list', (m) => (m['columns'] = {} as never), /'columns' is missing or not a list/),
  bufferHeader('column-entry-malformed', (m) => (m.columns[0].shape = [-1, 3]), /columns\[0\] is malformed/),
  bufferHeader(
    'column-checksum-edited',
    (m) => (m.columns[2].sha256 = '0'.repeat(64)),
    /checksum mismatch in column 'rewards'/,
  ),
  bufferHeader('column-missing', (m) => m.columns.splice(3, 1), /column 'nextObservations' is missing/),
  bufferHeader('column-dtype-changed', (m) => (m.columns[4].dtype = 'int32'), /column 'terminals' is int32/),
  bufferHeader(
    'column-outside-file',
    (m) => (m.columns[0].byteOffset = 1 << 20),
    /column 'observations' lies outside the data file/,
  ),
  bufferHeader('valid-num-episodes-is-informational', (m) => (m['numEpisodes'] = 99), null),
  bufferColumn('nan-observation', 'observations', (v) => v.setFloat32(4 * 4, NaN, true), /observations.*(NaN|finite)/),
  bufferColumn('infinite-reward', 'rewards', (v) => v.setFloat32(2 * 4, Infinity, true), /rewards.*(Infinity|finite)/),
  bufferColumn('terminal-flag-2', 'terminals', (v) => v.setUint8(1, 2), /row 1 has a flag that is not 0 or 1/),
  bufferColumn('terminal-and-timeout', 'terminals', (v) => v.setUint8(11, 1), /row 11 is both terminal and timeout/),
  bufferColumn(
    'terminal-inside-episode',
    'terminals',
    (v) => v.setUint8(2, 1),
    /row 2 is a terminal but episodeEnds is 0/,
  ),
  bufferColumn(
    'negative-task-index',
    'taskIndices',
    (v, n) => {
      for (let i = 0; i < n; i++) v.setInt32(i * 4, -1, true);
    },
    /task/,
  ),
  bufferColumn('task-changes-inside-episode', 'taskIndices', (v) => v.setInt32(2 * 4, 1, true), /task/),
  multiTaskHeader('no-tasks', (m) => (m['tasks'] = []), /manifest field 'tasks' is missing or empty/),
  multiTaskHeader(
    'task-without-name',
    (m) => delete tasks(m)[0]['name'],
    /tasks\[0\] lacks a string name or textPrompt/,
  ),
  multiTaskHeader(
    'prompt-length-zero',
    (m) => (tasks(m)[1]['promptLength'] = 0),
    /'promptLength' must be an integer >= 1, found 0/,
  ),
  multiTaskHeader(
    'params-array',
    (m) => (tasks(m)[0]['params'] = [1, 2]),
    /params must be a plain object, got an array/,
  ),
  multiTaskHeader(
    'duplicate-task-names',
    (m) => (tasks(m)[1]['name'] = 'reach-a'),
    /"reach-a" repeats tasks\[0\].name/,
  ),
  multiTaskHeader('task-size-negative', (m) => (tasks(m)[0]['size'] = -1), /'size' must be an integer >= 0, found -1/),
  multiTaskHeader(
    'observation-dim-changed',
    (m) => (m['observationDim'] = 4),
    /column 'tasks\/0\/observations' is float32 \[10, 3\] \(120 bytes\); expected float32 \[10, 4\]/,
  ),
];
