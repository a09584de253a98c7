import { ShapeError } from '../../src/core/errors.js';
import { Box, Dict, Discrete } from '../../src/core/spaces.js';
import { batchSpace, stackBatch, unstackBatch } from '../../src/envs/batching.js';

describe('batching', () => {
  const box = new Box({ low: [-1, 0], high: [1, 5] });
  const dict = new Dict({ pos: box, mode: new Discrete(3, 1) });

  it('batches spaces', () => {
    const b = batchSpace(box, 3) as Box;
    expect(b.shape).toEqual([3, 2]);
    expect(Array.from(b.low)).toEqual([-1, 0, -1, 0, -1, 0]);
    const d = batchSpace(new Discrete(3, 1), 2) as Box<'int32'>;
    expect([d.dtype, d.shape, Array.from(d.low), Array.from(d.high)]).toEqual(['int32', [2], [1, 1], [3, 3]]);
    const dd = batchSpace(dict, 2) as Dict;
    expect((dd.spaces['pos'] as Box).shape).toEqual([2, 2]);
  });

  it('stacks rows row-major and splits them back into copies', () => {
    const rows = [Float32Array.of(1, 2), Float32Array.of(3, 4)];
    const stacked = stackBatch(box, rows) as Float32Array;
    expect(stacked).toEqual(Float32Array.of(1, 2, 3, 4));
    const back = unstackBatch(box, stacked, 2, 'x') as Float32Array[];
    expect(back).toEqual(rows);
    stacked[0] = 99;
    expect(back[0][0]).toBe(1);
  });

  it('handles Dict and Discrete values key by key', () => {
    const items = [
      { pos: Float32Array.of(0, 1), mode: 2 },
      { pos: Float32Array.of(0.5, 2), mode: 3 },
    ];
    const stacked = stackBatch(dict, items) as { pos: Float32Array; mode: Int32Array };
    expect(stacked.mode).toEqual(Int32Array.of(2, 3));
    expect(stacked.pos).toEqual(Float32Array.of(0, 1, 0.5, 2));
    expect(unstackBatch(dict, stacked, 2, 'x')).toEqual(items);
  });

  it('reports layout errors', () => {
    expect(() => unstackBatch(box, new Float32Array(3), 2, 'actions')).toThrow(ShapeError);
    expect(() => unstackBatch(box, 'nope', 2, 'actions')).toThrow(
      /actions \(2 envs x 2 values, row-major\) must be a typed array or number array of length 4, got string nope/,
    );
    expect(() => stackBatch(box, [Float32Array.of(1)])).toThrow(
      /Env 0 returned an observation of Float32Array\(1\); expected 2 values/,
    );
    expect(() => unstackBatch(dict, [1, 2], 2, 'actions')).toThrow(/must be an object with keys \[mode, pos\]/);
  });
});
