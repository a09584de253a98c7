import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LLMDPDAgent } from '../../src/agents/llmdpd.js';
import { tasksOfRun } from '../../src/cli/data.js';
import { HashedNgramTextEncoder } from '../../src/encoders/text/hashed-text-encoder.js';
import { loadExportedPolicy } from '../../src/export/artefact.js';
import { expectClose } from '../support/tensors.js';
import { readRunFolder } from '../../src/core/run/index.js';
import { makeSuite } from '../../src/suites/suite.js';
import { cli } from './helpers.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'llmdpd-cli-suite-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('the tasks eval rebuilds for a suite run have the prompts the run trained with', async () => {
  const trained = await makeSuite('pointmass-reach', { seed: 3, transitionsPerTask: 200 });
  const rebuilt = (await tasksOfRun({ kind: 'suite', suite: 'pointmass-reach', seed: 3 }))!;
  expect(rebuilt.map((t) => [t.name, t.role, t.textPrompt])).toEqual(
    trained.tasks.map((t) => [t.name, t.role, t.textPrompt]),
  );
  rebuilt.forEach((t, i) => expect(t.trajectoryPrompt).toEqual(trained.tasks[i].trajectoryPrompt));
}, 60_000);

test('llmdpd train llmdpd on the built-in suite scores unseen tasks every epoch; eval reports each unseen task', async () => {
  const out = join(root, 'llmdpd');
  const config = JSON.stringify({
    hiddenDims: [32, 32],
    criticHiddenDims: [32, 32],
    batchSize: 16,
    diffusionSteps: 3,
    actionCandidates: 4,
    textHeadHiddenDims: [16],
    textOutputDim: 8,
    trajectoryOutputDim: 8,
    trajectoryWidth: 16,
    trajectoryLayers: 1,
    trajectoryFeedForwardDim: 16,
    trajectoryPromptLength: 5,
  });
  const train = await cli(
    'train', 'llmdpd', '--data', 'pointmass-reach', '--steps', '4', '--steps-per-epoch', '2',
    '--eval-episodes', '1', '--config', config, '--out', out, '--progress', 'off',
  ); // prettier-ignore
  expect(train.err).toBe('');
  expect(train.code).toBe(0);
  const run = readRunFolder(out);
  expect(run.finished).toBe(true);
  expect(run.params).toMatchObject({
    agent: 'LLMDPDAgent',
    data: { kind: 'suite', suite: 'pointmass-reach', seed: 0 },
  });
  expect(run.evaluations.map((r) => Object.keys(r.values))).toEqual([['eval/unseenSuccess'], ['eval/unseenSuccess']]);
  for (const r of run.evaluations) expect(r.values['eval/unseenSuccess']).toBeGreaterThanOrEqual(0);

  const evaluated = await cli('eval', out, '--episodes', '1', '--json');
  expect(evaluated.code).toBe(0);
  const report = JSON.parse(evaluated.out) as { agent: string; results: { target: string; successRate: number }[] };
  expect(report.agent).toBe('LLMDPDAgent');
  expect(report.results.map((r) => r.target)).toEqual([
    'reach-north-east-far',
    'reach-south-west-far',
    'reach-south-east-near',
    'reach-north-west-near',
    'reach-north-middle',
    'reach-south-west-middle',
  ]);
  const one = await cli('eval', out, '--episodes', '1', '--tasks', 'reach-north-far,reach-east-near');
  expect(
    one.out
      .trimEnd()
      .split('\n')
      .slice(2)
      .map((l) => l.split(/\s+/)[0]),
  ).toEqual(['reach-north-far', 'reach-east-near']);
  expect((await cli('eval', out, '--tasks', 'reach-nowhere')).err).toMatch(
    /no task "reach-nowhere" in this run's suite/,
  );

  // Export for an unseen task: its prompts are embedded into the artefact, which acts as the agent does.
  const missing = await cli('export', out, join(root, 'no-task'));
  expect(missing.code).toBe(2);
  expect(missing.err).toMatch(
    /LLMDPDAgent is conditioned on the task \('prompts' conditioner\): pass --task with one of reach-north-near, /,
  );
  const policyDir = join(root, 'policy-ne-far');
  const exported = await cli('export', out, policyDir, '--task', 'reach-north-east-far', '--json');
  expect(exported.err).toBe('');
  expect(exported.code).toBe(0);
  const summary = JSON.parse(exported.out) as { agent: string; acting: string; task: string; step: number };
  expect(summary).toMatchObject({ agent: 'LLMDPDAgent', acting: 'diffusion', task: 'reach-north-east-far', step: 4 });
  const policy = loadExportedPolicy(policyDir);
  expect(policy.manifest.context?.['task']).toBe('reach-north-east-far');
  expect(String(policy.manifest.context?.['textPrompt'])).toMatch(/north-east far/);
  const task = (await tasksOfRun(run.params.data))!.find((t) => t.name === 'reach-north-east-far')!;
  const agent = LLMDPDAgent.load(run.paths.checkpoint, { textEncoder: new HashedNgramTextEncoder() });
  const bound = await agent.policy({ textPrompt: task.textPrompt, trajectoryPrompt: task.trajectoryPrompt });
  const observations = Float32Array.of(0.1, -0.2, 0, 0, 0.5, 0.5, 0.1, -0.1);
  expectClose(policy.actBatch(observations), bound.actBatch(observations), 1e-4, 1e-4);
  agent.dispose();
  expect((await cli('export', out, join(root, 'bad-task'), '--task', 'reach-nowhere')).err).toMatch(
    /--task: no task "reach-nowhere" in this run's suite/,
  );
}, 120_000);

test('--keep-best on a suite ranks epochs by seen-task success, never unseen; eval --best reads best/', async () => {
  const out = join(root, 'bc-best');
  const config = JSON.stringify({ hiddenDims: [16], batchSize: 16 });
  const train = await cli(
    'train', 'bc', '--data', 'pointmass-reach', '--steps', '4', '--steps-per-epoch', '2',
    '--eval-episodes', '1', '--config', config, '--keep-best', '--out', out, '--progress', 'off',
  ); // prettier-ignore
  expect(train.err).toBe('');
  expect(train.code).toBe(0);
  expect(train.out).toMatch(/best epoch by seenSuccess: \S+ at step [24] \(checkpoint .*best\)/);
  const run = readRunFolder(out);
  expect(run.evaluations.map((r) => Object.keys(r.values).sort())).toEqual([
    ['eval/seenSuccess', 'eval/unseenSuccess'],
    ['eval/seenSuccess', 'eval/unseenSuccess'],
  ]);
  const best = await cli('eval', out, '--best', '--episodes', '1', '--tasks', 'reach-north-far', '--json');
  expect(best.err).toBe('');
  expect(JSON.parse(best.out)).toMatchObject({ agent: 'BCAgent' });
}, 120_000);
