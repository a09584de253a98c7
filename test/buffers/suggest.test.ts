import { closeMatches, editDistance } from '../../src/buffers/suggest.js';
import { checkJson } from '../../src/buffers/json.js';

test('editDistance counts insertions, deletions and substitutions', () => {
  expect(editDistance('kitten', 'sitting')).toBe(3);
  expect(editDistance('', 'abc')).toBe(3);
  expect(editDistance('same', 'same')).toBe(0);
});

test('closeMatches suggests near names first, ignoring case, and substrings after', () => {
  const names = ['pick-place-v2', 'push-v2', 'reach-v2', 'door-open-v2'];
  expect(closeMatches('pick-place-v3', names)).toEqual(['pick-place-v2']);
  expect(closeMatches('PUSH-V2', names)).toEqual(['push-v2']);
  expect(closeMatches('door', names)).toEqual(['door-open-v2']);
  expect(closeMatches('zzzzzz', names)).toEqual([]);
});

test('checkJson accepts plain JSON and names the path of what would not round-trip', () => {
  expect(() => checkJson({ a: [1, 'x', null, true, { b: 2 }] }, 'p')).not.toThrow();
  expect(() => checkJson({ a: [1, Infinity] }, 'p')).toThrow(/p.a\[1\] is Infinity/);
  expect(() => checkJson({ a: new Float32Array(2) }, 'p')).toThrow(/p.a is a Float32Array.*Array.from/);
  expect(() => checkJson({ f: () => 1 }, 'p')).toThrow(/p.f is a function/);
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  expect(() => checkJson(cyclic, 'p')).toThrow(/p.self contains a cycle/);
});
