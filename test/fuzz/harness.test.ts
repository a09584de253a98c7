/** The fuzz property itself: it must fail on an untyped error or a slow case, and pass on loads and RlErrors. */
import { ConfigError, DatasetError } from '../../src/core/errors.js';
import { Tally, expectLoadOrTypedError } from './harness.js';
import { applyBytes, applyJsonEdits, toJsonText, INFINITY_TOKEN } from './mutations.js';

test('a load and an RlError pass and are counted; anything else fails the case', async () => {
  const tally = new Tally();
  await expectLoadOrTypedError(tally, 'load', () => 1);
  await expectLoadOrTypedError(tally, 'typed', () => {
    throw new DatasetError('bad file');
  });
  await expectLoadOrTypedError(tally, 'typed async', () => Promise.reject(new ConfigError('bad field')));
  expect([tally.loaded, tally.refused]).toEqual([1, 2]);
  expect(tally.summary()).toMatch(
    /loaded 1, refused 2 \(DatasetError 1, ConfigError 1\), slowest case \d+ ms, [\d.]+ s wall, [\d.]+ s CPU/,
  );
  await expect(
    expectLoadOrTypedError(tally, 'untyped', () => {
      throw new TypeError("Cannot read properties of undefined (reading 'entries')");
    }),
  ).rejects.toThrow(/untyped: threw TypeError instead of an RlError: Cannot read properties/);
  await expect(
    expectLoadOrTypedError(tally, 'raw', () => Promise.reject(new RangeError('Invalid typed array length'))),
  ).rejects.toThrow(/threw RangeError/);
  await expect(
    expectLoadOrTypedError(tally, 'slow', () => new Promise((resolve) => setTimeout(resolve, 30)), 5),
  ).rejects.toThrow(/slow: took \d+ ms \(limit 5 ms\)/);
});

test('mutations apply deterministically', () => {
  const bytes = Uint8Array.of(0, 1, 2, 3);
  expect([...applyBytes(bytes, { kind: 'flip', flips: [[5, 0]] })]).toEqual([0, 0, 2, 3]);
  expect([...applyBytes(bytes, { kind: 'truncate', at: 6 })]).toEqual([0, 1]);
  expect([...applyBytes(bytes, { kind: 'overwrite', at: 3, bytes: Uint8Array.of(9, 9) })]).toEqual([9, 1, 2, 9]);
  expect([...applyBytes(bytes, { kind: 'append', bytes: Uint8Array.of(7) })]).toEqual([0, 1, 2, 3, 7]);
  const doc = { a: [1, 2, 3], b: { c: 'x' } };
  const edited = applyJsonEdits(doc, [
    { op: 'delete', path: ['a', 1] },
    { op: 'set', path: ['b', 'c'], value: INFINITY_TOKEN },
  ]);
  expect(toJsonText(edited)).toBe('{"a":[1,3],"b":{"c":1e999}}');
  expect(doc.a).toEqual([1, 2, 3]); // the original is untouched
});
