/**
 * Every baseline agent class joins comparisons: a tiny grid of CQL, SAC-N, IQL and TD3+BC, each
 * given the same prompts conditioner LLMDPD takes (so it sees exactly LLMDPD's information), runs
 * to completion in this thread, checkpoints, and reports unseen-task success.
 */
import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentClass, agentClassNames } from '../../src/compare/agent-registry.js';
import { runComparison } from '../../src/compare/runner.js';
import { parseComparisonSpec } from '../../src/compare/spec.js';
import { ConfigError } from '../../src/core/errors.js';
import { tempDir } from './support/grid.js';

jest.setTimeout(240_000);

const BASELINES = ['CQL', 'SACN', 'IQL', 'TD3BC'];
const PROMPTS = { kind: 'prompts', textOutputDim: 8, trajectoryOutputDim: 8, trajectoryWidth: 8, trajectoryLayers: 1, trajectoryFeedForwardDim: 16, trajectoryPromptLength: 5, textHeadHiddenDims: [16] }; // prettier-ignore

const SPEC = {
  name: 'baselines-test',
  agents: BASELINES.map((name) => ({ class: name, name: `${name}+prompts`, preset: 'tiny', conditioner: PROMPTS })),
  data: [
    {
      kind: 'suite',
      name: 'reach',
      suite: 'pointmass-reach',
      transitionsPerTask: 150,
      split: { seen: ['reach-north-near', 'reach-east-near'], unseen: ['reach-south-near'] },
    },
  ],
  seeds: [0],
  steps: 6,
  logEvery: 3,
  checkpointEvery: 3,
  evaluation: { every: 3, episodes: 1 },
  bootstrap: { reps: 200 },
};

test('the seven agent classes are registered, each taking every conditioner kind but LLMDPD', () => {
  expect(agentClassNames()).toEqual(['DiffusionQL', 'LLMDPD', 'BC', 'CQL', 'SACN', 'IQL', 'TD3BC']);
  for (const name of BASELINES)
    expect(agentClass(name).conditioners).toEqual(['none', 'task-id', 'features', 'prompts']);
});

test('a baseline config field is validated with its path; an unknown field names the closest', () => {
  const bad = { ...SPEC, agents: [{ class: 'IQL', config: { expectile: 1.5 } }] };
  expect(() => parseComparisonSpec(bad)).toThrow(ConfigError);
  expect(() => parseComparisonSpec(bad)).toThrow(/expectile/);
  const typo = { ...SPEC, agents: [{ class: 'CQL', config: { conservativeWieght: 5 } }] };
  expect(() => parseComparisonSpec(typo)).toThrow(/conservativeWeight/);
});

test('CQL, SAC-N, IQL and TD3+BC with the prompts conditioner run a comparison to completion', async () => {
  const outDir = tempDir('llmdpd-compare-baselines-');
  const result = await runComparison(SPEC, { outDir, threads: 0, progress: 'off' });
  expect(result.runs.map((r) => [r.plan.id, r.outcome?.state])).toEqual(
    BASELINES.map((name) => [`${name}+prompts__reach__s0`, 'completed']),
  );
  const agents = ['CQLAgent', 'SACNAgent', 'IQLAgent', 'TD3BCAgent'];
  result.runs.forEach((run, i) => {
    const params = JSON.parse(readFileSync(join(outDir, 'runs', run.plan.id, 'params.json'), 'utf8')) as {
      agent: string;
      config: { conditioner: { kind: string } };
    };
    expect(params.agent).toBe(agents[i]);
    expect(params.config.conditioner.kind).toBe('prompts');
  });
  const unseen = result.report!.summary.filter((r) => r.scope === 'split' && r.split === 'unseen');
  expect(new Set(unseen.map((r) => r.agent))).toEqual(new Set(BASELINES.map((n) => `${n}+prompts`)));
  // One seed each: an interval over tasks alone never decides a verdict.
  expect(result.report!.verdicts.length).toBeGreaterThan(0);
  for (const v of result.report!.verdicts) {
    expect(v.higher).toBe('none');
    expect(v.line).toMatch(/: no verdict \(1 seed; at least 2 per agent are needed\)\.$/);
  }
});
