import { DiffusionQLAgent } from '../../src/agents/diffusion-ql.js';
import { ConfigError } from '../../src/core/errors.js';
import { initEngine } from '../../src/engine/index.js';
import { environmentEvaluator, evaluatePolicy, type ActingPolicy } from '../../src/eval/index.js';
import { randomBuffer } from '../support/agent-conformance.js';
import { ToyEnv } from './toy-envs.js';

/** A bound policy of the library's shape that acts 0 and records the rows it is given. */
function zeroPolicy() {
  const calls: Float32Array[] = [];
  const policy: ActingPolicy = {
    act: (o) => policy.actBatch(o),
    actBatch: (o) => {
      calls.push(o.slice());
      return new Float32Array(o.length / 2); // ToyEnv: observation [t, x], action [a]
    },
  };
  return { policy, calls };
}

describe('evaluatePolicy with the library policy shapes', () => {
  test('a bound policy (act, actBatch): one-row calls sequentially, one batched call per vector step', async () => {
    const { policy, calls } = zeroPolicy();
    const seq = await evaluatePolicy(policy, () => new ToyEnv(), { episodes: 4, seed: 0 });
    expect(seq.returns).toEqual([6, 6, 6, 6]); // rewards 1 + 2 + 3 with zero actions
    expect(calls).toHaveLength(12);
    expect(calls.slice(0, 3)).toEqual([Float32Array.of(0, 0), Float32Array.of(1, 0), Float32Array.of(2, 0)]);
    calls.length = 0;
    const vec = await evaluatePolicy(policy, () => new ToyEnv(), {
      episodes: 4,
      seed: 0,
      vectorized: true,
      numEnvs: 4,
    });
    expect(vec.returns).toEqual(seq.returns);
    expect(vec.policyCalls).toBe(3);
    expect(calls.map((c) => c.length)).toEqual([8, 8, 8]);
  });

  test('an agent (policy(context)): its policy for options.context is evaluated', async () => {
    const { policy } = zeroPolicy();
    const contexts: unknown[] = [];
    const agent = {
      policy: (context?: { textPrompt: string }) => {
        contexts.push(context);
        return Promise.resolve(policy);
      },
    };
    const r = await evaluatePolicy(agent, () => new ToyEnv(), {
      episodes: 2,
      seed: 0,
      context: { textPrompt: 'Task: stay.' },
    });
    expect(r.meanReturn).toBe(6);
    expect(contexts).toEqual([{ textPrompt: 'Task: stay.' }]);
    await evaluatePolicy(agent, () => new ToyEnv(), { episodes: 1, seed: 0 });
    expect(contexts).toEqual([{ textPrompt: 'Task: stay.' }, undefined]);
  });

  test('anything else is a ConfigError listing the accepted shapes', async () => {
    await expect(
      evaluatePolicy({ act: () => 0 } as never, () => new ToyEnv(), { episodes: 1, seed: 0 }),
    ).rejects.toThrow(ConfigError);
    await expect(evaluatePolicy(42 as never, () => new ToyEnv(), { episodes: 1, seed: 0 })).rejects.toThrow(
      /an agent \(with policy\(\)\), a bound policy \(with act and actBatch\), a function/,
    );
    const broken = { policy: () => Promise.resolve({}) } as never;
    await expect(evaluatePolicy(broken, () => new ToyEnv(), { episodes: 1, seed: 0 })).rejects.toThrow(
      /policy\.policy\(\) returned/,
    );
  });
});

describe('environmentEvaluator', () => {
  const agent = { policy: () => Promise.resolve(zeroPolicy().policy) };

  test('returns the normalised score when there is a reference, else the mean return; same episodes every call', async () => {
    const envs: ToyEnv[] = [];
    const factory = () => {
      const env = new ToyEnv({ lengthFromSeed: true });
      envs.push(env);
      return env;
    };
    const results: number[] = [];
    const byReturn = environmentEvaluator(factory, { episodes: 3, onResult: (r) => results.push(r.meanReturn) });
    const first = await byReturn(agent);
    const second = await byReturn(agent);
    expect(first).toBe(second);
    expect(results).toEqual([first, first]);
    expect(envs.map((e) => e.seeds)).toEqual([envs[0].seeds, envs[0].seeds]);
    expect(envs[0].closed).toBe(1);
    const scored = environmentEvaluator(factory, { episodes: 3, referenceScore: { min: 0, max: 2 * first } });
    expect(await scored(agent)).toBe(50);
    expect(
      await environmentEvaluator(factory, { episodes: 3, metric: 'return', referenceScore: { min: 0, max: 1 } })(agent),
    ).toBe(first);
  });

  test('a metric the env cannot give is a ConfigError that says what to use', async () => {
    await expect(environmentEvaluator(() => new ToyEnv(), { metric: 'normalizedScore' })(agent)).rejects.toThrow(
      /needs reference scores, and this env has none; pass datasetId/,
    );
    await expect(environmentEvaluator(() => new ToyEnv(), { metric: 'successRate' })(agent)).rejects.toThrow(
      /reports info\.success/,
    );
    const succeeding = environmentEvaluator(() => new ToyEnv({ success: (_r, t) => t === 3 }), {
      metric: 'successRate',
    });
    expect(await succeeding(agent)).toBe(1);
  });

  test("with a real agent: fit's evaluator and evaluatePolicy(agent) / evaluatePolicy(await agent.policy())", async () => {
    await initEngine({ backend: 'wasm' });
    const agent = new DiffusionQLAgent({
      observationDim: 3,
      actionDim: 1,
      batchSize: 8,
      hiddenDims: [16],
      criticHiddenDims: [16],
      diffusionSteps: 2,
      actionCandidates: 2,
      maxAction: 2,
    });
    const report = await agent.fit(randomBuffer(3, 1), {
      steps: 4,
      stepsPerEpoch: 2,
      progress: 'off',
      evaluators: { return: environmentEvaluator('Pendulum-v1', { episodes: 2, vectorized: true }) },
    });
    const scores = report.history.map((h) => h.evaluation['return']);
    expect(scores).toHaveLength(2);
    for (const s of scores) expect(s).toBeLessThan(0); // Pendulum rewards are <= 0
    const direct = await evaluatePolicy(agent, 'Pendulum-v1', { episodes: 2, seed: 0, vectorized: true });
    expect(direct.lengths).toEqual([200, 200]);
    const bound = await evaluatePolicy(await agent.policy(), 'Pendulum-v1', { episodes: 1, seed: 0 });
    expect(bound.lengths).toEqual([200]);
    agent.dispose();
  }, 60_000);
});
