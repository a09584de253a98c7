import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError, NotFoundError } from '../../src/core/errors.js';
import { Box, Dict } from '../../src/core/spaces.js';
import { loadMinari, parsePythonJson, spaceFromMinari } from '../../src/datasets/index.js';
import { type Column, row, tempDir, writeH5 } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('llmdpd-minari-')));
afterAll(() => cleanup());

/** Observation value of episode e, step t, column c (distinct and exact in float32). */
const ov = (e: number, t: number, c: number) => e * 100 + t + c / 8;

/** Box-observation episode: T steps, obs dim 2 (float64), act dim 1, flags at the last step. */
function boxEpisode(e: number, T: number, last: { term?: number; trunc?: number }): Record<string, Column> {
  const obs = Float64Array.from({ length: (T + 1) * 2 }, (_, i) => ov(e, Math.floor(i / 2), i % 2));
  const term = new Uint8Array(T);
  const trunc = new Uint8Array(T);
  term[T - 1] = last.term ?? 0;
  trunc[T - 1] = last.trunc ?? 0;
  const p = `episode_${e}`;
  return {
    [`${p}/observations`]: { data: obs, shape: [T + 1, 2], dtype: '<d' },
    [`${p}/actions`]: { data: Float32Array.from({ length: T }, (_, t) => -t - e), shape: [T, 1], dtype: '<f' },
    [`${p}/rewards`]: { data: Float64Array.from({ length: T }, (_, t) => e + t / 2), shape: [T], dtype: '<d' },
    [`${p}/terminations`]: { data: term, shape: [T], dtype: '<B' },
    [`${p}/truncations`]: { data: trunc, shape: [T], dtype: '<B' },
  };
}

const BOX_SPACE =
  '{"type": "Box", "dtype": "float64", "shape": [2], "low": [-Infinity, -1.0], "high": [Infinity, 1.0]}';
const ACT_SPACE = '{"type": "Box", "dtype": "float32", "shape": [1], "low": [-1.0], "high": [1.0]}';

/** metadata.json as Python writes it: the space strings carry bare Infinity inside JSON strings. */
function metadataJson(extra: Record<string, unknown> = {}, observationSpace = BOX_SPACE): string {
  return JSON.stringify({
    dataset_id: 'mujoco/test/box-v0',
    total_episodes: 2,
    total_steps: 5,
    data_format: 'hdf5',
    observation_space: observationSpace,
    action_space: ACT_SPACE,
    env_spec: '{"id": "Hopper-v5", "max_episode_steps": 1000, "kwargs": {}}',
    minari_version: '0.5.1',
    ...extra,
  }).replace('"ref_min_score":"-Infinity"', '"ref_min_score": -Infinity');
}

/** Writes a dataset folder `<root>/<id>/data/{main_data.hdf5, metadata.json}` and returns the dataset folder. */
async function minariFolder(
  root: string,
  id: string,
  columns: Record<string, Column>,
  metadata: string | null = metadataJson(),
): Promise<string> {
  const data = join(root, id, 'data');
  mkdirSync(data, { recursive: true });
  await writeH5(join(data, 'main_data.hdf5'), columns);
  if (metadata !== null) writeFileSync(join(data, 'metadata.json'), metadata);
  return join(root, id);
}

/** Two Box episodes named out of numeric order (episode_10 sorts after episode_2). */
function boxColumns(): Record<string, Column> {
  return { ...boxEpisode(10, 2, { trunc: 1 }), ...boxEpisode(2, 3, { term: 1 }) };
}

