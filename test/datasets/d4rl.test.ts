import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReplayBuffer } from '../../src/buffers/index.js';
import { ConfigError, DatasetError, NotFoundError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { loadD4rl, writeD4rl } from '../../src/datasets/index.js';
import { type H5Dataset, columnInfo, flagCheck, loadH5, openHdf5, readRows } from '../../src/datasets/hdf5.js';
import { type Column, d4rlColumns, row, rows, tempDir, writeH5 } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

let counter = 0;
/** Writes `columns` to a fresh file and returns its path. */
async function file(columns: Record<string, Column>, name = `f${counter++}.hdf5`): Promise<string> {
  const path = join(dir, name);
  await writeH5(path, columns);
  return path;
}

/**
 * D4RL's qlearning_dataset loop (d4rl/__init__.py), transliterated: returns the kept row
 * indices and their done flags. The loader must agree with it on any flags.
 */
function referenceQlearning(
  terminals: ArrayLike<number>,
  timeouts: ArrayLike<number> | null,
  maxSteps: number,
  terminateOnEnd: boolean,
): { kept: number[]; done: number[] } {
  const kept: number[] = [];
  const done: number[] = [];
  let episodeStep = 0;
  const n = terminals.length;
  for (let i = 0; i < n - 1; i++) {
    const doneBool = terminals[i] === 1;
    const finalTimestep = timeouts !== null ? timeouts[i] === 1 : episodeStep === maxSteps - 1;
    if (!terminateOnEnd && finalTimestep) {
      episodeStep = 0;
      continue;
    }
    if (doneBool || finalTimestep) episodeStep = 0;
    kept.push(i);
    done.push(doneBool ? 1 : 0);
    episodeStep += 1;
  }
  return { kept, done };
}

describe('loadD4rl: qlearning_dataset semantics (timeouts "drop")', () => {
  test('terminal kept with s[t+1], timeout row and last row dropped, episode ends where the data is cut', async () => {
    const path = await file(d4rlColumns(10, { terminals: [3], timeouts: [6] }));
    const { buffer, info } = await loadD4rl(path);
    const c = buffer.toArrays();
    expect(info.rows).toBe(10);
    expect(info.transitions).toBe(8);
    expect(info.droppedRows).toBe(2);
    expect(Array.from(c.rewards)).toEqual([0, 10, 20, 30, 40, 50, 70, 80]);
    expect(Array.from(c.terminals)).toEqual([0, 0, 0, 1, 0, 0, 0, 0]);
    expect(Array.from(c.timeouts)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(c.episodeEnds)).toEqual([0, 0, 0, 1, 0, 1, 0, 1]);
    const obs = rows(10, 3);
    const act = rows(10, 2, 0.5);
    const keptRows = [0, 1, 2, 3, 4, 5, 7, 8];
    keptRows.forEach((t, j) => {
      expect(row(c.observations, j, 3)).toEqual(row(obs, t, 3));
      // s' = s[t+1] from observations, never next_observations (which the file also has, + 1000).
      expect(row(c.nextObservations, j, 3)).toEqual(row(obs, t + 1, 3));
      expect(row(c.actions, j, 2)).toEqual(row(act, t, 2));
    });
    expect([...buffer.episodes()].map((e) => [e.start, e.length, e.terminated, e.truncated])).toEqual([
      [0, 4, true, false],
      [4, 2, false, true],
      [6, 2, false, true],
    ]);
    expect(info.present).toEqual({
      nextObservations: true,
      timeouts: true,
      qpos: false,
      qvel: false,
      explicitEnds: false,
      taskIndices: false,
    });
    expect(info.timeoutsFrom).toBe('file');
    expect(info.dtypes).toEqual({
      observations: 'float32',
      actions: 'float32',
      rewards: 'float32',
      terminals: 'uint8',
      timeouts: 'uint8',
    });
    // Bytes of what was read (next_observations is ignored in this mode): 10 * (3 + 2 + 1) * 4 + 10 + 10.
    expect(info.rawBytes).toBe(260);
  });

  test('a row that is both terminal and timeout is dropped, and so is a terminal last row (as D4RL does)', async () => {
    const path = await file(d4rlColumns(6, { terminals: [2, 5], timeouts: [2] }));
    const { buffer } = await loadD4rl(path);
    const c = buffer.toArrays();
    expect(Array.from(c.rewards)).toEqual([0, 10, 30, 40]);
    expect(Array.from(c.terminals)).toEqual([0, 0, 0, 0]);
    expect(Array.from(c.episodeEnds)).toEqual([0, 1, 0, 1]);
  });

  test('matches the transliterated D4RL loop on random flags, with and without a timeouts key', async () => {
    const rng = new Rng(7);
    for (const withTimeouts of [true, false]) {
      const n = 400;
      const terms: number[] = [];
      const touts: number[] = [];
      for (let i = 0; i < n; i++) {
        if (rng.float() < 0.03) terms.push(i);
        if (rng.float() < 0.04) touts.push(i);
      }
      const cols = d4rlColumns(n, { terminals: terms, timeouts: touts });
      if (!withTimeouts) delete cols['timeouts'];
      const path = await file(cols);
      const maxEpisodeSteps = 9;
      const { buffer, info } = await loadD4rl(path, { maxEpisodeSteps });
      const terminals = cols['terminals'].data as Uint8Array;
      const timeouts = withTimeouts ? (cols['timeouts'].data as Uint8Array) : null;
      const ref = referenceQlearning(terminals, timeouts, maxEpisodeSteps, false);
      const c = buffer.toArrays();
      expect(info.timeoutsFrom).toBe(withTimeouts ? 'file' : 'episode-step-counter');
      expect(Array.from(c.rewards)).toEqual(ref.kept.map((t) => t * 10));
      expect(Array.from(c.terminals)).toEqual(ref.done);
      const obs = rows(n, 3);
      ref.kept.forEach((t, j) => expect(row(c.nextObservations, j, 3)).toEqual(row(obs, t + 1, 3)));
      // Without a timeouts key the counter must have dropped something (the test would be empty otherwise).
      expect(ref.kept.length).toBeLessThan(n - 1);
    }
  });

  test('the step counter restarts at 1 after a terminal, as D4RL counts', async () => {
    const cols = d4rlColumns(12, { terminals: [5] });
    delete cols['timeouts'];
    const { buffer } = await loadD4rl(await file(cols), { maxEpisodeSteps: 4 });
    // Rows 3 (4th step) is final; then 4, 5 (terminal: counter -> 0 then 1), 6, 7 are steps 1..3 and 8 is final; 11 is
    // last.
    expect(Array.from(buffer.toArrays().rewards)).toEqual([0, 10, 20, 40, 50, 60, 70, 90, 100]);
  });

  test('infos/qpos and infos/qvel stay aligned with the kept transitions, in their own precision', async () => {
    const cols = d4rlColumns(8, { timeouts: [2] });
    const qpos = Float64Array.from({ length: 8 * 4 }, (_, i) => i + 0.123456789);
    cols['infos/qpos'] = { data: qpos, shape: [8, 4], dtype: '<d' };
    cols['infos/qvel'] = { data: rows(8, 2, 0.25), shape: [8, 2], dtype: '<f' };
    const ds = await loadD4rl(await file(cols));
    expect(ds.qposDim).toBe(4);
    expect(ds.qvelDim).toBe(2);
    expect(ds.qpos).toBeInstanceOf(Float64Array);
    expect(ds.qvel).toBeInstanceOf(Float32Array);
    expect(ds.qpos!.length).toBe(6 * 4);
    const kept = [0, 1, 3, 4, 5, 6];
    kept.forEach((t, j) => {
      expect(row(ds.qpos!, j, 4)).toEqual(row(qpos, t, 4));
      expect(row(ds.qvel!, j, 2)).toEqual(row(rows(8, 2, 0.25), t, 2));
    });
    expect(ds.info.present.qpos && ds.info.present.qvel).toBe(true);
    const skipped = await loadD4rl(await file(cols), { infos: false });
    expect(skipped.qpos).toBeUndefined();
    expect(skipped.qposDim).toBe(0);
  });

  test('float64 columns, (N, 1) rewards and h5py-style int8 flags are accepted', async () => {
    const n = 5;
    const path = await file({
      observations: { data: Float64Array.from(rows(n, 3)), shape: [n, 3], dtype: '<d' },
      actions: { data: rows(n, 2), shape: [n, 2], dtype: '<f' },
      rewards: { data: new Float64Array([1, 2, 3, 4, 5]), shape: [n, 1], dtype: '<d' },
      terminals: { data: new Int8Array([0, 1, 0, 0, 0]), shape: [n, 1], dtype: '<b' },
    });
    const { buffer, info } = await loadD4rl(path);
    expect(Array.from(buffer.toArrays().rewards)).toEqual([1, 2, 3, 4]);
    expect(Array.from(buffer.toArrays().terminals)).toEqual([0, 1, 0, 0]);
    expect(info.dtypes['observations']).toBe('float64');
    expect(info.present.timeouts).toBe(false);
  });

  test("h5py's bool enum (read from h5wasm's own h5py-written fixture) is a flag column", async () => {
    const lib = await loadH5();
    const fixture = join(process.cwd(), 'node_modules/h5wasm/test/array.h5');
    const { file: f } = openHdf5(lib, fixture, 'test');
    try {
      const info = columnInfo(lib, f, 'bool')!;
      expect([info.kind, info.dtype]).toEqual(['bool', 'bool']);
      const out = new Uint8Array(4);
      readRows(lib, f, 'bool', 0, 2, out, 0, 'test', flagCheck('test', 'bool'));
      expect(Array.from(out)).toEqual([0, 1, 1, 0]);
    } finally {
      f.close();
    }
  });
});

describe('loadD4rl: time-outs kept as truncations (timeouts "keep")', () => {
  test("every row is kept with s' from next_observations; time-outs flagged; terminal wins over timeout", async () => {
    const path = await file(d4rlColumns(8, { terminals: [2, 5], timeouts: [4, 5] }));
    const { buffer, info } = await loadD4rl(path, { timeouts: 'keep' });
    const c = buffer.toArrays();
    expect(info.transitions).toBe(8);
    expect(Array.from(c.terminals)).toEqual([0, 0, 1, 0, 0, 1, 0, 0]);
    expect(Array.from(c.timeouts)).toEqual([0, 0, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(c.episodeEnds)).toEqual([0, 0, 1, 0, 1, 1, 0, 1]);
    expect(row(c.nextObservations, 4, 3)).toEqual(row(rows(8, 3, 1000), 4, 3));
    expect(info.dtypes['next_observations']).toBe('float32');
    expect([...buffer.episodes()].map((e) => [e.length, e.terminated, e.truncated])).toEqual([
      [3, true, false],
      [2, false, true],
      [1, true, false],
      [2, false, true],
    ]);
  });

  test('without next_observations it refuses, naming the key and the fix', async () => {
    const cols = d4rlColumns(5);
    delete cols['next_observations'];
    await expect(loadD4rl(await file(cols), { timeouts: 'keep' })).rejects.toThrow(
      /timeouts 'keep' needs "next_observations".*Fix: load with timeouts 'drop'/,
    );
  });
});

describe('writeD4rl', () => {
  /** A buffer with terminals, a timeout, an explicit end, two tasks and a closed last episode. */
  function sampleBuffer(): ReplayBuffer {
    const b = new ReplayBuffer({ observationDim: 3, actionDim: 2 });
    const rng = new Rng(3);
    const vec = (d: number) => Float32Array.from({ length: d }, () => rng.normal());
    const plan: [number, number, boolean, number][] = [
      // [terminal, timeout, explicit end, task]
      [0, 0, false, 0],
      [1, 0, false, 0],
      [0, 0, false, 1],
      [0, 1, false, 1],
      [0, 0, false, 0],
      [0, 0, true, 0],
      [1, 1, false, 2],
      [0, 0, false, 2],
      [0, 0, true, 2],
    ];
    for (const [terminal, timeout, end, task] of plan) {
      b.add({
        observation: vec(3),
        action: vec(2),
        reward: rng.normal(),
        nextObservation: vec(3),
        terminal,
        timeout,
        taskIndex: task,
        episodeEnd: end,
      });
    }
    return b;
  }

  test('round-trips exactly through loadD4rl with timeouts "keep" (plain and gzip)', async () => {
    const b = sampleBuffer();
    for (const compression of ['none', 'gzip'] as const) {
      const path = await writeD4rl(join(dir, `rt-${compression}.hdf5`), b, {
        compression,
        datasetId: 'hopper-medium-replay-v2',
        metadata: { algorithm: 'SAC', iteration: 12 },
      });
      const { buffer, info } = await loadD4rl(path, { timeouts: 'keep' });
      expect(buffer.toArrays()).toEqual(b.toArrays());
      expect(info.datasetId).toBe('hopper-medium-replay-v2');
      expect(info.envId).toBe('Hopper-v4');
      expect(info.metadata).toEqual({ algorithm: 'SAC', iteration: 12, dataset_id: 'hopper-medium-replay-v2' });
      expect(info.present.explicitEnds && info.present.taskIndices).toBe(true);
      expect(info.dtypes['terminals']).toBe('uint8');
    }
  });

  test('writes D4RL dtypes, and timeouts mark every non-terminal episode end for D4RL readers', async () => {
    const path = await writeD4rl(join(dir, 'layout.hdf5'), sampleBuffer());
    const lib = await loadH5();
    const { file: f } = openHdf5(lib, path, 'test');
    try {
      const dt = (k: string) => columnInfo(lib, f, k)?.dtype;
      expect(
        [
          'observations',
          'actions',
          'rewards',
          'next_observations',
          'terminals',
          'timeouts',
          'explicit_ends',
          'task_indices',
        ].map(dt),
      ).toEqual(['float32', 'float32', 'float32', 'float32', 'uint8', 'uint8', 'uint8', 'int32']);
      expect(columnInfo(lib, f, 'observations')!.shape).toEqual([9, 3]);
      expect(columnInfo(lib, f, 'rewards')!.shape).toEqual([9]);
      expect(Array.from((f.get('timeouts') as H5Dataset).value as Uint8Array)).toEqual([0, 0, 0, 1, 0, 1, 0, 0, 1]);
      expect(Array.from((f.get('explicit_ends') as H5Dataset).value as Uint8Array)).toEqual([
        0, 0, 0, 0, 0, 1, 0, 0, 1,
      ]);
    } finally {
      f.close();
    }
  });

  test('a derived (qlearning) buffer written and loaded with "drop" gives the same transitions minus the cut rows', async () => {
    const src = await loadD4rl(await file(d4rlColumns(10, { terminals: [3], timeouts: [6] })));
    const path = await writeD4rl(join(dir, 'derived.hdf5'), src.buffer);
    const keep = await loadD4rl(path, { timeouts: 'keep' });
    expect(keep.buffer.toArrays()).toEqual(src.buffer.toArrays());
    // Under "drop", the rows before each cut are final timesteps now, as D4RL would read the file.
    const drop = await loadD4rl(path);
    expect(Array.from(drop.buffer.toArrays().rewards)).toEqual([0, 10, 20, 30, 40, 70]);
  });

  test('infos are written per row and read back aligned', async () => {
    const b = sampleBuffer();
    const qpos = Float64Array.from({ length: 9 * 5 }, (_, i) => i / 7);
    const qvel = Float32Array.from({ length: 9 * 4 }, (_, i) => -i);
    const path = await writeD4rl(join(dir, 'infos.hdf5'), b, { infos: { qpos, qvel } });
    const ds = await loadD4rl(path, { timeouts: 'keep' });
    expect(ds.qpos).toEqual(qpos);
    expect(ds.qvel).toEqual(qvel);
    expect([ds.qposDim, ds.qvelDim]).toEqual([5, 4]);
    await expect(writeD4rl(join(dir, 'bad-infos.hdf5'), b, { infos: { qpos: new Float64Array(10) } })).rejects.toThrow(
      /infos.qpos has 10 values, not a positive multiple of the 9 transitions/,
    );
  });

  test('atomic: a failed write leaves the old file and no temporary file; overwrite false refuses', async () => {
    const sub = join(dir, 'atomic');
    const path = await writeD4rl(join(sub, 'a.hdf5'), sampleBuffer());
    const before = readFileSync(path);
    // A metadata key with a slash names a missing group: HDF5 fails in the middle of the write.
    await expect(writeD4rl(path, sampleBuffer(), { metadata: { 'no/such': 1 } })).rejects.toThrow();
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(sub)).toEqual(['a.hdf5']);
    await expect(writeD4rl(path, sampleBuffer(), { overwrite: false })).rejects.toThrow(ConfigError);
    await expect(
      writeD4rl(join(sub, 'empty.hdf5'), new ReplayBuffer({ observationDim: 1, actionDim: 1 })),
    ).rejects.toThrow(/buffer is empty/);
    expect(existsSync(join(sub, 'empty.hdf5'))).toBe(false);
  });
});

describe('loadD4rl: bad files raise DatasetError naming the key and the problem', () => {
  const cases: [string, (c: Record<string, Column>) => void, RegExp][] = [
    [
      'missing observations',
      (c) => delete c['observations'],
      /has no "observations" \(datasets: actions, next_observations, rewards, terminals, timeouts\).*need observations, actions, rewards, terminals/,
    ],
    ['missing actions', (c) => delete c['actions'], /has no "actions"/],
    ['missing rewards', (c) => delete c['rewards'], /has no "rewards"/],
    ['missing terminals', (c) => delete c['terminals'], /has no "terminals"/],
    [
      'short actions',
      (c) => (c['actions'] = { data: rows(5, 2), shape: [5, 2], dtype: '<f' }),
      /"actions" has 5 rows but "observations" has 6/,
    ],
    [
      'long timeouts',
      (c) => (c['timeouts'] = { data: new Uint8Array(7), shape: [7], dtype: '<B' }),
      /"timeouts" has 7 rows but "observations" has 6/,
    ],
    [
      'integer observations',
      (c) => (c['observations'] = { data: new Int32Array(18), shape: [6, 3], dtype: '<i' }),
      /"observations" has dtype int32; expected float32/,
    ],
    [
      'string rewards',
      (c) => (c['rewards'] = { data: ['a', 'b', 'c', 'd', 'e', 'f'], dtype: 'S' }),
      /"rewards" has dtype string; expected float32/,
    ],
    [
      'string terminals',
      (c) => (c['terminals'] = { data: ['0', '0', '0', '0', '0', '1'], dtype: 'S' }),
      /"terminals" has dtype string; expected bool, an integer type or float 0\/1/,
    ],
    [
      '1-D observations',
      (c) => (c['observations'] = { data: rows(6, 1), shape: [6], dtype: '<f' }),
      /"observations" has shape \(6\); expected \(N, dim\)/,
    ],
    [
      'next_observations width',
      (c) => (c['next_observations'] = { data: rows(6, 4), shape: [6, 4], dtype: '<f' }),
      /"next_observations" rows have 4 values but "observations" rows have 3/,
    ],
    [
      'NaN observation',
      (c) => {
        const o = rows(6, 3);
        o[4 * 3 + 1] = NaN;
        c['observations'] = { data: o, shape: [6, 3], dtype: '<f' };
      },
      /observations row 4, column 1 is NaN; every value must be finite/,
    ],
    [
      'infinite reward',
      (c) => (c['rewards'] = { data: new Float32Array([0, 1, 2, -Infinity, 4, 5]), shape: [6], dtype: '<f' }),
      /rewards row 3 is -Infinity/,
    ],
    [
      'terminal flag 2',
      (c) => (c['terminals'] = { data: new Uint8Array([0, 0, 2, 0, 0, 0]), shape: [6], dtype: '<B' }),
      /terminals row 2 is 2; flags must be 0 or 1/,
    ],
  ];
  test.each(cases)('%s', async (_name, mutate, message) => {
    const cols = d4rlColumns(6);
    mutate(cols);
    const path = await file(cols);
    const err = await loadD4rl(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(message);
  });

  test('NaN in an infos key names that key; NaN in the ignored next_observations does not matter under "drop"', async () => {
    const cols = d4rlColumns(6);
    const q = new Float64Array(12);
    q[9] = NaN;
    cols['infos/qpos'] = { data: q, shape: [6, 2], dtype: '<d' };
    await expect(loadD4rl(await file(cols))).rejects.toThrow(/infos\/qpos row 4, column 1 is NaN/);
    const c2 = d4rlColumns(6);
    const nx = rows(6, 3);
    nx[0] = NaN;
    c2['next_observations'] = { data: nx, shape: [6, 3], dtype: '<f' };
    const p2 = await file(c2);
    await expect(loadD4rl(p2)).resolves.toBeDefined();
    await expect(loadD4rl(p2, { timeouts: 'keep' })).rejects.toThrow(/next_observations row 0, column 0 is NaN/);
  });

  test('a group where a dataset should be', async () => {
    const cols = d4rlColumns(4);
    delete cols['rewards'];
    cols['rewards/inner'] = { data: new Float32Array(4), dtype: '<f' };
    await expect(loadD4rl(await file(cols))).rejects.toThrow(/has a group, not a dataset, at "rewards"/);
  });

  test('truncated file', async () => {
    const path = await file(d4rlColumns(200));
    const bytes = readFileSync(path);
    const cut = join(dir, 'cut.hdf5');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const err = await loadD4rl(cut).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `cut.hdf5 is truncated: it has ${Math.floor(bytes.length * 0.6)} bytes but its HDF5 superblock says ${bytes.length}`,
      ),
    );
  });

  test('not HDF5 at all, empty, missing, a directory', async () => {
    const html = join(dir, 'page.hdf5');
    writeFileSync(html, '<!DOCTYPE html><html>Not Found</html>');
    await expect(loadD4rl(html)).rejects.toThrow(
      /page.hdf5 is not an HDF5 file: it has no HDF5 signature \(37 bytes; it starts with "<!DOCTYPE html><"\)/,
    );
    const empty = join(dir, 'empty.hdf5');
    writeFileSync(empty, '');
    await expect(loadD4rl(empty)).rejects.toThrow(/not an HDF5 file.*it is empty/);
    await expect(loadD4rl(join(dir, 'nope.hdf5'))).rejects.toThrow(NotFoundError);
    await expect(loadD4rl(dir)).rejects.toThrow(/the HDF5 file .* is a directory; expected a file/);
  });

  test('no transition left, bad options', async () => {
    await expect(loadD4rl(await file(d4rlColumns(1)))).rejects.toThrow(/no transition is left/);
    await expect(loadD4rl(await file(d4rlColumns(3, { timeouts: [0, 1] })))).rejects.toThrow(
      /no transition is left.*Fix: load with timeouts 'keep'/,
    );
    const p = await file(d4rlColumns(3));
    await expect(loadD4rl(p, { timeouts: 'maybe' as never })).rejects.toThrow(ConfigError);
    await expect(loadD4rl(p, { maxEpisodeSteps: 0 })).rejects.toThrow(/maxEpisodeSteps must be an integer >= 1/);
  });
});

describe('loadD4rl: dataset id', () => {
  test('from the D4RL file name, from the option, unknown otherwise', async () => {
    const a = await loadD4rl(await file(d4rlColumns(4), 'walker2d_medium_replay-v2.hdf5'));
    expect([a.info.datasetId, a.info.envId]).toEqual(['walker2d-medium-replay-v2', 'Walker2d-v4']);
    const b = await loadD4rl(await file(d4rlColumns(4), 'mine.hdf5'));
    expect([b.info.datasetId, b.info.envId]).toEqual([undefined, undefined]);
    const c = await loadD4rl(await file(d4rlColumns(4), 'mine2.hdf5'), { datasetId: 'halfcheetah-expert-v2' });
    expect(c.info.envId).toBe('HalfCheetah-v4');
  });
});
