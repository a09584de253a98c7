import { jest } from '@jest/globals';
import { CQLAgent } from '../../../src/agents/cql.js';
import { DiffusionQLAgent } from '../../../src/agents/diffusion-ql.js';
import { LLMDPDAgent } from '../../../src/agents/llmdpd.js';
import { SACNAgent } from '../../../src/agents/sac-n.js';
import { NotFoundError } from '../../../src/core/errors.js';
import { presetDatasets, presetDifferences, presetFor } from '../../../src/agents/presets/presets.js';
import { DIFFUSION_QL_DEFAULTS } from '../../../src/agents/diffusion-ql.js';
import { initEngine } from '../../../src/engine/index.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

const DIMS = { observationDim: 17, actionDim: 6, hiddenDims: [8], criticHiddenDims: [8] };

test('the Diffusion-QL presets hold the official per-dataset table', () => {
  expect(presetDatasets('diffusion-ql')).toHaveLength(20);
  const table: Record<string, [number, number, number, boolean, number]> = {
    'halfcheetah-medium-v2': [3e-4, 1, 9, false, 2000],
    'walker2d-medium-v2': [3e-4, 1, 1, false, 2000],
    'halfcheetah-medium-replay-v2': [3e-4, 1, 2, false, 2000],
    'hopper-medium-replay-v2': [3e-4, 1, 4, false, 2000],
    'antmaze-medium-play-v0': [1e-3, 2, 2, true, 1000],
    'pen-human-v1': [3e-5, 0.15, 7, false, 1000],
    'kitchen-complete-v0': [3e-4, 0.005, 9, false, 250],
  };
  for (const [dataset, [lr, eta, clip, maxQ, epochs]] of Object.entries(table)) {
    const p = presetFor('diffusion-ql', dataset);
    expect([
      p.config['actorLearningRate'],
      p.config['eta'],
      p.config['gradientClipNorm'],
      p.config['maxQBackup'],
    ]).toEqual([lr, eta, clip, maxQ]);
    expect(p.training.epochs).toBe(epochs);
  }
  expect(presetFor('diffusion-ql', 'pen-cloned-v1').data.rewardTune).toBe('normalize');
});

test('the defaults are hopper-medium-replay’s and contradict other datasets’ gradient clips, which the presets fix', () => {
  expect(presetDifferences(presetFor('diffusion-ql', 'hopper-medium-replay-v2'), DIFFUSION_QL_DEFAULTS)).toEqual([]);
  expect(presetDifferences(presetFor('diffusion-ql', 'halfcheetah-medium-replay-v2'), DIFFUSION_QL_DEFAULTS)).toEqual([
    { field: 'gradientClipNorm', preset: 2, config: 4 },
  ]);
  expect(presetDifferences(presetFor('diffusion-ql', 'walker2d-medium-v2'), DIFFUSION_QL_DEFAULTS)).toEqual([
    { field: 'gradientClipNorm', preset: 1, config: 4 },
  ]);
  const agent = DiffusionQLAgent.preset('halfcheetah-medium-replay-v2', DIMS);
  expect(agent.config.gradientClipNorm).toBe(2);
  agent.dispose();
  const llmdpd = LLMDPDAgent.preset('walker2d-medium-v2', {
    ...DIMS,
    textHeadHiddenDims: [8],
    trajectoryWidth: 8,
    trajectoryLayers: 1,
    trajectoryFeedForwardDim: 8,
  });
  expect(llmdpd).toBeInstanceOf(LLMDPDAgent);
  expect(llmdpd.config.gradientClipNorm).toBe(1);
  llmdpd.dispose();
});

test('overriding a preset value warns; an unknown dataset names the close ones', () => {
  const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
  try {
    const agent = DiffusionQLAgent.preset('walker2d-medium-v2', { ...DIMS, gradientClipNorm: 4 });
    expect(agent.config.gradientClipNorm).toBe(4);
    expect(warn).toHaveBeenCalledWith("gradientClipNorm 4 overrides the preset's 1 for walker2d-medium-v2.", {
      code: 'LLMDPD_PRESET_OVERRIDE',
    });
    agent.dispose();
  } finally {
    warn.mockRestore();
  }
  expect(() => presetFor('diffusion-ql', 'hopper-medium-replay')).toThrow(NotFoundError);
  expect(() => presetFor('diffusion-ql', 'hopper-medium-replay')).toThrow(/Did you mean "hopper-medium-replay-v2"/);
});

test("the SAC-N and CQL presets hold CORL's per-dataset configs", () => {
  expect(presetDatasets('sac-n')).toHaveLength(9);
  expect(presetDatasets('cql')).toHaveLength(9);
  const critics: Record<string, number> = {
    'halfcheetah-medium-v2': 10,
    'halfcheetah-medium-expert-v2': 10,
    'hopper-medium-v2': 500,
    'hopper-medium-replay-v2': 200,
    'hopper-medium-expert-v2': 200,
    'walker2d-medium-replay-v2': 20,
  };
  for (const [dataset, n] of Object.entries(critics))
    expect(presetFor('sac-n', dataset).config).toEqual({ criticCount: n });
  expect(presetFor('sac-n', 'walker2d-medium-v2').training).toMatchObject({ epochs: 3000, stepsPerEpoch: 1000 });
  // CQL: CORL's defaults everywhere; hopper-medium alone scales rewards by 1000 / (return range).
  expect(presetFor('cql', 'hopper-medium-v2').config).toEqual({ rewardScaler: { kind: 'return', multiplier: 1000 } });
  expect(presetFor('cql', 'walker2d-medium-replay-v2').config).toEqual({});
  expect(presetFor('cql', 'halfcheetah-medium-v2').training).toMatchObject({ epochs: 200, stepsPerEpoch: 5000 });
});

test('SACNAgent.preset and CQLAgent.preset build agents with the preset, then the overrides', () => {
  const tiny = { observationDim: 11, actionDim: 3, hiddenDims: [8], criticHiddenDims: [8] };
  const sac = SACNAgent.preset('hopper-medium-replay-v2', tiny);
  expect(sac).toBeInstanceOf(SACNAgent);
  expect(sac.critic.networks).toHaveLength(200);
  sac.dispose();
  const cql = CQLAgent.preset('hopper-medium-v2', { ...tiny, conservativeWeight: 5 });
  expect(cql).toBeInstanceOf(CQLAgent);
  expect(cql.config.rewardScaler).toEqual({ kind: 'return', multiplier: 1000 });
  expect(cql.config.conservativeWeight).toBe(5);
  cql.dispose();
  const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
  try {
    CQLAgent.preset('hopper-medium-v2', { ...tiny, rewardScaler: { kind: 'return', multiplier: 1000 } }).dispose();
    expect(warn).not.toHaveBeenCalled();
    SACNAgent.preset('walker2d-medium-v2', { ...tiny, criticCount: 2 }).dispose();
    expect(warn).toHaveBeenCalledWith("criticCount 2 overrides the preset's 20 for walker2d-medium-v2.", {
      code: 'LLMDPD_PRESET_OVERRIDE',
    });
  } finally {
    warn.mockRestore();
  }
});