describe('loadMinari: Box observations', () => {
  test("T + 1 observations give T transitions with s' = obs[t + 1]; terminations and truncations end episodes", async () => {
    const path = await minariFolder(
      join(dir, 'a'),
      'mujoco/test/box-v0',
      boxColumns(),
      metadataJson({ ref_min_score: -12.5, ref_max_score: 3000 }),
    );
    const { buffer, info } = await loadMinari(path);
    const c = buffer.toArrays();
    expect(info.transitions).toBe(5);
    expect(info.episodes).toBe(2);
    expect([info.observationDim, info.actionDim]).toEqual([2, 1]);
    // episode_2 (3 steps, terminated) first, then episode_10 (2 steps, truncated).
    const steps: [number, number][] = [
      [2, 0],
      [2, 1],
      [2, 2],
      [10, 0],
      [10, 1],
    ];
    steps.forEach(([e, t], j) => {
      expect(row(c.observations, j, 2)).toEqual([ov(e, t, 0), ov(e, t, 1)]);
      expect(row(c.nextObservations, j, 2)).toEqual([ov(e, t + 1, 0), ov(e, t + 1, 1)]);
      expect(c.actions[j]).toBe(-t - e);
      expect(c.rewards[j]).toBe(e + t / 2);
    });
    expect(Array.from(c.terminals)).toEqual([0, 0, 1, 0, 0]);
    expect(Array.from(c.timeouts)).toEqual([0, 0, 0, 0, 1]);
    expect(Array.from(c.episodeEnds)).toEqual([0, 0, 1, 0, 1]);
    expect(info.datasetId).toBe('mujoco/test/box-v0');
    expect(info.envId).toBe('Hopper-v5');
    expect([info.refMinScore, info.refMaxScore]).toEqual([-12.5, 3000]);
    expect(info.metadataSource).toBe('metadata.json');
    expect(info.observationLayout).toEqual([{ key: '', shape: [2], offset: 0, size: 2, dtype: 'float64' }]);
    const space = info.observationSpace as Box<'float64'>;
    expect(space).toBeInstanceOf(Box);
    expect(Array.from(space.low)).toEqual([-Infinity, -1]);
    expect(Array.from(space.high)).toEqual([Infinity, 1]);
    expect(space.dtype).toBe('float64');
    expect((info.metadata['env_spec'] as { max_episode_steps: number }).max_episode_steps).toBe(1000);
  });

  test('a bare -Infinity in metadata.json itself parses too; the data/ folder is accepted as the path', async () => {
    const text = metadataJson({ ref_min_score: '-Infinity' });
    expect(text).toContain('"ref_min_score": -Infinity');
    const path = await minariFolder(join(dir, 'b'), 'x', boxColumns(), text);
    const { info } = await loadMinari(join(path, 'data'));
    expect(info.refMinScore).toBe(-Infinity);
    expect(info.datasetId).toBe('mujoco/test/box-v0');
  });

  test('old Minari (< 0.5): metadata from the HDF5 root attributes', async () => {
    const data = join(dir, 'old', 'ds', 'data');
    mkdirSync(data, { recursive: true });
    await writeH5(join(data, 'main_data.hdf5'), boxColumns(), {
      observation_space: BOX_SPACE,
      action_space: ACT_SPACE,
      dataset_id: 'old-v0',
      total_steps: 5,
    });
    const { info, buffer } = await loadMinari(join(dir, 'old', 'ds'));
    expect(info.metadataSource).toBe('hdf5-attributes');
    expect(info.datasetId).toBe('old-v0');
    expect(info.observationSpace).toBeInstanceOf(Box);
    expect(buffer.size).toBe(5);
  });
});

