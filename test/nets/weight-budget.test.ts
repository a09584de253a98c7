import { DiffusionQLAgent } from '../../src/agents/diffusion-ql.js';
import { ConfigError, DatasetError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { initDense } from '../../src/nets/init.js';
import { MAX_WEIGHTS_PER_ARRAY, reserveWeights, withWeightBudget } from '../../src/nets/weight-budget.js';
import { initEngine } from '../../src/engine/index.js';

const budget = (limit: number, maxReservations = 100) => ({
  limit,
  maxReservations,
  exceeded: (what: string, total: number, n: number) => new DatasetError(`over: ${what} ${total} ${n}`),
});

test('one array above the cap, or a size that is not a safe integer, is a ConfigError naming it', () => {
  expect(() => reserveWeights(MAX_WEIGHTS_PER_ARRAY, 'ok')).not.toThrow();
  expect(() => reserveWeights(MAX_WEIGHTS_PER_ARRAY + 1, 'a dense layer of 2 x 2')).toThrow(ConfigError);
  expect(() => reserveWeights(NaN, 'x')).toThrow(/x would hold NaN values/);
  expect(() => reserveWeights(2 ** 60, 'x')).toThrow(/at most 268435456/);
  // initDense reserves before it allocates: no RangeError from the typed-array constructor.
  expect(() => initDense(3, 2 ** 40, 'pytorch', new Rng(0))).toThrow(/a dense layer of 3 x 1099511627776/);
});

test('inside a budget, the reservation that exceeds it throws the budget error; the budget ends with the build', () => {
  const seen: number[] = [];
  expect(() =>
    withWeightBudget(budget(10), () => {
      reserveWeights(4, 'a');
      seen.push(1);
      reserveWeights(6, 'b'); // exactly at the limit
      seen.push(2);
      reserveWeights(1, 'c');
      seen.push(3);
    }),
  ).toThrow('over: c 11 3');
  expect(seen).toEqual([1, 2]);
  // Outside any budget again: only the per-array cap applies.
  expect(() => reserveWeights(1000, 'd')).not.toThrow();
  // Too many reservations, however small.
  expect(() =>
    withWeightBudget(budget(1e9, 2), () => {
      for (let i = 0; i < 5; i++) reserveWeights(1, `layer ${i}`);
    }),
  ).toThrow('over: layer 2 3 3');
});

test('budgets nest: the inner one replaces the outer one, which resumes after it', () => {
  const result = withWeightBudget(budget(5), () => {
    reserveWeights(5, 'outer');
    withWeightBudget(budget(100), () => reserveWeights(50, 'inner'));
    expect(() => reserveWeights(1, 'outer again')).toThrow('over: outer again 6 2');
    return 'done';
  });
  expect(result).toBe('done');
});

test('an agent whose config asks for an absurd layer is a ConfigError, not a RangeError', async () => {
  await initEngine({ backend: 'wasm' });
  expect(() => new DiffusionQLAgent({ observationDim: 3, actionDim: 2, hiddenDims: [2 ** 29] })).toThrow(
    /would hold \d+ values; one weight array may hold at most 268435456/,
  );
  expect(() => new DiffusionQLAgent({ observationDim: 3, actionDim: 2, diffusionSteps: 1e12 })).toThrow(ConfigError);
});
