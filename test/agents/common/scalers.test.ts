import * as tf from '@tensorflow/tfjs-core';
import { stageBatch } from '../../../src/agents/common/batch-tensors.js';
import {
  AgentScalers,
  resolveScalerConfig,
  SCALER_DEFAULTS,
  type ScalerConfig,
} from '../../../src/agents/common/scalers.js';
import { ReplayBuffer } from '../../../src/buffers/replay-buffer.js';
import { MultiTaskDataset } from '../../../src/buffers/multi-task-dataset.js';
import { createBatch } from '../../../src/core/batch.js';
import { ActionRangeError, ConfigError, DatasetError } from '../../../src/core/errors.js';
import { initEngine } from '../../../src/engine/index.js';
import { expectClose } from '../../support/tensors.js';

/** Two episodes: rewards 1, 2, 3 (return 6) and -1, 5 (return 4); 2-dim observations, 1-dim actions in [-2, 3]. */
function data(): ReplayBuffer {
  return ReplayBuffer.fromArrays({
    observations: new Float32Array([0, 10, 2, 10, 4, 10, 6, 10, 8, 10]),
    actions: new Float32Array([-2, 0, 3, 1, 2]),
    rewards: new Float32Array([1, 2, 3, -1, 5]),
    nextObservations: new Float32Array(10),
    terminals: new Uint8Array([0, 0, 1, 0, 1]),
    observationDim: 2,
    actionDim: 1,
  });
}

const DIMS = { observationDim: 2, actionDim: 1 };

function scalers(fields: Partial<ScalerConfig>, maxAction?: number): AgentScalers {
  const config = resolveScalerConfig('TestConfig', { ...DIMS, ...fields });
  return new AgentScalers(config, { ...DIMS, ...(maxAction === undefined ? {} : { maxAction }) });
}