describe('loadMinari: Dict observations', () => {
  test('flattened in sorted-key order (nested keys included), with the layout returned', async () => {
    const cols: Record<string, Column> = {};
    for (const [e, T] of [
      [0, 2],
      [1, 3],
    ] as const) {
      const p = `episode_${e}`;
      const leaf = (dim: number, base: number) =>
        Float32Array.from({ length: (T + 1) * dim }, (_, i) => base + e * 100 + Math.floor(i / dim) + (i % dim) / 8);
      cols[`${p}/observations/velocity`] = { data: leaf(2, 1000), shape: [T + 1, 2], dtype: '<f' };
      cols[`${p}/observations/position`] = { data: leaf(3, 2000), shape: [T + 1, 3], dtype: '<f' };
      cols[`${p}/observations/goal/xy`] = { data: leaf(2, 3000), shape: [T + 1, 2], dtype: '<f' };
      cols[`${p}/observations/goal/angle`] = { data: leaf(1, 4000), shape: [T + 1], dtype: '<f' };
      cols[`${p}/actions`] = { data: new Float32Array(T * 2), shape: [T, 2], dtype: '<f' };
      cols[`${p}/rewards`] = { data: new Float32Array(T), shape: [T], dtype: '<f' };
      cols[`${p}/terminations`] = { data: new Uint8Array(T), shape: [T], dtype: '<B' };
      cols[`${p}/truncations`] = {
        data: Uint8Array.from({ length: T }, (_, t) => (t === T - 1 ? 1 : 0)),
        shape: [T],
        dtype: '<B',
      };
    }
    const dictSpace =
      '{"type": "Dict", "subspaces": {"velocity": {"type": "Box", "dtype": "float32", "shape": [2], "low": [-Infinity, -Infinity], "high": [Infinity, Infinity]}, ' +
      '"position": {"type": "Box", "dtype": "float32", "shape": [3], "low": -Infinity, "high": Infinity}, ' +
      '"goal": {"type": "Dict", "subspaces": {"xy": {"type": "Box", "dtype": "float32", "shape": [2], "low": [0, 0], "high": [1, 1]}, "angle": {"type": "Box", "dtype": "float32", "shape": [], "low": -3.14, "high": 3.14}}}}}';
    const actionSpace = '{"type": "Box", "dtype": "float32", "shape": [2], "low": -1.0, "high": 1.0}';
    const path = await minariFolder(
      join(dir, 'dict'),
      'd',
      cols,
      metadataJson({}, dictSpace).replace(JSON.stringify(ACT_SPACE), JSON.stringify(actionSpace)),
    );
    const { buffer, info } = await loadMinari(path);
    expect(info.observationLayout.map((l) => [l.key, l.offset, l.size, l.shape])).toEqual([
      ['goal/angle', 0, 1, []],
      ['goal/xy', 1, 2, [2]],
      ['position', 3, 3, [3]],
      ['velocity', 6, 2, [2]],
    ]);
    expect(info.observationDim).toBe(8);
    expect(info.observationSpace).toBeInstanceOf(Dict);
    expect(Object.keys((info.observationSpace as Dict).spaces)).toEqual(['goal', 'position', 'velocity']);
    const c = buffer.toArrays();
    expect(buffer.size).toBe(5);
    // Transition 3 is episode 1, step 1: s from row 1, s' from row 2.
    expect(row(c.observations, 3, 8)).toEqual([4101, 3101, 3101.125, 2101, 2101.125, 2101.25, 1101, 1101.125]);
    expect(row(c.nextObservations, 3, 8)).toEqual([4102, 3102, 3102.125, 2102, 2102.125, 2102.25, 1102, 1102.125]);
    expect(Array.from(c.timeouts)).toEqual([0, 1, 0, 0, 1]);
  });
});

