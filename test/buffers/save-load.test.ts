/**
 * The on-disk format, exercised through ReplayBuffer.save / load: round trips, the manifest's
 * content, atomic replacement, and every corrupted-file case with its message.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatasetError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { REPLAY_BUFFER_FORMAT, REPLAY_BUFFER_FORMAT_VERSION, ReplayBuffer } from '../../src/buffers/index.js';
import { MANIFEST_FILE } from '../../src/core/column-store.js';
import { bytesOf, expectColumnsBitEqual, listDir, makeTempDir, removeDir } from './helpers.js';

/** A buffer with awkward values (-0, subnormals, large magnitudes), several episodes and tasks. */
function awkwardBuffer(seed: number, n = 50): ReplayBuffer {
  const rng = new Rng(seed);
  const b = new ReplayBuffer({ observationDim: 3, actionDim: 2 });
  const special = [-0, 1e-40, -3.4e38, 7, Number.MIN_VALUE];
  let task = 0;
  for (let t = 0; t < n; t++) {
    const v = (k: number) => (t % 11 === k ? special[t % special.length] : rng.normal());
    const terminal = t % 13 === 12;
    const timeout = t % 7 === 6;
    b.add({
      observation: [v(0), v(1), v(2)],
      action: [v(3), v(4)],
      reward: v(5),
      nextObservation: [v(6), v(7), v(8)],
      terminal,
      timeout,
      taskIndex: task,
    });
    if (terminal || timeout) task = (task + 1) % 3;
  }
  return b;
}

interface Manifest {
  format: string;
  formatVersion: number;
  library: string;
  size: number;
  dataFile: string;
  dataBytes: number;
  columns: { name: string; dtype: string; shape: number[]; byteOffset: number; byteLength: number; sha256: string }[];
  [key: string]: unknown;
}

const readManifest = (dir: string): Manifest =>
  JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
const writeManifest = (dir: string, m: Manifest): void =>
  fs.writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(m));

