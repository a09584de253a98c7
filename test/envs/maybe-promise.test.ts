import { forEachMaybe, isPromiseLike, thenMaybe } from '../../src/envs/maybe-promise.js';

describe('maybe-promise helpers', () => {
  it('applies functions synchronously to plain values and after resolution to promises', async () => {
    const sync = thenMaybe(2, (x) => x * 3);
    expect(sync).toBe(6);
    const later = thenMaybe(Promise.resolve(2), (x) => x * 3);
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toBe(6);
    expect(await thenMaybe(2, (x) => Promise.resolve(x + 1))).toBe(3);
    expect(isPromiseLike({ then: () => undefined } as never)).toBe(true);
    expect(isPromiseLike({ then: 1 } as never)).toBe(false);
  });

  it('runs steps in order, waiting for async ones, and stays sync when all are sync', async () => {
    const order: number[] = [];
    expect(forEachMaybe(3, (i) => void order.push(i))).toBeUndefined();
    expect(order).toEqual([0, 1, 2]);
    order.length = 0;
    const done = forEachMaybe(4, (i) =>
      i === 1
        ? new Promise<void>((r) =>
            setTimeout(() => {
              order.push(i);
              r();
            }, 5),
          )
        : void order.push(i),
    );
    expect(order).toEqual([0]);
    await done;
    expect(order).toEqual([0, 1, 2, 3]);
  });
});
