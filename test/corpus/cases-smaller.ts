/**
 * Class 7, the smaller failures: HDF5 files that declare absurd row counts or have a damaged
 * header or structure (a DatasetError, never a RangeError or a raw HDF5 dump), Minari metadata
 * whose spaces disagree with the data, suite specs whose task no policy can succeed at, and
 * messages that name the real problem.
 */
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { ConfigError, DatasetError } from '../../src/core/errors.js';
import { loadD4rl, loadMinari } from '../../src/datasets/index.js';
import { readSuiteSpecFile } from '../../src/suites/suite.js';
import { builtinSuiteSpec, parseSuiteSpec, suiteSpecToJson } from '../../src/suites/tasks.js';
import { minariMetadata, validSuiteSpec, writeValidD4rl, writeValidMinari } from '../support/valid-files.js';
import { type Column, writeH5 } from '../datasets/helpers.js';
import { type CorpusCase, LOADS, fails } from './corpus-case.js';

/** The D4RL keys with `n` rows of small values; `edit` may change any column first. */
function d4rlColumns(n: number, edit: (c: Record<string, Column>) => void = () => {}): Record<string, Column> {
  const c: Record<string, Column> = {
    observations: { data: Float32Array.from({ length: n * 3 }, (_, i) => i), shape: [n, 3], dtype: '<f' },
    actions: { data: new Float32Array(n * 2), shape: [n, 2], dtype: '<f' },
    rewards: { data: new Float32Array(n), shape: [n], dtype: '<f' },
    terminals: { data: new Uint8Array(n), shape: [n], dtype: '<B' },
  };
  edit(c);
  return c;
}

/**
 * An HDF5 file whose datasets are chunked and resized to `rows` without data: a few kB on disk,
 * declaring any number of rows. `rows(key)` gives each key's declared row count.
 */
async function writeDeclaringRows(
  path: string,
  layout: Record<string, { readonly dim: number; readonly dtype: '<f' | '<d' | '<B' }>,
  rows: (key: string) => number,
): Promise<void> {
  await h5wasm.ready;
  mkdirSync(dirname(path), { recursive: true });
  const f = new h5wasm.File(path, 'w');
  try {
    for (const [key, { dim, dtype }] of Object.entries(layout)) {
      const parts = key.split('/');
      let group: InstanceType<typeof h5wasm.Group> = f;
      for (const p of parts.slice(0, -1)) {
        const existing = group.get(p);
        group = existing instanceof h5wasm.Group ? existing : group.create_group(p);
      }
      const shape = (n: number) => (dim === 0 ? [n] : [n, dim]);
      const empty = dtype === '<B' ? new Uint8Array(0) : dtype === '<d' ? new Float64Array(0) : new Float32Array(0);
      const ds = group.create_dataset({
        name: parts[parts.length - 1],
        data: empty,
        shape: shape(0),
        maxshape: dim === 0 ? [null] : [null, dim],
        chunks: shape(1024),
        dtype,
      });
      ds.resize(shape(rows(key)));
    }
  } finally {
    f.close();
  }
}

const D4RL_LAYOUT = {
  observations: { dim: 3, dtype: '<f' },
  actions: { dim: 2, dtype: '<f' },
  rewards: { dim: 0, dtype: '<f' },
  terminals: { dim: 0, dtype: '<B' },
} as const;

/** A valid D4RL file with the bytes of the `occurrence`-th (0-based) `signature` overwritten. */
async function d4rlWithDamagedSignature(dir: string, signature: string, occurrence = 0): Promise<string> {
  const path = await writeValidD4rl(join(dir, 'damaged.hdf5'));
  const bytes = readFileSync(path);
  let at = -1;
  for (let i = 0; i <= occurrence; i++) at = bytes.indexOf(signature, at + 1, 'latin1');
  if (at < 0) throw new Error(`no ${signature} number ${occurrence} in the file`);
  bytes.write('XXXX', at, 'latin1');
  writeFileSync(path, bytes);
  return path;
}