describe('loadMinari: finding datasets', () => {
  const saved = { minari: process.env['MINARI_DATASETS_PATH'], home: process.env['HOME'] };
  afterEach(() => {
    for (const [k, v] of [
      ['MINARI_DATASETS_PATH', saved.minari],
      ['HOME', saved.home],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  test('by id under MINARI_DATASETS_PATH, under options.root, and under ~/.minari/datasets', async () => {
    const envRoot = join(dir, 'env-root');
    await minariFolder(envRoot, 'mujoco/test/box-v0', boxColumns());
    process.env['MINARI_DATASETS_PATH'] = envRoot;
    expect((await loadMinari('mujoco/test/box-v0')).info.path).toBe(join(envRoot, 'mujoco/test/box-v0'));

    const other = join(dir, 'other-root');
    await minariFolder(other, 'mujoco/test/box-v0', boxColumns());
    expect((await loadMinari('mujoco/test/box-v0', { root: other })).info.path).toBe(join(other, 'mujoco/test/box-v0'));

    delete process.env['MINARI_DATASETS_PATH'];
    const home = join(dir, 'home');
    await minariFolder(join(home, '.minari', 'datasets'), 'mujoco/test/box-v0', boxColumns());
    process.env['HOME'] = home;
    expect((await loadMinari('mujoco/test/box-v0')).info.path).toBe(join(home, '.minari/datasets/mujoco/test/box-v0'));
  });

  test('an unknown id names where it looked and suggests close ids', async () => {
    const root = join(dir, 'suggest-root');
    await minariFolder(root, 'mujoco/test/box-v0', boxColumns());
    process.env['MINARI_DATASETS_PATH'] = root;
    const err = await loadMinari('mujoco/test/box-v1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toMatch(
      /no Minari dataset "mujoco\/test\/box-v1".*from MINARI_DATASETS_PATH.*Did you mean "mujoco\/test\/box-v0"/,
    );
  });
});

describe('loadMinari: bad datasets raise DatasetError naming the key', () => {
  // Every row has four entries: jest passes a done callback when a row is shorter than the function's parameter list.
  const cases: [string, (c: Record<string, Column>) => void, RegExp, string | null][] = [
    [
      'observations with T rows instead of T + 1',
      (c) => (c['episode_2/observations'] = { data: new Float64Array(6), shape: [3, 2], dtype: '<d' }),
      /"episode_2\/observations" has 3 rows; expected total_steps \+ 1 = 4/,
      null,
    ],
    [
      'termination before the last step',
      (c) => (c['episode_2/terminations'] = { data: new Uint8Array([0, 1, 1]), shape: [3], dtype: '<B' }),
      /"episode_2\/terminations" is true at step 1 but the episode continues to step 2/,
      null,
    ],
    [
      'NaN observation',
      (c) => {
        const o = Float64Array.from({ length: 6 }, (_, i) => i);
        o[3] = NaN;
        c['episode_10/observations'] = { data: o, shape: [3, 2], dtype: '<d' };
      },
      /episode_10\/observations row 1, column 1 is NaN/,
      null,
    ],
    ['missing rewards', (c) => delete c['episode_10/rewards'], /the file has no "episode_10\/rewards"/, null],
    [
      'flag 3',
      (c) => (c['episode_10/truncations'] = { data: new Uint8Array([0, 3]), shape: [2], dtype: '<B' }),
      /episode_10\/truncations row 1 is 3; flags must be 0 or 1/,
      null,
    ],
    [
      'arrow format',
      () => undefined,
      /data_format is "arrow"; this reader supports "hdf5" only/,
      metadataJson({ data_format: 'arrow' }),
    ],
    ['broken metadata.json', () => undefined, /metadata.json is not valid JSON/, '{"dataset_id": '],
    [
      'episodes with different layouts',
      (c) => (c['episode_10/observations'] = { data: new Float64Array(9), shape: [3, 3], dtype: '<d' }),
      /episode_10\/observations has layout \(box\)\[3\] but the first episode has \(box\)\[2\]/,
      null,
    ],
  ];
  let n = 0;
  test.each(cases)('%s', async (_name, mutate, message, metadata) => {
    const cols = boxColumns();
    mutate(cols);
    const path = await minariFolder(join(dir, 'bad'), `case${n++}`, cols, metadata ?? metadataJson());
    const err = await loadMinari(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(message);
  });

  test('a file without episodes, and a main_data.hdf5 that is not HDF5', async () => {
    const path = await minariFolder(join(dir, 'bad'), 'empty', { other: { data: new Float32Array(1), dtype: '<f' } });
    await expect(loadMinari(path)).rejects.toThrow(/has no episode_<n> groups \(keys: other\)/);
    const data = join(dir, 'bad', 'text', 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'main_data.hdf5'), 'version https://git-lfs.github.com/spec/v1\n');
    await expect(loadMinari(join(dir, 'bad', 'text'))).rejects.toThrow(
      /main_data.hdf5 is not an HDF5 file: it has no HDF5 signature/,
    );
  });
});

describe('parsePythonJson and spaceFromMinari', () => {
  test('bare Infinity, -Infinity and NaN become numbers; the same words inside strings stay text', () => {
    const v = parsePythonJson(
      '{"a": [Infinity, -Infinity, NaN, 1e3], "s": "Infinity and \\"NaN\\"", "n": {"x": -Infinity}}',
      'test',
    ) as Record<string, unknown>;
    expect(v['a']).toEqual([Infinity, -Infinity, NaN, 1000]);
    expect(v['s']).toBe('Infinity and "NaN"');
    expect(v['n']).toEqual({ x: -Infinity });
    expect((): unknown => JSON.parse('[Infinity]')).toThrow();
    expect(() => parsePythonJson('[Infinity,', 'the thing')).toThrow(/the thing is not valid JSON/);
  });

  test('spaces: scalar bounds broadcast, integer boxes become int32, unsupported types give undefined, malformed ones throw', () => {
    const box = spaceFromMinari(
      parsePythonJson(
        '{"type": "Box", "dtype": "float32", "shape": [2, 2], "low": -Infinity, "high": [[1, 2], [3, 4]]}',
        't',
      ),
      'obs',
    ) as Box;
    expect(box.shape).toEqual([2, 2]);
    expect(Array.from(box.high)).toEqual([1, 2, 3, 4]);
    expect(
      (spaceFromMinari({ type: 'Box', dtype: 'uint8', shape: [1], low: [0], high: [255] }, 'obs') as Box).dtype,
    ).toBe('int32');
    expect(spaceFromMinari({ type: 'Discrete', n: 4, start: 0 }, 'act')?.type).toBe('discrete');
    expect(spaceFromMinari({ type: 'Tuple', subspaces: [] }, 'obs')).toBeUndefined();
    expect(() =>
      spaceFromMinari(
        { type: 'Box', dtype: 'float32', shape: [2], low: [0, 0], high: [1] },
        'metadata observation_space',
      ),
    ).toThrow(/metadata observation_space describes a malformed Box space: Box high has 1 elements/);
  });
});