describe('scaler formulas (d3rlpy), fitted from the data', () => {
  test('observations: standard (s − μ)/(σ + ε) and min-max onto [−1, 1]; a constant dimension maps to 0', () => {
    const x = new Float32Array([4, 10, 8, 12]);
    const standard = scalers({ observationScaler: { kind: 'standard' } });
    expect(standard.scaleObservations(x)).toBe(x); // identity before fitting
    standard.fitTo(data());
    const sigma = Math.sqrt(8); // population std of 0, 2, 4, 6, 8
    expectClose(standard.scaleObservations(x), [0, 0, 4 / (sigma + 1e-3), 2 / 1e-3], 1e-5, 1e-6);
    const minMax = scalers({ observationScaler: { kind: 'min-max' } });
    minMax.fitTo(data());
    expectClose(minMax.scaleObservations(x), [0, 0, 1, 2], 1e-6);
  });

  test('actions: min-max onto [−maxAction, maxAction] and back', () => {
    const s = scalers({ actionScaler: { kind: 'min-max' } }, 2);
    s.fitTo(data());
    const a = new Float32Array([-2, 0.5, 3]);
    expectClose(s.scaleActions(a), [-2, 0, 2], 1e-6);
    expectClose(s.unscaleActions(s.scaleActions(a)), a, 1e-6);
    // Given bounds (an env's action space) are used as they are, not fitted.
    const given = scalers({ actionScaler: { kind: 'min-max', minimum: [-4], maximum: [4] } }, 1);
    given.fitTo(data());
    expectClose(given.scaleActions(a), [-0.5, 0.125, 0.75], 1e-6);
  });

  test('rewards: multiply, clip, standard, min-max, return-based and shift', () => {
    const r = new Float32Array([1, 2, 3, -1, 5]);
    const mean = 2;
    const std = Math.sqrt((1 + 0 + 1 + 9 + 9) / 5);
    const cases: [ScalerConfig['rewardScaler'], number[]][] = [
      [{ kind: 'multiply', multiplier: 0.5 }, [0.5, 1, 1.5, -0.5, 2.5]],
      [{ kind: 'clip', low: 0, high: 2, multiplier: 10 }, [10, 20, 20, 0, 20]],
      [{ kind: 'standard', multiplier: 2 }, [...r].map((x) => (2 * (x - mean)) / (std + 1e-3))],
      [{ kind: 'min-max' }, [...r].map((x) => (x + 1) / 6)],
      [{ kind: 'return', multiplier: 1000 }, [...r].map((x) => (1000 * x) / (6 - 4))],
      [{ kind: 'shift', shift: -1 }, [0, 1, 2, -2, 4]],
      [{ kind: 'shift', shift: -0.5, multiplier: 4 }, [2, 6, 10, -6, 18]],
    ];
    for (const [rewardScaler, want] of cases) {
      const s = scalers({ rewardScaler });
      s.fitTo(data());
      expectClose(s.scaleRewards(r), want, 1e-5);
    }
  });

  test('fitted once: a second fit on other data keeps the statistics; a multi-task dataset pools its tasks', () => {
    const s = scalers({ observationScaler: { kind: 'standard' }, rewardScaler: { kind: 'return' } });
    s.fitTo(data());
    const before = JSON.stringify(s.getState());
    s.fitTo(ReplayBuffer.fromArrays({ ...data().columns(), observations: new Float32Array(10).fill(100) }));
    expect(JSON.stringify(s.getState())).toBe(before);
    const prompt = data().trajectory({ start: 0, length: 2 });
    const tasks = new MultiTaskDataset([
      { name: 'a', buffer: data(), textPrompt: 'a', trajectoryPrompt: prompt },
      {
        name: 'b',
        buffer: ReplayBuffer.fromArrays({ ...data().columns(), rewards: new Float32Array([10, 10, 10, 0, 0]) }),
        textPrompt: 'b',
        trajectoryPrompt: prompt,
      },
    ]);
    const pooled = scalers({ rewardScaler: { kind: 'return' } });
    pooled.fitTo(tasks);
    expect(pooled.reward).toEqual({ kind: 'return', returnMin: 0, returnMax: 30, multiplier: 1 });
  });

  test('stageBatch scales observations, next observations, actions and rewards with the scalers', async () => {
    await initEngine({ backend: 'wasm' });
    const s = scalers(
      {
        observationScaler: { kind: 'min-max' },
        actionScaler: { kind: 'min-max' },
        rewardScaler: { kind: 'multiply', multiplier: 3 },
      },
      1,
    );
    const buffer = data();
    s.fitTo(buffer);
    const batch = createBatch(2, 2, 1);
    batch.observations.set([8, 10, 0, 10]);
    batch.nextObservations.set([4, 10, 2, 10]);
    batch.actions.set([3, -2]);
    batch.rewards.set([1, -1]);
    const staged = s.staged;
    const values = tf.tidy(() => {
      const t = stageBatch(batch, DIMS, s);
      return [t.observations, t.nextObservations, t.actions, t.rewards].map((x) => Array.from(x.dataSync()));
    });
    expect(s.staged).toBe(staged + 1);
    expectClose(values[0], [1, 0, -1, 0], 1e-6);
    expectClose(values[1], [0, 0, -0.5, 0], 1e-6);
    expectClose(values[2], [1, -1], 1e-6);
    expectClose(values[3], [3, -3], 1e-6);
  });
});