/** A valid Minari folder whose metadata has `changes`. */
async function minariWith(dir: string, changes: Record<string, unknown>): Promise<string> {
  await writeValidMinari(dir);
  writeFileSync(join(dir, 'data', 'metadata.json'), JSON.stringify({ ...minariMetadata(), ...changes }));
  return dir;
}

type MutableSpec = { episodeSteps?: number; tasks: MutableTask[] };

function spec(id: string, edit: (s: MutableSpec) => void, message: RegExp | null): CorpusCase {
  return {
    id: `7-suite-${id}`,
    issueClass: 7,
    run: () => {
      const s = validSuiteSpec() as unknown as MutableSpec;
      edit(s);
      return parseSuiteSpec(JSON.stringify(s));
    },
    expected: message === null ? LOADS : fails(ConfigError, message),
  };
}

type MutableTask = { params: Record<string, unknown> };

export const SMALLER_CASES: readonly CorpusCase[] = [
  {
    id: '7-d4rl-absurd-row-count',
    issueClass: 7,
    run: async (dir) => {
      await writeDeclaringRows(join(dir, 'absurd.hdf5'), D4RL_LAYOUT, () => 1e12);
      return loadD4rl(join(dir, 'absurd.hdf5'));
    },
    expected: fails(
      DatasetError,
      /declares 25000000000000 bytes \(25.0 TB\) of data \(the largest, "observations", 3000000000000 values\) but the file is \d+ bytes .*: no HDF5 compression reaches that ratio, so its header is damaged/,
    ),
  },
  {
    id: '7-d4rl-row-count-beyond-safe-integers',
    issueClass: 7,
    run: async (dir) => {
      await writeDeclaringRows(join(dir, 'absurd.hdf5'), D4RL_LAYOUT, () => 2 ** 60);
      return loadD4rl(join(dir, 'absurd.hdf5'));
    },
    expected: fails(
      DatasetError,
      /"observations" in .* declares \d+ values, which no file can hold; its header is damaged/,
    ),
  },
  {
    id: '7-d4rl-rows-disagree',
    issueClass: 7,
    run: async (dir) => {
      await writeDeclaringRows(join(dir, 'mixed.hdf5'), D4RL_LAYOUT, (k) => (k === 'actions' ? 1e9 : 10));
      return loadD4rl(join(dir, 'mixed.hdf5'));
    },
    expected: fails(DatasetError, /"actions" has 1000000000 rows but "observations" has 10/),
  },
  {
    id: '7-d4rl-truncated',
    issueClass: 7,
    run: async (dir) => {
      const path = await writeValidD4rl(join(dir, 'cut.hdf5'));
      truncateSync(path, 6000);
      return loadD4rl(path);
    },
    expected: fails(DatasetError, /is truncated: it has 6000 bytes but its HDF5 superblock says \d+/),
  },
  {
    id: '7-d4rl-superblock-version',
    issueClass: 7,
    run: async (dir) => {
      const path = await writeValidD4rl(join(dir, 'bad-superblock.hdf5'));
      const bytes = readFileSync(path);
      bytes[8] = 9; // superblock version
      writeFileSync(path, bytes);
      return loadD4rl(path);
    },
    expected: fails(DatasetError, /HDF5 cannot open .*bad-superblock.hdf5: .*superblock/),
  },
  {
    id: '7-d4rl-damaged-root-object-header',
    issueClass: 7,
    run: async (dir) => loadD4rl(await d4rlWithDamagedSignature(dir, 'OHDR', 0)),
    expected: fails(DatasetError, /HDF5 cannot read .*damaged.hdf5: H5O__prefix_deserialize\(\): bad object header/),
  },
  {
    id: '7-d4rl-damaged-dataset-object-header',
    issueClass: 7,
    run: async (dir) => loadD4rl(await d4rlWithDamagedSignature(dir, 'OHDR', 3)),
    expected: fails(DatasetError, /HDF5 cannot read .*damaged.hdf5: .*object header.*the file is damaged/),
  },
  {
    id: '7-d4rl-damaged-header-continuation',
    issueClass: 7,
    run: async (dir) => loadD4rl(await d4rlWithDamagedSignature(dir, 'OCHK', 0)),
    expected: fails(DatasetError, /damaged.hdf5.*the file is damaged/),
  },
  {
    id: '7-d4rl-damaged-chunk-btree',
    issueClass: 7,
    run: async (dir) => loadD4rl(await d4rlWithDamagedSignature(dir, 'TREE')),
    expected: fails(DatasetError, /reading observations rows 0..11 of .*damaged.hdf5 failed: .*wrong B-tree signature/),
  },
  {
    id: '7-d4rl-html-page',
    issueClass: 7,
    run: (dir) => {
      writeFileSync(join(dir, 'page.hdf5'), '<!DOCTYPE html><html>Rate limited</html>');
      return loadD4rl(join(dir, 'page.hdf5'));
    },
    expected: fails(DatasetError, /is not an HDF5 file: it has no HDF5 signature/),
  },
  {
    id: '7-d4rl-nan-observation',
    issueClass: 7,
    run: async (dir) => {
      const path = join(dir, 'nan.hdf5');
      await writeH5(
        path,
        d4rlColumns(5, (c) => ((c['observations'].data as Float32Array)[7] = NaN)),
      );
      return loadD4rl(path);
    },
    expected: fails(DatasetError, /observations row 2, column 1 is NaN; every value must be finite/),
  },
  {
    id: '7-d4rl-group-instead-of-dataset',
    issueClass: 7,
    run: async (dir) => {
      const path = join(dir, 'group.hdf5');
      await writeH5(
        path,
        d4rlColumns(5, (c) => {
          c['rewards/inner'] = c['rewards'];
          delete c['rewards'];
        }),
      );
      return loadD4rl(path);
    },
    expected: fails(DatasetError, /has a group, not a dataset, at "rewards"/),
  },
  {
    id: '7-valid-d4rl',
    issueClass: 7,
    run: async (dir) => {
      const { buffer } = await loadD4rl(await writeValidD4rl(join(dir, 'ok.hdf5')));
      // qlearning_dataset semantics: the time-out row that ends the file is dropped.
      if (buffer.size !== 11) throw new Error(`size ${buffer.size}`);
    },
    expected: LOADS,
  },
  {
    id: '7-minari-absurd-row-count',
    issueClass: 7,
    run: async (dir) => {
      const steps = 1e10;
      await writeDeclaringRows(
        join(dir, 'data', 'main_data.hdf5'),
        {
          'episode_0/observations': { dim: 2, dtype: '<d' },
          'episode_0/actions': { dim: 1, dtype: '<f' },
          'episode_0/rewards': { dim: 0, dtype: '<d' },
          'episode_0/terminations': { dim: 0, dtype: '<B' },
          'episode_0/truncations': { dim: 0, dtype: '<B' },
        },
        (k) => (k.endsWith('observations') ? steps + 1 : steps),
      );
      writeFileSync(join(dir, 'data', 'metadata.json'), JSON.stringify(minariMetadata()));
      return loadMinari(dir);
    },
    expected: fails(DatasetError, /main_data.hdf5 declares .* of data .* no HDF5 compression reaches that ratio/),
  },
  {
    id: '7-minari-observation-space-shape',
    issueClass: 7,
    run: async (dir) =>
      loadMinari(
        await minariWith(dir, {
          observation_space: '{"type": "Box", "dtype": "float64", "shape": [3], "low": -1.0, "high": 1.0}',
        }),
      ),
    expected: fails(
      DatasetError,
      /metadata observation_space describes \(3,\) per step, but the data's "observations" hold \(2,\) per step/,
    ),
  },
  {
    id: '7-minari-observation-space-dict-for-box-data',
    issueClass: 7,
    run: async (dir) =>
      loadMinari(
        await minariWith(dir, {
          observation_space:
            '{"type": "Dict", "subspaces": {"position": {"type": "Box", "dtype": "float64", "shape": [2], "low": -1.0, "high": 1.0}}}',
        }),
      ),
    expected: fails(
      DatasetError,
      /observation_space describes position \(2,\) per step, but the data's "observations" hold \(2,\) per step/,
    ),
  },
  {
    id: '7-minari-action-space-shape',
    issueClass: 7,
    run: async (dir) =>
      loadMinari(
        await minariWith(dir, {
          action_space: '{"type": "Box", "dtype": "float32", "shape": [4], "low": -1.0, "high": 1.0}',
        }),
      ),
    expected: fails(
      DatasetError,
      /metadata action_space describes \(4,\) per step, but the data's "actions" hold \(1,\) per step/,
    ),
  },
  {
    id: '7-minari-observation-space-discrete-for-vector-data',
    issueClass: 7,
    run: async (dir) => loadMinari(await minariWith(dir, { observation_space: '{"type": "Discrete", "n": 5}' })),
    expected: fails(
      DatasetError,
      /observation_space describes \(\) per step, but the data's "observations" hold \(2,\) per step/,
    ),
  },
  {
    id: '7-minari-malformed-space',
    issueClass: 7,
    run: async (dir) =>
      loadMinari(await minariWith(dir, { observation_space: '{"type": "Box", "shape": "two", "low": 0, "high": 1}' })),
    expected: fails(
      DatasetError,
      /metadata observation_space describes a malformed Box space: shape "two" is not a list of integers/,
    ),
  },
  {
    id: '7-valid-minari-unmapped-tuple-space',
    issueClass: 7,
    run: async (dir) => {
      const { info } = await loadMinari(
        await minariWith(dir, { observation_space: '{"type": "Tuple", "subspaces": []}' }),
      );
      if (info.observationSpace !== undefined || info.transitions !== 7) throw new Error('wrong info');
    },
    expected: LOADS,
  },
  {
    id: '7-valid-minari',
    issueClass: 7,
    run: async (dir) => {
      const { info } = await loadMinari(await writeValidMinari(dir));
      if (info.observationDim !== 2 || info.actionDim !== 1) throw new Error('wrong dims');
    },
    expected: LOADS,
  },
  spec(
    'hold-longer-than-episode',
    (s) => (s.tasks[0].params['holdSteps'] = 60),
    /tasks\[0\] \(north\): no policy can succeed at this task within episodeSteps 50: .* earliest success is step 6\d/,
  ),
  spec(
    'far-goal-short-episode',
    (s) => {
      s.episodeSteps = 10;
      s.tasks[0].params['distance'] = 1;
      s.tasks[0].params['holdSteps'] = 8;
    },
    /tasks\[0\] \(north\): no policy can succeed at this task within episodeSteps 10: reaching the goal \(distance 1, tolerance 0.1\) takes at least 4 step\(s\)/,
  ),
  spec(
    'hold-equal-to-episode',
    (s) => {
      s.episodeSteps = 10;
      s.tasks[2].params['holdSteps'] = 10;
    },
    /tasks\[2\] \(thirty\): no policy can succeed/,
  ),
  spec(
    'valid-near-goal-short-episode',
    (s) => {
      s.episodeSteps = 10;
      for (const t of s.tasks) t.params['distance'] = 0.4;
    },
    null,
  ),
  {
    id: '7-valid-builtin-suite-round-trip',
    issueClass: 7,
    run: () => {
      const s = parseSuiteSpec(suiteSpecToJson(builtinSuiteSpec('pointmass-reach')));
      if (s.tasks.length !== 24) throw new Error('tasks');
    },
    expected: LOADS,
  },
  {
    id: '7-suite-spec-file-names-the-file',
    issueClass: 7,
    run: (dir) => {
      const s = validSuiteSpec() as unknown as MutableSpec;
      s.tasks[1].params['holdSteps'] = 0;
      writeFileSync(join(dir, 'mine.json'), JSON.stringify(s));
      return readSuiteSpecFile(join(dir, 'mine.json'));
    },
    expected: fails(ConfigError, /mine.json: tasks\[1\].params.holdSteps must be a positive integer, got 0/),
  },
];
