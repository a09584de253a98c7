import { ConfigError, ShapeError } from '../../../src/core/errors.js';
import { buildPromptBatch, promptTokens, type TrajectoryPrompt } from '../../../src/encoders/trajectory/index.js';

/** A prompt whose step t has observation [10t, 10t+1] and action [-t]. */
function counting(steps: number, mask?: Uint8Array): TrajectoryPrompt {
  const observations = new Float32Array(steps * 2);
  const actions = new Float32Array(steps);
  for (let t = 0; t < steps; t++) {
    observations[2 * t] = 10 * t;
    observations[2 * t + 1] = 10 * t + 1;
    actions[t] = -t;
  }
  return {
    length: steps,
    observationDim: 2,
    actionDim: 1,
    observations,
    actions,
    rewards: new Float32Array(steps),
    ...(mask ? { mask } : {}),
  };
}

describe('buildPromptBatch', () => {
  test('keeps the real steps in order, front-aligned, zero-padded to the longest prompt', () => {
    const masked = counting(5, Uint8Array.from([0, 0, 1, 1, 1]));
    const batch = buildPromptBatch([counting(4), masked], { maxSteps: 10 });
    expect(batch.size).toBe(2);
    expect(batch.steps).toBe(4);
    expect(Array.from(batch.lengths)).toEqual([4, 3]);
    expect(Array.from(batch.observations.subarray(8, 16))).toEqual([20, 21, 30, 31, 40, 41, 0, 0]);
    expect(Array.from(batch.actions.subarray(4, 8))).toEqual([-2, -3, -4, 0]);
  });

  test('prompts longer than maxSteps keep their last steps; padTo fixes the length', () => {
    const batch = buildPromptBatch([counting(6)], { maxSteps: 3, padTo: 3 });
    expect(Array.from(batch.actions)).toEqual([-3, -4, -5]);
    const padded = buildPromptBatch([counting(2)], { maxSteps: 5, padTo: 5 });
    expect(padded.steps).toBe(5);
    expect(Array.from(padded.actions)).toEqual([-0, -1, 0, 0, 0]);
    expect(() => buildPromptBatch([counting(4)], { maxSteps: 5, padTo: 3 })).toThrow(ConfigError);
    expect(() => buildPromptBatch([counting(4)], { maxSteps: 5, padTo: 6 })).toThrow(ConfigError);
  });

  test('rejects mismatched widths, lengths and masks', () => {
    expect(() => buildPromptBatch([counting(2)], { maxSteps: 4, observationDim: 3 })).toThrow(ShapeError);
    expect(() => buildPromptBatch([counting(2), { ...counting(2), actionDim: 2 }], { maxSteps: 4 })).toThrow(
      /actionDim/,
    );
    expect(() => buildPromptBatch([counting(3, new Uint8Array(2))], { maxSteps: 4 })).toThrow(/mask/);
    expect(() => buildPromptBatch([counting(0)], { maxSteps: 4 })).toThrow(/no real step/);
    expect(() => buildPromptBatch([counting(2)], { maxSteps: 0 })).toThrow(ConfigError);
  });
});

describe('promptTokens', () => {
  test('lays out a state token and an action token per step with the step one-hot', () => {
    const batch = buildPromptBatch([counting(2), counting(1)], { maxSteps: 3 });
    const tokens = promptTokens(batch, 3);
    const F = 2 + 1 + 1 + 3;
    expect(tokens.featureDim).toBe(F);
    expect(tokens.tokens).toBe(4);
    const row = (r: number): number[] => Array.from(tokens.features.subarray(r * F, (r + 1) * F));
    expect(row(0)).toEqual([0, 1, 0, 0, 1, 0, 0]); // s_0
    expect(row(1)).toEqual([0, 0, -0, 1, 1, 0, 0]); // a_0
    expect(row(2)).toEqual([10, 11, 0, 0, 0, 1, 0]); // s_1
    expect(row(3)).toEqual([0, 0, -1, 1, 0, 1, 0]); // a_1
    expect(row(6)).toEqual([0, 0, 0, 0, 0, 0, 0]); // padding of prompt 1
    expect(Array.from(tokens.mask)).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
    expect(() => promptTokens(batch, 1)).toThrow(ShapeError);
  });
});
