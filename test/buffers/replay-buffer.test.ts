import { ConfigError, DatasetError, NotFoundError, ShapeError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { ReplayBuffer, createBatch } from '../../src/buffers/index.js';

/** A 2-d observation that encodes its step: [t, 10 + t]. */
const o = (t: number): number[] => [t, 10 + t];

function step(t: number, extra: Partial<Parameters<ReplayBuffer['add']>[0]> = {}): Parameters<ReplayBuffer['add']>[0] {
  return { observation: o(t), action: [t / 10], reward: t, nextObservation: o(t + 1), terminal: false, ...extra };
}

describe('ReplayBuffer construction', () => {
  test('rejects bad dimensions and capacities with ConfigError naming the option', () => {
    expect(() => new ReplayBuffer({ observationDim: 0, actionDim: 1 })).toThrow(ConfigError);
    expect(() => new ReplayBuffer({ observationDim: 0, actionDim: 1 })).toThrow(
      /observationDim must be an integer >= 1, got 0/,
    );
    expect(() => new ReplayBuffer({ observationDim: 2, actionDim: 1.5 })).toThrow(
      /actionDim must be an integer >= 1, got 1.5/,
    );
    expect(() => new ReplayBuffer({ observationDim: 2, actionDim: 1, capacity: 0 })).toThrow(
      /capacity must be an integer >= 1/,
    );
  });

  test('starts empty, with the dims and capacity it was given', () => {
    const b = new ReplayBuffer({ observationDim: 3, actionDim: 2, capacity: 5 });
    expect([b.size, b.observationDim, b.actionDim, b.capacity, b.numEpisodes]).toEqual([0, 3, 2, 5, 0]);
    expect(new ReplayBuffer({ observationDim: 3, actionDim: 2 }).capacity).toBeNull();
  });
});

describe('ReplayBuffer.add', () => {
  test('stores exact values in every column', () => {
    const b = new ReplayBuffer({ observationDim: 2, actionDim: 1 });
    b.add(step(0));
    b.add(step(1, { timeout: true }));
    b.add(step(2, { terminal: 1, taskIndex: 0 }));
    const c = b.toArrays();
    expect(b.size).toBe(3);
    expect(Array.from(c.observations)).toEqual([0, 10, 1, 11, 2, 12]);
    expect(Array.from(c.nextObservations)).toEqual([1, 11, 2, 12, 3, 13]);
    expect(Array.from(c.actions)).toEqual([0, Math.fround(0.1), Math.fround(0.2)]);
    expect(Array.from(c.rewards)).toEqual([0, 1, 2]);
    expect(Array.from(c.terminals)).toEqual([0, 0, 1]);
    expect(Array.from(c.timeouts)).toEqual([0, 1, 0]);
    expect(Array.from(c.episodeEnds)).toEqual([0, 1, 1]);
    expect(Array.from(c.taskIndices)).toEqual([0, 0, 0]);
  });

  test('a step that is both terminal and timeout is stored as terminal only, and sampled that way', () => {
    const b = new ReplayBuffer({ observationDim: 2, actionDim: 1 });
    b.add(step(0, { terminal: true, timeout: true }));
    const c = b.toArrays();
    expect([c.terminals[0], c.timeouts[0], c.episodeEnds[0]]).toEqual([1, 0, 1]);
    const batch = b.sample(4, new Rng(0));
    expect(Array.from(batch.terminals)).toEqual([1, 1, 1, 1]);
    expect(Array.from(batch.timeouts)).toEqual([0, 0, 0, 0]);
    expect(b.episode(0)).toMatchObject({ terminated: true, truncated: false });
  });

  test('a rejected add changes nothing, and the error names the field, row/column and fix', () => {
    const b = new ReplayBuffer({ observationDim: 2, actionDim: 1 });
    b.add(step(0));
    const before = b.toArrays();
    expect(() => b.add(step(1, { nextObservation: [1, Number.NaN] }))).toThrow(DatasetError);
    expect(() => b.add(step(1, { nextObservation: [1, Number.NaN] }))).toThrow(
      /nextObservation row 0, column 1 is NaN.*Fix:/,
    );
    expect(() => b.add(step(1, { observation: [1, 2, 3] }))).toThrow(ShapeError);
    expect(() => b.add(step(1, { observation: [1, 2, 3] }))).toThrow(/observation has 3 values; expected 2/);
    expect(() => b.add(step(1, { action: [Infinity] }))).toThrow(/action row 0 is Infinity/);
    expect(() => b.add(step(1, { action: [1e39] }))).toThrow(/overflows float32/);
    expect(() => b.add(step(1, { reward: Number.NaN }))).toThrow(/reward is NaN/);
    expect(() => b.add(step(1, { terminal: 2 }))).toThrow(/terminal is 2; flags must be 0, 1, false or true/);
    expect(() => b.add(step(1, { taskIndex: -1 }))).toThrow(/taskIndex is -1; a task index must be an integer >= 0/);
    expect(() => b.add(step(1, { taskIndex: 1.5 }))).toThrow(DatasetError);
    // The open episode has task 0: switching task without ending it is rejected.
    expect(() => b.add(step(1, { taskIndex: 3 }))).toThrow(
      /taskIndex is 3 but the open episode it would continue has task 0/,
    );
    expect(b.size).toBe(1);
    expect(b.toArrays()).toEqual(before);
    // After ending the episode the task may change.
    b.endEpisode();
    b.add(step(1, { taskIndex: 3 }));
    expect(Array.from(b.toArrays().taskIndices)).toEqual([0, 3]);
  });

  test('endEpisode closes the open episode as truncated, and is a no-op when nothing is open', () => {
    const b = new ReplayBuffer({ observationDim: 2, actionDim: 1 });
    b.endEpisode(); // empty: no-op
    b.add(step(0));
    b.add(step(1));
    expect(b.episode(0)).toMatchObject({ start: 0, end: 2, terminated: false, truncated: false });
    b.endEpisode();
    b.endEpisode();
    expect(Array.from(b.toArrays().episodeEnds)).toEqual([0, 1]);
    expect(b.episode(0)).toMatchObject({ terminated: false, truncated: true });
    b.add(step(2, { episodeEnd: true }));
    expect(b.numEpisodes).toBe(2);
    expect(b.episode(1)).toMatchObject({ start: 2, length: 1, truncated: true });
  });

  test('a growable buffer grows past its initial allocation without losing data', () => {
    const b = new ReplayBuffer({ observationDim: 2, actionDim: 1, initialCapacity: 1 });
    for (let t = 0; t < 100; t++) b.add(step(t, { terminal: t % 10 === 9 }));
    const c = b.toArrays();
    expect(b.size).toBe(100);
    expect(c.observations[2 * 57]).toBe(57);
    expect(c.nextObservations[2 * 99 + 1]).toBe(110);
    expect(b.numEpisodes).toBe(10);
  });
});

describe('ReplayBuffer.addBatch', () => {
  test('stores flat and nested columns exactly, continuing the open episode', () => {
    const b = new ReplayBuffer({ observationDim: 2, actionDim: 1 });
    b.add(step(0));
    b.addBatch({
      observations: [o(1), o(2)],
      actions: new Float64Array([0.5, 0.25]),
      rewards: [1, 2],
      nextObservations: [...o(2), ...o(3)],
      terminals: [false, true],
      timeouts: [1, 1],
      taskIndices: 0,
    });
    const c = b.toArrays();
    expect(Array.from(c.observations)).toEqual([0, 10, 1, 11, 2, 12]);
    expect(Array.from(c.actions)).toEqual([0, 0.5, 0.25]);
    expect(Array.from(c.terminals)).toEqual([0, 0, 1]);
    expect(Array.from(c.timeouts)).toEqual([0, 1, 0]); // row 2: the terminal wins
    expect(Array.from(c.episodeEnds)).toEqual([0, 1, 1]);
    expect([...b.episodes()].map((e) => [e.start, e.end, e.truncated, e.terminated])).toEqual([
      [0, 2, true, false],
      [2, 3, false, true],
    ]);
  });

  test('a rejected batch writes nothing; errors name the field, the first bad row and the expected length', () => {
    const b = new ReplayBuffer({ observationDim: 2, actionDim: 1 });
    b.add(step(0));
    const before = b.toArrays();
    const good = {
      observations: [0, 1, 2, 3, 4, 5],
      actions: [0, 1, 2],
      rewards: [0, 1, 2],
      nextObservations: [0, 1, 2, 3, 4, 5],
      terminals: [0, 0, 1],
    };
    expect(() => b.addBatch({ ...good, actions: [0, 1, Number.NaN] })).toThrow(
      /ReplayBuffer.addBatch: actions row 2 is NaN/,
    );
    expect(() => b.addBatch({ ...good, observations: [0, 1, 2, 3, 4] })).toThrow(ShapeError);
    expect(() => b.addBatch({ ...good, observations: [0, 1, 2, 3, 4] })).toThrow(
      /observations has 5 values; expected 6 \(3 rows × 2\)/,
    );
    expect(() => b.addBatch({ ...good, observations: [[0, 1], [2], [4, 5]] })).toThrow(
      /observations\[1\] has 1 values; expected 2/,
    );
    expect(() => b.addBatch({ ...good, terminals: [0, 1] })).toThrow(/terminals has 2 values; expected 3/);
    expect(() => b.addBatch({ ...good, timeouts: [0, 0.5, 0] })).toThrow(/timeouts row 1 is 0.5/);
    expect(() => b.addBatch({ ...good, taskIndices: [0, 0, -2] })).toThrow(/taskIndices row 2 is -2/);
    expect(() => b.addBatch({ ...good, taskIndices: [1, 1, 1] })).toThrow(
      /taskIndices row 0 is 1 but the episode it continues has task 0/,
    );
    expect(b.toArrays()).toEqual(before);
  });
});

describe('ReplayBuffer.fromArrays', () => {
  test('with nextObservations, every row is kept as given and the last row ends its episode', () => {
    const b = ReplayBuffer.fromArrays({
      observations: [0, 10, 1, 11, 2, 12],
      actions: [0, 1, 2],
      rewards: [5, 6, 7],
      nextObservations: [1, 11, 2, 12, 3, 13],
      terminals: [0, 0, 0],
    });
    expect([b.observationDim, b.actionDim, b.size]).toEqual([2, 1, 3]);
    expect(Array.from(b.toArrays().episodeEnds)).toEqual([0, 0, 1]);
    expect(b.episode(0)).toMatchObject({ start: 0, length: 3, terminated: false, truncated: true });
  });

  test('without nextObservations, derives them as D4RL qlearning_dataset: timeout steps and the cut last step are dropped', () => {
    // Episodes: [0 1 2(timeout)] [3 4(terminal)] [5 6(end of data, no flag)]
    const obs = [0, 1, 2, 3, 4, 5, 6].flatMap(o);
    const b = ReplayBuffer.fromArrays({
      observations: obs,
      actions: [0, 1, 2, 3, 4, 5, 6],
      rewards: [0, 1, 2, 3, 4, 5, 6],
      terminals: [0, 0, 0, 0, 1, 0, 0],
      timeouts: [0, 0, 1, 0, 0, 0, 0],
    });
    const c = b.toArrays();
    // Kept rows 0, 1, 3, 4, 5: a row that ends its episode without a terminal has no known successor.
    expect(Array.from(c.rewards)).toEqual([0, 1, 3, 4, 5]);
    expect(Array.from(c.observations)).toEqual([0, 1, 3, 4, 5].flatMap(o));
    // s'[t] = s[t+1], including the terminal row (s5, masked by the terminal flag, as D4RL).
    expect(Array.from(c.nextObservations)).toEqual([1, 2, 4, 5, 6].flatMap(o));
    expect(Array.from(c.terminals)).toEqual([0, 0, 0, 1, 0]);
    expect(Array.from(c.timeouts)).toEqual([0, 0, 0, 0, 0]);
    // Row 1 now ends the first episode (its successor was dropped), row 5 the last.
    expect(Array.from(c.episodeEnds)).toEqual([0, 1, 0, 1, 1]);
    expect([...b.episodes()].map((e) => [e.start, e.length, e.terminated, e.truncated])).toEqual([
      [0, 2, false, true],
      [2, 2, true, false],
      [4, 1, false, true],
    ]);
  });

  test("derivation: terminal wins over timeout, and a terminal on the last row keeps zeros as s'", () => {
    const b = ReplayBuffer.fromArrays({
      observations: [0, 1, 2].flatMap(o),
      actions: [0, 1, 2],
      rewards: [0, 1, 2],
      terminals: [false, false, true],
      timeouts: [false, false, true],
    });
    const c = b.toArrays();
    expect(b.size).toBe(3);
    expect(Array.from(c.nextObservations)).toEqual([...o(1), ...o(2), 0, 0]);
    expect(Array.from(c.terminals)).toEqual([0, 0, 1]);
    expect(Array.from(c.timeouts)).toEqual([0, 0, 0]);
  });

  test('derivation from episodeEnds drops the explicitly ended steps too', () => {
    const b = ReplayBuffer.fromArrays({
      observations: [0, 1, 2, 3].flatMap(o),
      actions: [0, 1, 2, 3],
      rewards: [0, 1, 2, 3],
      terminals: [0, 0, 0, 1],
      episodeEnds: [0, 1, 0, 0],
    });
    expect(Array.from(b.toArrays().rewards)).toEqual([0, 2, 3]);
    expect(Array.from(b.toArrays().nextObservations)).toEqual([...o(1), ...o(3), 0, 0]);
  });

  test('infers dims from nested rows or from lengths, and reports what it cannot infer', () => {
    const nested = ReplayBuffer.fromArrays({
      observations: [o(0), o(1)],
      actions: [
        [1, 2, 3],
        [4, 5, 6],
      ],
      rewards: [[1], [2]],
      nextObservations: [o(1), o(2)],
      terminals: [0, 1],
    });
    expect([nested.observationDim, nested.actionDim, nested.size]).toEqual([2, 3, 2]);
    const base = { actions: [0, 0], rewards: [0, 0], terminals: [0, 1], nextObservations: [0, 0, 0, 0] };
    expect(() => ReplayBuffer.fromArrays({ ...base, observations: [1, 2, 3] })).toThrow(
      /cannot infer the row length of observations: it has 3 values for 2 rows/,
    );
    expect(() => ReplayBuffer.fromArrays({ ...base, observations: [1, 2, 3, 4], observationDim: 3 })).toThrow(
      /observations has 4 values; expected 6 \(2 rows × 3\)/,
    );
    expect(() => ReplayBuffer.fromArrays({ ...base, rewards: [], observations: [] })).toThrow(/rewards is empty/);
  });

  test('rejects data that leaves no transition, and capacities smaller than the data', () => {
    expect(() =>
      ReplayBuffer.fromArrays({
        observations: [1, 2],
        actions: [0, 0],
        rewards: [0, 0],
        terminals: [0, 0],
        timeouts: [1, 1],
      }),
    ).toThrow(/no transition is left after deriving nextObservations/);
    expect(() =>
      ReplayBuffer.fromArrays({
        observations: [1, 2, 3],
        actions: [0, 0, 0],
        rewards: [0, 0, 0],
        nextObservations: [1, 2, 3],
        terminals: [0, 0, 1],
        capacity: 2,
      }),
    ).toThrow(ConfigError);
  });

  test('checks that an episode does not change task, naming the row', () => {
    expect(() =>
      ReplayBuffer.fromArrays({
        observations: [0, 1, 2],
        actions: [0, 0, 0],
        rewards: [0, 0, 0],
        nextObservations: [1, 2, 3],
        terminals: [0, 0, 1],
        taskIndices: [0, 1, 1],
      }),
    ).toThrow(/taskIndices row 1 is 1 but the episode it continues has task 0/);
  });
});

describe('FIFO capacity', () => {
  test('keeps the newest transitions in chronological order once full', () => {
    const b = new ReplayBuffer({ observationDim: 2, actionDim: 1, capacity: 3 });
    for (let t = 0; t < 5; t++) b.add(step(t, { terminal: t === 3 }));
    expect(b.size).toBe(3);
    const c = b.toArrays();
    expect(Array.from(c.rewards)).toEqual([2, 3, 4]);
    expect(Array.from(c.observations)).toEqual([2, 3, 4].flatMap(o));
    expect(Array.from(c.terminals)).toEqual([0, 1, 0]);
    // The first episode lost its oldest steps; the last one is open.
    expect([...b.episodes()].map((e) => [e.start, e.length, e.terminated, e.truncated])).toEqual([
      [0, 2, true, false],
      [2, 1, false, false],
    ]);
    expect(Array.from(b.trajectory({ start: 1, length: 2 }).rewards)).toEqual([3, 4]);
    expect(Array.from(b.lastSteps(0, 3).rewards)).toEqual([0, 2, 3]);
  });

  test('grows in steps up to the capacity, then wraps, with batches straddling both', () => {
    const b = new ReplayBuffer({ observationDim: 1, actionDim: 1, capacity: 6, initialCapacity: 2 });
    const rows = (from: number, n: number) => {
      const r = Array.from({ length: n }, (_, i) => from + i);
      return { observations: r, actions: r, rewards: r, nextObservations: r, terminals: r.map(() => 0) };
    };
    b.addBatch(rows(0, 3));
    b.addBatch(rows(3, 1));
    b.addBatch(rows(4, 5)); // grows to 6, then wraps by 3
    expect(b.size).toBe(6);
    expect(Array.from(b.toArrays().rewards)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(Array.from(b.toArrays().observations)).toEqual([3, 4, 5, 6, 7, 8]);
  });

  test('a batch larger than the capacity keeps its last rows; a batch across the wrap point lands in order', () => {
    const b = new ReplayBuffer({ observationDim: 1, actionDim: 1, capacity: 4 });
    const rows = (from: number, n: number) => {
      const r = Array.from({ length: n }, (_, i) => from + i);
      return { observations: r, actions: r, rewards: r, nextObservations: r, terminals: r.map(() => 0) };
    };
    b.addBatch(rows(0, 7));
    expect(Array.from(b.toArrays().rewards)).toEqual([3, 4, 5, 6]);
    b.addBatch(rows(7, 3));
    expect(Array.from(b.toArrays().rewards)).toEqual([6, 7, 8, 9]);
    b.add({ observation: [10], action: [10], reward: 10, nextObservation: [10], terminal: false });
    expect(Array.from(b.toArrays().rewards)).toEqual([7, 8, 9, 10]);
    // Sampled indices are chronological, and every slot is reachable.
    const seen = new Set<number>();
    const batch = b.sample(200, new Rng(3));
    for (let r = 0; r < batch.size; r++) {
      seen.add(batch.indices[r]);
      expect(batch.rewards[r]).toBe(7 + batch.indices[r]);
      expect(batch.observations[r]).toBe(7 + batch.indices[r]);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
  });
});

describe('fromColumns / toArrays', () => {
  test('round-trip exactly, keeping an open last episode open', () => {
    const b = new ReplayBuffer({ observationDim: 2, actionDim: 1 });
    for (let t = 0; t < 4; t++) b.add(step(t, { timeout: t === 1 }));
    const back = ReplayBuffer.fromColumns(b.toArrays(), { capacity: 10 });
    expect(back.toArrays()).toEqual(b.toArrays());
    expect(back.capacity).toBe(10);
    expect(back.episode(1)).toMatchObject({ terminated: false, truncated: false });
  });

  test('reject columns that break the stored invariants, naming the row', () => {
    const b = new ReplayBuffer({ observationDim: 2, actionDim: 1 });
    for (let t = 0; t < 3; t++) b.add(step(t, { terminal: t === 2 }));
    const both = b.toArrays();
    both.timeouts[2] = 1;
    expect(() => ReplayBuffer.fromColumns(both)).toThrow(/row 2 is both terminal and timeout/);
    const unended = b.toArrays();
    unended.episodeEnds[2] = 0;
    expect(() => ReplayBuffer.fromColumns(unended)).toThrow(/row 2 is a terminal but episodeEnds is 0 there/);
    const short = { ...b.toArrays(), rewards: new Float32Array(2) };
    expect(() => ReplayBuffer.fromColumns(short)).toThrow(/rewards has 2 values; expected 3 for size 3/);
    expect(() => ReplayBuffer.fromColumns(b.toArrays(), { capacity: 2 })).toThrow(
      /hold 3 transitions but capacity is 2/,
    );
  });
});

describe('sampling', () => {
  function tenSteps(): ReplayBuffer {
    const b = new ReplayBuffer({ observationDim: 2, actionDim: 1 });
    for (let t = 0; t < 10; t++) b.add(step(t, { terminal: t === 4, timeout: t === 9, taskIndex: t < 5 ? 0 : 2 }));
    return b;
  }

  test('every row is the stored transition at batch.indices, with terminals and timeouts kept apart', () => {
    const b = tenSteps();
    const batch = b.sample(500, new Rng(1));
    expect([batch.size, batch.observationDim, batch.actionDim]).toEqual([500, 2, 1]);
    for (let r = 0; r < batch.size; r++) {
      const t = batch.indices[r];
      expect([batch.observations[2 * r], batch.observations[2 * r + 1]]).toEqual(o(t));
      expect([batch.nextObservations[2 * r], batch.nextObservations[2 * r + 1]]).toEqual(o(t + 1));
      expect(batch.actions[r]).toBe(Math.fround(t / 10));
      expect(batch.rewards[r]).toBe(t);
      expect(batch.terminals[r]).toBe(t === 4 ? 1 : 0);
      expect(batch.timeouts[r]).toBe(t === 9 ? 1 : 0);
      expect(batch.taskIndices[r]).toBe(t < 5 ? 0 : 2);
    }
  });

  test('uniform with replacement: every index is reachable with roughly equal frequency', () => {
    const b = tenSteps();
    const counts = new Array<number>(10).fill(0);
    const batch = createBatch(1000, 2, 1);
    const rng = new Rng(7);
    for (let i = 0; i < 20; i++) {
      b.sampleInto(batch, rng);
      for (const t of batch.indices) counts[t] += 1;
    }
    // 20000 draws, 2000 expected per index, binomial sd ~42: 5 sd tolerance.
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(215);
  });

  test('the same seed gives the same batch, a different seed a different one', () => {
    const b = tenSteps();
    const a1 = b.sample(64, new Rng(42));
    const a2 = b.sample(64, new Rng(42));
    const a3 = b.sample(64, new Rng(43));
    expect(a2).toEqual(a1);
    expect(Array.from(a3.indices)).not.toEqual(Array.from(a1.indices));
    // sampleInto on a reused batch gives the same rows as sample.
    const reused = createBatch(64, 2, 1);
    b.sampleInto(reused, new Rng(42));
    expect(reused).toEqual(a1);
  });

  test('sampleInto fills only the requested rows and can override the task index', () => {
    const b = tenSteps();
    const batch = createBatch(8, 2, 1);
    batch.rewards.fill(-1);
    b.sampleInto(batch, new Rng(5), { offset: 2, count: 3, taskIndex: 9 });
    expect(Array.from(batch.rewards.subarray(0, 2))).toEqual([-1, -1]);
    expect(Array.from(batch.rewards.subarray(5))).toEqual([-1, -1, -1]);
    expect(Array.from(batch.taskIndices)).toEqual([0, 0, 9, 9, 9, 0, 0, 0]);
    for (let r = 2; r < 5; r++) expect(batch.rewards[r]).toBe(batch.indices[r]);
    expect(() => b.sampleInto(batch, new Rng(5), { offset: 6, count: 3 })).toThrow(
      /offset 6 \+ count 3 exceeds the batch size 8/,
    );
  });

  test('copyTransition writes one chosen transition into one row', () => {
    const b = tenSteps();
    const batch = createBatch(3, 2, 1);
    b.copyTransition(7, batch, 1, 4);
    expect([
      batch.observations[2],
      batch.observations[3],
      batch.rewards[1],
      batch.indices[1],
      batch.taskIndices[1],
    ]).toEqual([7, 17, 7, 7, 4]);
    expect(() => b.copyTransition(10, batch, 0)).toThrow(/index 10 is outside the buffer \(size 10; valid 0..9\)/);
    expect(() => b.copyTransition(0, batch, 3)).toThrow(/row 3 is outside the batch/);
  });

  test('rejects batches of other dims, bad sizes and empty buffers', () => {
    const b = tenSteps();
    expect(() => b.sampleInto(createBatch(4, 3, 1), new Rng(0))).toThrow(ShapeError);
    expect(() => b.sampleInto(createBatch(4, 3, 1), new Rng(0))).toThrow(/Allocate it with createBatch\(size, 2, 1\)/);
    expect(() => b.sampleInto({ ...createBatch(4, 2, 1), rewards: new Float32Array(3) }, new Rng(0))).toThrow(
      /batch.rewards has 3 values/,
    );
    expect(() => b.sample(0, new Rng(0))).toThrow(/batchSize must be an integer >= 1, got 0/);
    expect(() => new ReplayBuffer({ observationDim: 2, actionDim: 1 }).sample(4, new Rng(0))).toThrow(
      /the buffer is empty/,
    );
  });

  test('sample(256) on 1M transitions of dim 17 stays fast (10k batches in under 5 s)', () => {
    const n = 1_000_000;
    const od = 17;
    const ad = 6;
    const obs = new Float32Array(n * od);
    for (let i = 0; i < obs.length; i += 97) obs[i] = i;
    const b = ReplayBuffer.fromArrays({
      observations: obs,
      actions: new Float32Array(n * ad),
      rewards: new Float32Array(n),
      nextObservations: obs,
      terminals: new Uint8Array(n),
    });
    const batch = createBatch(256, od, ad);
    const rng = new Rng(0);
    const start = performance.now();
    for (let i = 0; i < 10_000; i++) b.sampleInto(batch, rng);
    const ms = performance.now() - start;
    // Measured about 0.12 ms per batch in plain Node and 0.26 ms under jest's module VM.
    expect(ms).toBeLessThan(5000);
    expect(b.size).toBe(n);
  });
});

describe('episodes and trajectories', () => {
  function episodic(): ReplayBuffer {
    // Episodes: [0 1 2](terminal, task 1) [3 4](timeout, task 1) [5](open, task 2)
    const b = new ReplayBuffer({ observationDim: 2, actionDim: 1 });
    for (let t = 0; t < 6; t++) b.add(step(t, { terminal: t === 2, timeout: t === 4, taskIndex: t < 5 ? 1 : 2 }));
    return b;
  }

  test('episodes() lists ranges with how each ended and its task', () => {
    const b = episodic();
    expect([...b.episodes()]).toEqual([
      { index: 0, start: 0, end: 3, length: 3, terminated: true, truncated: false, taskIndex: 1 },
      { index: 1, start: 3, end: 5, length: 2, terminated: false, truncated: true, taskIndex: 1 },
      { index: 2, start: 5, end: 6, length: 1, terminated: false, truncated: false, taskIndex: 2 },
    ]);
    expect(b.numEpisodes).toBe(3);
    expect(() => b.episode(3)).toThrow(NotFoundError);
    expect(() => b.episode(3)).toThrow(/episode 3 does not exist; the buffer has 3 episodes \(0..2\)/);
    // The cached ranges follow later adds.
    b.add(step(6, { taskIndex: 2, terminal: true }));
    expect(b.episode(2)).toMatchObject({ length: 2, terminated: true });
  });

  test('trajectory() copies an episode or a step range', () => {
    const b = episodic();
    const t = b.trajectory(1);
    expect([t.length, t.observationDim, t.actionDim]).toEqual([2, 2, 1]);
    expect(Array.from(t.observations)).toEqual([...o(3), ...o(4)]);
    expect(Array.from(t.actions)).toEqual([0.3, 0.4].map(Math.fround));
    expect(Array.from(t.rewards)).toEqual([3, 4]);
    expect(Array.from(b.trajectory({ start: 2, length: 3 }).rewards)).toEqual([2, 3, 4]);
    t.observations[0] = 99; // a copy: the buffer is unaffected
    expect(b.trajectory(1).observations[0]).toBe(3);
    expect(() => b.trajectory({ start: 4, length: 3 })).toThrow(ConfigError);
    expect(() => b.trajectory({ start: 4, length: 3 })).toThrow(/start \+ length <= size/);
  });

  test('lastSteps() pads shorter episodes with zeros at the front and masks the padding', () => {
    const b = episodic();
    const p = b.lastSteps(0, 5);
    expect([p.length, p.validLength]).toEqual([5, 3]);
    expect(Array.from(p.mask)).toEqual([0, 0, 1, 1, 1]);
    expect(Array.from(p.observations)).toEqual([0, 0, 0, 0, ...o(0), ...o(1), ...o(2)]);
    expect(Array.from(p.rewards)).toEqual([0, 0, 0, 1, 2]);
    const cut = b.lastSteps(0, 2);
    expect(Array.from(cut.mask)).toEqual([1, 1]);
    expect(Array.from(cut.rewards)).toEqual([1, 2]);
    // A range gives the steps ending at its last step.
    expect(Array.from(b.lastSteps({ start: 0, length: 4 }, 2).rewards)).toEqual([2, 3]);
    expect(() => b.lastSteps(0, 0)).toThrow(/length must be an integer >= 1/);
  });
});

describe('statistics', () => {
  test('match hand-computed mean, population std, min and max', () => {
    const b = ReplayBuffer.fromArrays({
      observations: [1, 2, 3, 6, 5, 10],
      actions: [-1, 0, 4],
      rewards: [0, 0, 0],
      nextObservations: [0, 0, 0, 0, 0, 0],
      terminals: [0, 0, 1],
    });
    const s = b.observationStatistics();
    expect(Array.from(s.mean)).toEqual([3, 6]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 6);
    expect(s.std[1]).toBeCloseTo(Math.sqrt(32 / 3), 6);
    expect(Array.from(s.min)).toEqual([1, 2]);
    expect(Array.from(s.max)).toEqual([5, 10]);
    const a = b.actionStatistics();
    expect(a.mean[0]).toBeCloseTo(1, 6);
    expect(a.std[0]).toBeCloseTo(Math.sqrt((4 + 1 + 9) / 3), 6);
    expect([a.min[0], a.max[0]]).toEqual([-1, 4]);
  });

  test('are computed in float64 over a wrapped ring, and refuse an empty buffer', () => {
    const b = new ReplayBuffer({ observationDim: 1, actionDim: 1, capacity: 100_000 });
    // 150k values around 1000 with small spread: float32 accumulation would be far off.
    const values: number[] = [];
    for (let i = 0; i < 150_000; i++) values.push(Math.fround(1000 + (i % 7) * 0.001));
    b.addBatch({
      observations: values,
      actions: values,
      rewards: values,
      nextObservations: values,
      terminals: values.map(() => 0),
    });
    const kept = values.slice(50_000);
    const mean = kept.reduce((x, y) => x + y, 0) / kept.length;
    const std = Math.sqrt(kept.reduce((x, y) => x + (y - mean) ** 2, 0) / kept.length);
    const s = b.observationStatistics();
    expect(s.mean[0]).toBe(Math.fround(mean));
    expect(Math.abs(s.std[0] - std) / std).toBeLessThan(1e-6);
    expect(() => new ReplayBuffer({ observationDim: 1, actionDim: 1 }).observationStatistics()).toThrow(DatasetError);
  });
});
