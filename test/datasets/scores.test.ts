import { NotFoundError } from '../../src/core/errors.js';
import {
  D4RL_DATASET_IDS,
  D4RL_LOCOMOTION,
  d4rlNormalizedScore,
  envIdForDataset,
  parseD4rlDatasetId,
  referenceScores,
} from '../../src/datasets/index.js';

describe('D4RL reference scores', () => {
  test('the table holds d4rl/infos.py values for the -v2 locomotion sets', () => {
    expect(D4RL_LOCOMOTION.halfcheetah.reference).toEqual({ min: -280.178953, max: 12135.0 });
    expect(D4RL_LOCOMOTION.hopper.reference).toEqual({ min: -20.272305, max: 3234.3 });
    expect(D4RL_LOCOMOTION.walker2d.reference).toEqual({ min: 1.629008, max: 4592.3 });
    expect(D4RL_DATASET_IDS).toHaveLength(18);
    expect(D4RL_DATASET_IDS).toContain('hopper-medium-replay-v2');
  });

  test('normalised scores equal 100 (R - min) / (max - min), computed by hand', () => {
    // Values computed separately (Python float arithmetic) from the table above.
    expect(d4rlNormalizedScore('hopper-medium-replay-v2', 1000)).toBeCloseTo(31.34889040358868, 10);
    expect(d4rlNormalizedScore('halfcheetah-medium-v2', 4500)).toBeCloseTo(38.502698761703456, 10);
    expect(d4rlNormalizedScore('walker2d-expert-v2', 3000)).toBeCloseTo(65.31443872203333, 10);
    expect(d4rlNormalizedScore('hopper', -20.272305)).toBe(0);
    expect(d4rlNormalizedScore('Hopper-v4', 3234.3)).toBeCloseTo(100, 12);
    expect(d4rlNormalizedScore('hopper_medium_replay-v2.hdf5', 1607.0138475)).toBeCloseTo(50, 10);
    expect(d4rlNormalizedScore('/data/d4rl/walker2d_medium_expert-v2.hdf5', 1.629008)).toBe(0);
    // Every dataset of an env shares the pair, -v0/-v1 included.
    expect(d4rlNormalizedScore('hopper-random-v0', 777)).toBe(d4rlNormalizedScore('hopper-full-replay-v2', 777));
  });

  test('referenceScores: the pair for known ids, undefined for unknown and Minari ids', () => {
    expect(referenceScores('walker2d-medium-replay-v2')).toEqual({ min: 1.629008, max: 4592.3 });
    expect(referenceScores('hopper')).toEqual({ min: -20.272305, max: 3234.3 });
    expect(referenceScores('ant-medium-v2')).toBeUndefined();
    expect(referenceScores('hopper-mediocre-v2')).toBeUndefined();
    expect(referenceScores('mujoco/hopper/expert-v0')).toBeUndefined();
  });

  test('unknown ids throw NotFoundError with suggestions', () => {
    const err = (() => {
      try {
        d4rlNormalizedScore('hoper-medium-replay-v2', 1);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toMatch(
      /unknown dataset or env "hoper-medium-replay-v2"\. Did you mean "hopper-medium-replay-v2"/,
    );
    expect(() => envIdForDataset('antmaze-umaze-v2')).toThrow(NotFoundError);
  });
});

describe('dataset ids and env ids', () => {
  test('D4RL -v2 sets map to the numerically identical -v4 envs, Minari sets to -v5', () => {
    expect(envIdForDataset('hopper-medium-replay-v2')).toBe('Hopper-v4');
    expect(envIdForDataset('halfcheetah-medium-expert-v2')).toBe('HalfCheetah-v4');
    expect(envIdForDataset('walker2d_random-v2.hdf5')).toBe('Walker2d-v4');
    expect(envIdForDataset('mujoco/walker2d/expert-v0')).toBe('Walker2d-v5');
    expect(envIdForDataset('halfcheetah')).toBe('HalfCheetah-v4');
    expect(envIdForDataset('hopper-v5')).toBe('Hopper-v5');
  });

  test('parsing keeps kind, version and source', () => {
    expect(parseD4rlDatasetId('HOPPER_MEDIUM_REPLAY-v2.h5')).toEqual({
      env: 'hopper',
      kind: 'medium-replay',
      version: 2,
      source: 'd4rl',
      canonical: 'hopper-medium-replay-v2',
    });
    expect(parseD4rlDatasetId('mujoco/hopper/simple-v0')).toEqual({
      env: 'hopper',
      kind: 'simple',
      version: 0,
      source: 'minari',
      canonical: 'mujoco/hopper/simple-v0',
    });
    expect(parseD4rlDatasetId('Walker2d-v4')).toEqual({
      env: 'walker2d',
      kind: undefined,
      version: 4,
      source: 'env',
      canonical: 'walker2d',
    });
    expect(parseD4rlDatasetId('mujoco/ant/expert-v0')).toBeUndefined();
    expect(parseD4rlDatasetId('')).toBeUndefined();
  });
});