describe('actions beyond the policy bound are refused, never clipped silently', () => {
  test('without action scaling: an ActionRangeError that gives the range and both fixes', () => {
    const s = scalers({}, 1);
    let error: unknown;
    try {
      s.fitTo(data());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ActionRangeError);
    const e = error as ActionRangeError;
    expect(e).toBeInstanceOf(DatasetError);
    expect(e.message).toMatch(/reach from -2 to 3 \(dimension 0: \[-2, 3\]\), beyond the policy's range \[-1, 1\]/);
    expect(e.message).toMatch(/actionScaler: \{ kind: 'min-max' \}/);
    expect(e.message).toMatch(/set maxAction to at least 3/);
    expect([e.minimum, e.maximum, e.bound]).toEqual([[-2], [3], 1]);
  });

  test('actions within the bound (float rounding aside) pass; min-max scaling makes any data fit', () => {
    expect(() => scalers({}, 3).fitTo(data())).not.toThrow();
    expect(() => scalers({}, 2.9999999).fitTo(data())).not.toThrow();
    expect(() => scalers({ actionScaler: { kind: 'min-max' } }, 1).fitTo(data())).not.toThrow();
    expect(() => scalers({ actionScaler: { kind: 'min-max', minimum: [-1], maximum: [1] } }, 1).fitTo(data())).toThrow(
      /still leave the policy's range \[-1, 1\] after the action scaler's given minimum\/maximum/,
    );
  });
});

describe('config and saved state', () => {
  test('defaults are no scaling; each scaler fills its own defaults', () => {
    expect(resolveScalerConfig('C', DIMS)).toEqual(SCALER_DEFAULTS);
    expect(resolveScalerConfig('C', { ...DIMS, observationScaler: { kind: 'standard' } }).observationScaler).toEqual({
      kind: 'standard',
      epsilon: 1e-3,
    });
    expect(resolveScalerConfig('C', { ...DIMS, rewardScaler: { kind: 'min-max' } }).rewardScaler).toEqual({
      kind: 'min-max',
      multiplier: 1,
    });
  });

  test('invalid fields are ConfigErrors that say what is expected', () => {
    const cases: [Partial<ScalerConfig>, RegExp][] = [
      [
        { observationScaler: { kind: 'zscore' } as never },
        /C.observationScaler.kind must be one of 'none', 'standard', 'min-max', got "zscore"/,
      ],
      [{ actionScaler: { kind: 'standard' } as never }, /C.actionScaler.kind must be one of 'none', 'min-max'/],
      [
        { observationScaler: { kind: 'min-max', minimum: [0], maximum: [1] } },
        /minimum must be an array of 2 finite numbers/,
      ],
      [{ actionScaler: { kind: 'min-max', minimum: [0] } }, /gives minimum without maximum; give both/],
      [{ rewardScaler: { kind: 'multiply' } as never }, /needs a multiplier/],
      [
        { rewardScaler: { kind: 'standard', eps: 1 } as never },
        /has no field 'eps'; its fields are epsilon, multiplier, mean, std/,
      ],
      [{ observationScaler: { kind: 'standard', epsilon: 0 } }, /epsilon must be a finite number > 0, got 0/],
      [{ rewardScaler: { kind: 'clip', low: 2, high: 1 } }, /lower end above its upper end: 2 > 1/],
      [
        { observationScaler: 'standard' as never },
        /C.observationScaler must be an object \{ kind: 'none' \| 'standard' \| 'min-max', ... \}/,
      ],
    ];
    for (const [fields, message] of cases) {
      expect(() => resolveScalerConfig('C', { ...DIMS, ...fields })).toThrow(ConfigError);
      expect(() => resolveScalerConfig('C', { ...DIMS, ...fields })).toThrow(message);
    }
  });

  test('the saved state restores exactly; a state that does not fit the config is refused', () => {
    const fields: Partial<ScalerConfig> = {
      observationScaler: { kind: 'standard' },
      actionScaler: { kind: 'min-max' },
      rewardScaler: { kind: 'standard' },
    };
    const a = scalers(fields, 3);
    a.fitTo(data());
    const state = JSON.parse(JSON.stringify(a.getState())) as unknown;
    const b = scalers(fields, 3);
    b.setState(state, 'load(x)');
    const x = new Float32Array([1, 2, 3, 4]);
    expect(Array.from(b.scaleObservations(x))).toEqual(Array.from(a.scaleObservations(x)));
    expect(b.getState()).toEqual(a.getState());
    const other = scalers({ ...fields, observationScaler: { kind: 'min-max' } }, 3);
    expect(() => other.setState(state, 'load(x)')).toThrow(
      /load\(x\): checkpoint header field 'scalers.observation' has kind "standard", but the config asks for 'min-max'/,
    );
    const damaged = JSON.parse(JSON.stringify(state)) as { observation: { mean: unknown[] } };
    damaged.observation.mean = [1];
    expect(() => b.setState(damaged, 'load(x)')).toThrow(/'scalers.observation.mean' has 1 values; expected 2/);
  });
});
