/**
 * Class 3, non-finite values in and out: a NaN or infinite observation, trajectory prompt,
 * feature vector or text vector given to a policy (or to `exportPolicy`) is a NonFiniteInputError
 * naming the input, row and column as the user gave them, before any observation scaler (a
 * network would turn it into a confident-looking action); `act` given a plain array converts it,
 * anything that is not an array of numbers is a ShapeError saying what to pass, and a context
 * that is not an object is a ConfigError;
 * `fit` stops with a DivergenceError when a metric or the weights stop being finite, writes no
 * checkpoint holding them, and marks its run folder `failed`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BCAgent } from '../../src/agents/bc.js';
import { DiffusionQLAgent } from '../../src/agents/diffusion-ql.js';
import { LLMDPDAgent } from '../../src/agents/llmdpd.js';
import { ConfigError, DivergenceError, NonFiniteInputError, ShapeError } from '../../src/core/errors.js';
import type { Trajectory } from '../../src/core/types.js';
import type { TextEncoder } from '../../src/encoders/text/text-encoder.js';
import { initEngine } from '../../src/engine/index.js';
import { randomBuffer } from '../support/agent-conformance.js';
import { CHECKPOINT_TEXT_ENCODER } from '../support/valid-checkpoints.js';
import { smallMultiTask } from '../support/valid-files.js';
import { type CorpusCase, LOADS, fails } from './corpus-case.js';

const TINY = {
  observationDim: 3,
  actionDim: 2,
  batchSize: 8,
  hiddenDims: [8],
  criticHiddenDims: [8],
  actionCandidates: 4,
  diffusionSteps: 3,
};
const PROMPTS = {
  textHeadHiddenDims: [8],
  textOutputDim: 4,
  trajectoryOutputDim: 4,
  trajectoryWidth: 8,
  trajectoryLayers: 1,
  trajectoryFeedForwardDim: 8,
  trajectoryPromptLength: 4,
};
const OBSERVATION = Float32Array.of(0.5, -0.25, 1);

/** Runs `use` on a fresh untrained Diffusion-QL agent, disposing it afterwards. */
async function withAgent<T>(use: (agent: DiffusionQLAgent) => T | Promise<T>, options = {}): Promise<T> {
  await initEngine({ backend: 'wasm' });
  const agent = new DiffusionQLAgent({ ...TINY, ...options });
  try {
    return await use(agent);
  } finally {
    agent.dispose();
  }
}

/** Runs `use` on a fresh LLMDPD agent with `encoder`, disposing it afterwards. */
async function withPromptAgent<T>(
  use: (agent: LLMDPDAgent) => T | Promise<T>,
  encoder: TextEncoder = CHECKPOINT_TEXT_ENCODER,
): Promise<T> {
  await initEngine({ backend: 'wasm' });
  const agent = new LLMDPDAgent({ ...TINY, ...PROMPTS }, { textEncoder: encoder });
  try {
    return await use(agent);
  } finally {
    agent.dispose();
  }
}

/** A trajectory prompt of the small multi-task data with one value replaced. */
function damagedPrompt(field: 'observations' | 'actions', index: number, value: number): Trajectory {
  const t = smallMultiTask().task(0).trajectoryPrompt;
  const copy = { ...t, observations: Float32Array.from(t.observations), actions: Float32Array.from(t.actions) };
  copy[field][index] = value;
  return copy;
}

/** A text encoder whose vectors are broken: NaN at column 5, or one value short. */
function brokenEncoder(kind: 'nan' | 'short'): TextEncoder {
  const dim = CHECKPOINT_TEXT_ENCODER.dimension;
  return {
    id: `broken-${kind}`,
    dimension: dim,
    instruction: '',
    encode: (prompts) =>
      Promise.resolve(
        prompts.map(() => {
          const v = new Float32Array(kind === 'short' ? dim - 1 : dim).fill(0.25);
          if (kind === 'nan') v[5] = NaN;
          return v;
        }),
      ),
    dispose: () => Promise.resolve(),
  };
}

function nonFinite(id: string, run: (dir: string) => unknown, message: RegExp): CorpusCase {
  return { id: `3-${id}`, issueClass: 3, run, expected: fails(NonFiniteInputError, message) };
}

const fitFast = { steps: 12, stepsPerEpoch: 4, logEvery: 1, progress: 'off' } as const;