describe('ReplayBuffer save/load', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeDir(dir));

  test('round trip is bit-exact, including -0, subnormals and a wrapped FIFO ring', () => {
    const b = awkwardBuffer(1);
    b.save(dir);
    const loaded = ReplayBuffer.load(dir);
    expectColumnsBitEqual(loaded.toArrays(), b.toArrays());
    expect(Object.is(loaded.toArrays().observations[0], -0)).toBe(true);
    expect([...loaded.episodes()]).toEqual([...b.episodes()]);

    const ring = new ReplayBuffer({ observationDim: 3, actionDim: 2, capacity: 20 });
    ring.addBatch(awkwardBuffer(2, 47).toArrays());
    expect(ring.size).toBe(20);
    ring.save(dir);
    const back = ReplayBuffer.load(dir);
    expect(back.capacity).toBe(20);
    expectColumnsBitEqual(back.toArrays(), ring.toArrays());
    // Same sampling stream after the round trip.
    expect(back.sample(32, new Rng(9))).toEqual(ring.sample(32, new Rng(9)));
  });

  test('an empty buffer round-trips too', () => {
    new ReplayBuffer({ observationDim: 4, actionDim: 1, capacity: 8 }).save(dir);
    const back = ReplayBuffer.load(dir);
    expect([back.size, back.observationDim, back.actionDim, back.capacity]).toEqual([0, 4, 1, 8]);
  });

  test('the manifest names the format, version, library, counts, dims and each column with offset, length and sha256', () => {
    const b = awkwardBuffer(3, 10);
    b.save(dir);
    const m = readManifest(dir);
    expect(m).toMatchObject({
      format: REPLAY_BUFFER_FORMAT,
      formatVersion: REPLAY_BUFFER_FORMAT_VERSION,
      library: 'llmdpd',
      size: 10,
      observationDim: 3,
      actionDim: 2,
      capacity: null,
      byteOrder: 'little',
    });
    expect(m.format).toBe('llmdpd.replay-buffer');
    expect(m.columns.map((c) => [c.name, c.dtype, c.shape])).toEqual([
      ['observations', 'float32', [10, 3]],
      ['actions', 'float32', [10, 2]],
      ['rewards', 'float32', [10]],
      ['nextObservations', 'float32', [10, 3]],
      ['terminals', 'uint8', [10]],
      ['timeouts', 'uint8', [10]],
      ['episodeEnds', 'uint8', [10]],
      ['taskIndices', 'int32', [10]],
    ]);
    const data = fs.readFileSync(path.join(dir, m.dataFile));
    expect(data.length).toBe(m.dataBytes);
    const arrays = b.toArrays();
    for (const c of m.columns) {
      expect(c.byteOffset % 8).toBe(0);
      const slice = data.subarray(c.byteOffset, c.byteOffset + c.byteLength);
      expect(createHash('sha256').update(slice).digest('hex')).toBe(c.sha256);
      // Little-endian columns, exactly the buffer's bytes (this host is little-endian).
      expect(Buffer.compare(slice, Buffer.from(bytesOf(arrays[c.name as 'rewards'])))).toBe(0);
    }
    expect(listDir(dir)).toEqual([m.dataFile, MANIFEST_FILE].sort());
  });

  test('saving again replaces the save and removes the old data file and leftovers of interrupted saves', () => {
    awkwardBuffer(4).save(dir);
    const first = readManifest(dir).dataFile;
    fs.writeFileSync(path.join(dir, '.tmp-123-0-0-data.bin'), 'partial');
    fs.writeFileSync(path.join(dir, 'data-00000000000000ff.bin'), 'orphan');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'user file');
    const second = awkwardBuffer(5);
    second.save(dir);
    const m = readManifest(dir);
    expect(m.dataFile).not.toBe(first);
    expect(listDir(dir)).toEqual([m.dataFile, MANIFEST_FILE, 'notes.txt'].sort());
    expectColumnsBitEqual(ReplayBuffer.load(dir).toArrays(), second.toArrays());
  });

  test.each(['data-written', 'manifest-written'] as const)(
    'a save that fails at %s leaves the previous save in force and loadable, and no new files',
    (stage) => {
      const old = awkwardBuffer(6);
      old.save(dir);
      const filesBefore = listDir(dir);
      const manifestBefore = fs.readFileSync(path.join(dir, MANIFEST_FILE));
      const injected = new Error(`injected failure at ${stage}`);
      const stages: string[] = [];
      const next = awkwardBuffer(7);
      expect(() =>
        next.save(dir, {
          onProgress: (s) => {
            stages.push(s);
            if (s === stage) throw injected;
          },
        }),
      ).toThrow(injected);
      expect(stages[stages.length - 1]).toBe(stage);
      expect(listDir(dir)).toEqual(filesBefore);
      expect(fs.readFileSync(path.join(dir, MANIFEST_FILE)).equals(manifestBefore)).toBe(true);
      expectColumnsBitEqual(ReplayBuffer.load(dir).toArrays(), old.toArrays());
      // The buffer that failed to save is untouched and saves fine afterwards.
      next.save(dir);
      expectColumnsBitEqual(ReplayBuffer.load(dir).toArrays(), next.toArrays());
    },
  );

  test('a crash between writing the data file and the manifest (simulated) leaves the old save loadable', () => {
    const old = awkwardBuffer(8);
    old.save(dir);
    // What a crash after stage 'data-written' leaves behind: a complete new data file the
    // manifest does not name, plus a half-written temporary manifest.
    fs.writeFileSync(path.join(dir, 'data-0123456789abcdef.bin'), Buffer.alloc(100, 7));
    fs.writeFileSync(path.join(dir, '.tmp-999-0-0-manifest.json'), '{"format": "llmdpd.repl');
    expectColumnsBitEqual(ReplayBuffer.load(dir).toArrays(), old.toArrays());
  });

  test('reports the order of save stages', () => {
    const stages: string[] = [];
    awkwardBuffer(9, 5).save(dir, { onProgress: (s) => stages.push(s) });
    expect(stages).toEqual(['data-written', 'manifest-written', 'committed']);
  });

  test('a target that cannot be created is a DatasetError that wraps the file system error', () => {
    const file = path.join(dir, 'plain-file');
    fs.writeFileSync(file, 'x');
    const save = () => awkwardBuffer(10, 5).save(path.join(file, 'sub'));
    expect(save).toThrow(DatasetError);
    expect(save).toThrow(/Could not create the directory .*plain-file.*sub/);
  });
});

