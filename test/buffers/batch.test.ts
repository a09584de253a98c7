import { ConfigError, ShapeError } from '../../src/core/errors.js';
import { createBatch } from '../../src/buffers/index.js';
import { checkBatch } from '../../src/buffers/batch.js';

describe('createBatch', () => {
  test('allocates zeroed arrays of the right lengths', () => {
    const b = createBatch(4, 3, 2);
    expect([b.size, b.observationDim, b.actionDim]).toEqual([4, 3, 2]);
    expect([b.observations.length, b.nextObservations.length, b.actions.length]).toEqual([12, 12, 8]);
    expect([b.rewards.length, b.terminals.length, b.timeouts.length, b.taskIndices.length, b.indices.length]).toEqual([
      4, 4, 4, 4, 4,
    ]);
    expect(b.terminals).toBeInstanceOf(Float32Array);
    expect(b.taskIndices).toBeInstanceOf(Int32Array);
    expect(b.observations.every((v) => v === 0)).toBe(true);
    expect(() => createBatch(0, 3, 2)).toThrow(ConfigError);
    expect(() => createBatch(4, 3, 0)).toThrow(/actionDim must be an integer >= 1, got 0/);
  });

  test('checkBatch names the mismatching field', () => {
    const b = createBatch(4, 3, 2);
    expect(() => checkBatch('ctx', b, 3, 2)).not.toThrow();
    expect(() => checkBatch('ctx', b, 3, 1)).toThrow(ShapeError);
    expect(() => checkBatch('ctx', { ...b, indices: new Int32Array(5) }, 3, 2)).toThrow(
      /batch.indices has 5 values; a batch of size 4 needs 4/,
    );
  });
});