export const NON_FINITE_CASES: readonly CorpusCase[] = [
  nonFinite(
    'act-nan-observation',
    () => withAgent((a) => a.act(Float32Array.of(0.5, NaN, 1))),
    /DiffusionQLAgent.act: observation row 0, column 1 is NaN/,
  ),
  nonFinite(
    'act-infinite-observation',
    () => withAgent((a) => a.act(Float32Array.of(Infinity, 0, 1))),
    /observation row 0, column 0 is Infinity/,
  ),
  nonFinite(
    'act-batch-nan-row-2',
    () => withAgent((a) => a.actBatch(Float32Array.from({ length: 12 }, (_, i) => (i === 7 ? NaN : i / 10)))),
    /DiffusionQLAgent.actBatch: observations row 2, column 1 is NaN/,
  ),
  nonFinite(
    'bound-policy-negative-infinity',
    () => withAgent(async (a) => (await a.policy()).act(Float32Array.of(0, 0, -Infinity))),
    /policy\(\.\.\.\)\.act: observation row 0, column 2 is -Infinity/,
  ),
  nonFinite(
    'plain-array-with-nan',
    () => withAgent((a) => a.act([0, NaN, 0] as unknown as Float32Array)),
    /observation row 0, column 1 is NaN/,
  ),
  nonFinite(
    'policy-nan-trajectory-observation',
    () =>
      withPromptAgent(async (a) => {
        const task = smallMultiTask().task(0);
        return a.policy({ textPrompt: task.textPrompt, trajectoryPrompt: damagedPrompt('observations', 7, NaN) });
      }),
    /trajectoryPrompt.observations row 2, column 1 is NaN/,
  ),
  nonFinite(
    'act-infinite-trajectory-action',
    () =>
      withPromptAgent(async (a) => {
        const task = smallMultiTask().task(1);
        await a.embedTexts([task.textPrompt]);
        return a.act(OBSERVATION, {
          textPrompt: task.textPrompt,
          trajectoryPrompt: damagedPrompt('actions', 3, Infinity),
        });
      }),
    /trajectoryPrompt.actions row 1, column 1 is Infinity/,
  ),
  nonFinite(
    'features-nan',
    () =>
      withAgent((a) => a.act(OBSERVATION, { features: [0.5, NaN] }), {
        conditioner: { kind: 'features', dim: 2, table: { a: [0, 1] } },
      }),
    /features row 0, column 1 is NaN/,
  ),
  nonFinite(
    'text-encoder-nan-vector',
    () => withPromptAgent((a) => a.embedTexts(['Task: reach.']), brokenEncoder('nan')),
    /Text encoder broken-nan returned NaN at column 5 of the vector for the text "Task: reach."/,
  ),
  {
    id: '3-text-encoder-short-vector',
    issueClass: 3,
    run: () => withPromptAgent((a) => a.embedTexts(['Task: reach.']), brokenEncoder('short')),
    expected: fails(ShapeError, /returned a vector of 15 values for the text "Task: reach."; expected 16/),
  },
  {
    id: '3-act-string',
    issueClass: 3,
    run: () => withAgent((a) => a.act('0.5,0.1,0' as unknown as Float32Array)),
    expected: fails(
      ShapeError,
      /expects one observation of 3 numbers as a Float32Array \(or an array of numbers\), got a string/,
    ),
  },
  {
    id: '3-act-undefined',
    issueClass: 3,
    run: () => withAgent((a) => a.act(undefined as unknown as Float32Array)),
    expected: fails(ShapeError, /as a Float32Array \(or an array of numbers\), got undefined/),
  },
  {
    id: '3-act-array-of-strings',
    issueClass: 3,
    run: () => withAgent((a) => a.act([0, '1', 2] as unknown as Float32Array)),
    expected: fails(ShapeError, /element 1 is a string \("1"\)/),
  },
  {
    id: '3-act-context-string',
    issueClass: 3,
    run: () => withPromptAgent((a) => a.act(OBSERVATION, 'north' as never)),
    expected: fails(
      ConfigError,
      /LLMDPDAgent.act: the context must be an object \{ textPrompt\?, trajectoryPrompt\?, task\?, features\? \}, got a string/,
    ),
  },
  nonFinite(
    'act-nan-before-observation-scaler',
    async () => {
      await initEngine({ backend: 'wasm' });
      // BC standardises observations: the check reads what the user gave, before the scaler.
      const agent = new BCAgent({ observationDim: 3, actionDim: 2, batchSize: 8, hiddenDims: [8] });
      try {
        await agent.bindTasks(randomBuffer(3, 2, 64, 3));
        return (await agent.policy()).actBatch([0, 0, 0, 0.5, 1e30, -Infinity] as unknown as Float32Array);
      } finally {
        agent.dispose();
      }
    },
    /BCAgent.policy\(\.\.\.\).actBatch: observations row 1, column 2 is -Infinity/,
  ),
  {
    id: '3-act-plain-array-through-observation-scaler',
    issueClass: 3,
    run: async () => {
      await initEngine({ backend: 'wasm' });
      const agent = new BCAgent({ observationDim: 3, actionDim: 2, batchSize: 8, hiddenDims: [8] });
      try {
        await agent.bindTasks(randomBuffer(3, 2, 64, 3));
        const typed = Array.from(agent.act(OBSERVATION));
        const plain = Array.from(agent.act([0.5, -0.25, 1] as unknown as Float32Array));
        if (typed.some((v, i) => v !== plain[i]))
          throw new Error(`${JSON.stringify(plain)} vs ${JSON.stringify(typed)}`);
      } finally {
        agent.dispose();
      }
    },
    expected: LOADS,
  },
  {
    id: '3-export-context-array',
    issueClass: 3,
    run: (dir) => withAgent((a) => a.exportPolicy(join(dir, 'policy'), { context: [1, 2] as never })),
    expected: fails(
      ConfigError,
      /DiffusionQLAgent.exportPolicy: the context must be an object \{ textPrompt\?, trajectoryPrompt\?, task\?, features\? \}, got an array/,
    ),
  },
  nonFinite(
    'export-features-infinite',
    (dir) =>
      withAgent((a) => a.exportPolicy(join(dir, 'policy'), { context: { features: [Infinity, 0] } }), {
        conditioner: { kind: 'features', dim: 2, table: { a: [0, 1] } },
      }),
    /features row 0, column 0 is Infinity/,
  ),
  {
    id: '3-act-plain-array-converts',
    issueClass: 3,
    run: () =>
      withAgent(async (a) => {
        const fromArray = Array.from(a.act([0.5, -0.25, 1] as unknown as Float32Array));
        const again = new DiffusionQLAgent(TINY); // same seed, same acting stream
        const fromTyped = Array.from(again.act(OBSERVATION));
        const fromFloat64 = Array.from(
          (await again.policy()).act(Float64Array.of(0.5, -0.25, 1) as unknown as Float32Array),
        );
        again.dispose();
        if (fromArray.some((v, i) => v !== fromTyped[i]))
          throw new Error(`${JSON.stringify(fromArray)} vs ${JSON.stringify(fromTyped)}`);
        if (fromFloat64.length !== 2 || !fromFloat64.every(Number.isFinite))
          throw new Error(JSON.stringify(fromFloat64));
      }),
    expected: LOADS,
  },
  {
    id: '3-fit-learning-rate-1e6',
    issueClass: 3,
    run: () =>
      withAgent((a) => a.fit(randomBuffer(3, 2, 64, 3), fitFast), {
        actorLearningRate: 1e6,
        criticLearningRate: 1e6,
      }),
    expected: fails(DivergenceError, /Training diverged: metric 'loss\/\w+' is (NaN|-?Infinity) at step \d+/),
  },
  {
    id: '3-fit-learning-rate-1e6-run-folder',
    issueClass: 3,
    run: async (dir) => {
      const logDir = join(dir, 'run');
      await withAgent((a) => a.fit(randomBuffer(3, 2, 64, 3), { ...fitFast, steps: 1, stepsPerEpoch: 1, logDir }), {
        actorLearningRate: 1e6,
        criticLearningRate: 1e6,
      });
      // Step 1 still has finite weights: its checkpoint is written. Now diverge from it.
      const resumed = DiffusionQLAgent.load(join(logDir, 'checkpoint'));
      const error = await resumed.fit(randomBuffer(3, 2, 64, 3), { ...fitFast, logDir }).then(
        () => new Error('fit completed'),
        (e: unknown) => e as Error,
      );
      resumed.dispose();
      const status = JSON.parse(readFileSync(join(logDir, 'status.json'), 'utf8')) as Record<string, unknown>;
      if (status['state'] !== 'failed' || !String(status['error']).startsWith('DivergenceError: Training diverged'))
        throw new Error(`status.json: ${JSON.stringify(status)}`);
      if (status['checkpointStep'] !== 1) throw new Error(`checkpointStep ${String(status['checkpointStep'])}`);
      // The last good checkpoint is still there and loads.
      const good = DiffusionQLAgent.load(join(logDir, 'checkpoint'));
      const step = good.step;
      good.dispose();
      if (step !== 1) throw new Error(`checkpoint at step ${step}`);
      throw error;
    },
    expected: fails(DivergenceError, /the last good checkpoint|no checkpoint was written by this fit call/),
  },
  {
    id: '3-save-nan-weights-keeps-checkpoint',
    issueClass: 3,
    run: (dir) =>
      withAgent((a) => {
        a.save(dir);
        const before = readFileSync(join(dir, 'manifest.json'), 'utf8');
        tf.tidy(() => a.critic.trainableVariables()[2].assign(tf.fill([8, 1], NaN)));
        const error = (() => {
          try {
            a.save(dir);
            return new Error('saved');
          } catch (e) {
            return e as Error;
          }
        })();
        if (readFileSync(join(dir, 'manifest.json'), 'utf8') !== before)
          throw new Error('the checkpoint on disk changed');
        throw error;
      }),
    expected: fails(
      DivergenceError,
      /Refusing to save a checkpoint of step 0 .*critic\/2 holds NaN at \[0, 0\] of \[8, 1\]/,
    ),
  },
];