describe('ReplayBuffer.load rejects damaged or foreign saves', () => {
  let dir: string;
  let original: ReplayBuffer;
  beforeEach(() => {
    dir = makeTempDir();
    original = awkwardBuffer(11, 30);
    original.save(dir);
  });
  afterEach(() => removeDir(dir));

  test('another format version: says which version was found and which is supported', () => {
    writeManifest(dir, { ...readManifest(dir), formatVersion: 2 });
    expect(() => ReplayBuffer.load(dir)).toThrow(DatasetError);
    expect(() => ReplayBuffer.load(dir)).toThrow(/format version 2, and this version of llmdpd reads version 1 only/);
  });

  test('another format: names it and the loader to use', () => {
    writeManifest(dir, { ...readManifest(dir), format: 'llmdpd.multi-task-dataset' });
    expect(() => ReplayBuffer.load(dir)).toThrow(
      /format "llmdpd.multi-task-dataset", expected "llmdpd.replay-buffer".*another llmdpd class/,
    );
    writeManifest(dir, { ...readManifest(dir), format: 'something-else' });
    expect(() => ReplayBuffer.load(dir)).toThrow(/It was not written by llmdpd/);
  });

  test('truncated data file: compares its size with the manifest', () => {
    const m = readManifest(dir);
    const file = path.join(dir, m.dataFile);
    fs.truncateSync(file, m.dataBytes - 5);
    expect(() => ReplayBuffer.load(dir)).toThrow(DatasetError);
    expect(() => ReplayBuffer.load(dir)).toThrow(
      new RegExp(`is ${m.dataBytes - 5} bytes but the manifest says ${m.dataBytes}: it is truncated`),
    );
    fs.appendFileSync(file, Buffer.alloc(9));
    expect(() => ReplayBuffer.load(dir)).toThrow(/it has extra bytes/);
  });

  test('flipped byte: checksum mismatch names the column; verifyChecksums: false skips the check', () => {
    const m = readManifest(dir);
    const rewards = m.columns.find((c) => c.name === 'rewards')!;
    const file = path.join(dir, m.dataFile);
    const data = fs.readFileSync(file);
    data[rewards.byteOffset + 4] ^= 1; // lowest mantissa bit of rewards[1]: still finite
    fs.writeFileSync(file, data);
    expect(() => ReplayBuffer.load(dir)).toThrow(/checksum mismatch in column 'rewards'.*corrupted/);
    const unchecked = ReplayBuffer.load(dir, { verifyChecksums: false });
    expect(unchecked.toArrays().rewards[1]).not.toBe(original.toArrays().rewards[1]);
    expect(unchecked.toArrays().rewards[2]).toBe(original.toArrays().rewards[2]);
  });

  test('content that passes the checksum but not validation (NaN) is rejected with the row', () => {
    const m = readManifest(dir);
    const rewards = m.columns.find((c) => c.name === 'rewards')!;
    const file = path.join(dir, m.dataFile);
    const data = fs.readFileSync(file);
    data.writeFloatLE(Number.NaN, rewards.byteOffset + 4 * 3);
    fs.writeFileSync(file, data);
    rewards.sha256 = createHash('sha256')
      .update(data.subarray(rewards.byteOffset, rewards.byteOffset + rewards.byteLength))
      .digest('hex');
    writeManifest(dir, m);
    expect(() => ReplayBuffer.load(dir)).toThrow(/the stored columns are invalid: .*rewards row 3 is NaN/);
  });

  test('missing manifest, unparsable manifest, missing data file', () => {
    const m = readManifest(dir);
    fs.writeFileSync(path.join(dir, MANIFEST_FILE), '{"format": "llmdpd.repl');
    expect(() => ReplayBuffer.load(dir)).toThrow(/manifest.json is not valid JSON/);
    fs.rmSync(path.join(dir, MANIFEST_FILE));
    expect(() => ReplayBuffer.load(dir)).toThrow(/there is no manifest.json/);
    writeManifest(dir, m);
    fs.rmSync(path.join(dir, m.dataFile));
    expect(() => ReplayBuffer.load(dir)).toThrow(
      new RegExp(`data file ${m.dataFile} named by manifest.json is missing`),
    );
  });

  test('manifest fields that disagree with the columns or escape the directory', () => {
    const m = readManifest(dir);
    writeManifest(dir, { ...m, size: 31 });
    expect(() => ReplayBuffer.load(dir)).toThrow(
      /column 'observations' is float32 \[30, 3\].*expected float32 \[31, 3\]/,
    );
    writeManifest(dir, { ...m, dataFile: '../elsewhere.bin' });
    expect(() => ReplayBuffer.load(dir)).toThrow(/manifest field 'dataFile' is "..\/elsewhere.bin"/);
    writeManifest(dir, { ...m, columns: m.columns.filter((c) => c.name !== 'timeouts') });
    expect(() => ReplayBuffer.load(dir)).toThrow(/column 'timeouts' is missing/);
    writeManifest(dir, { ...m, columns: [{ ...m.columns[0], byteOffset: -8 }, ...m.columns.slice(1)] });
    expect(() => ReplayBuffer.load(dir)).toThrow(/columns\[0\] is malformed/);
    writeManifest(dir, { ...m, size: 'thirty' as unknown as number });
    expect(() => ReplayBuffer.load(dir)).toThrow(/manifest field 'size' must be an integer >= 0, found "thirty"/);
  });

  test('every load error is a DatasetError', () => {
    writeManifest(dir, { ...readManifest(dir), byteOrder: 'big' });
    expect(() => ReplayBuffer.load(dir)).toThrow(DatasetError);
    expect(() => ReplayBuffer.load(path.join(dir, 'nope'))).toThrow(DatasetError);
  });
});
