/**
 * The conformance suite every agent passes (`docs/algorithms/README.md`, "Contracts every agent
 * keeps"): finite metrics with the declared keys, action shape and bounds, same seed → same
 * losses and actions, save → load → same actions, resuming from a checkpoint equals an
 * uninterrupted run, AbortSignal stops cleanly and keeps the last checkpoint, no tensor leaks,
 * dispose frees everything, and the exported policy (`exportPolicy`, run by the dependency-free
 * runtime) returns the agent's actions.
 *
 * Call `agentConformance(name, factory)` from an agent's test file.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MultiTaskDataset } from '../../src/buffers/multi-task-dataset.js';
import { ReplayBuffer } from '../../src/buffers/replay-buffer.js';
import { Rng } from '../../src/core/rng.js';
import type { Batch, TransitionSource } from '../../src/core/types.js';
import type { Agent, FitOptions, FitReport, Metrics, PromptContext } from '../../src/agents/agent.js';
import { initEngine } from '../../src/engine/index.js';
import { loadExportedPolicy } from '../../src/export/artefact.js';
import { expectClose, expectNoLeakedTensors } from './tensors.js';

/** What the suite needs to know about an agent class. */
export interface ConformanceSubject<A extends Agent<unknown, never>> {
  /** Builds an agent for the given dims and seed (small networks, for speed). */
  create(seed: number): A;
  /** Loads a saved agent. */
  load(dir: string): A;
  /** Training data of the subject's dims (a small random buffer by default). */
  data?: () => TransitionSource;
  /** The metric keys `update(batch, true)` must return. */
  readonly metricKeys: readonly string[];
  /** Observation and action widths. */
  readonly observationDim: number;
  /** Action width. */
  readonly actionDim: number;
  /** Action bound the agent promises. */
  readonly maxAction: number;
  /** Prompt context passed to act (multi-task agents). */
  readonly context?: PromptContext;
  /** Prepares a fresh agent for `update`/`act` on `data` without training (multi-task agents embed prompts). */
  prepare?(agent: A, data: TransitionSource): Promise<void>;
}

/** A small random buffer of `n` transitions with occasional terminals. */
export function randomBuffer(observationDim: number, actionDim: number, n = 512, seed = 7): ReplayBuffer {
  const rng = new Rng(seed);
  return ReplayBuffer.fromArrays({
    observations: rng.fillNormal(new Float32Array(n * observationDim)),
    actions: rng.fillUniform(new Float32Array(n * actionDim), -1, 1),
    rewards: rng.fillUniform(new Float32Array(n), 0, 1),
    nextObservations: rng.fillNormal(new Float32Array(n * observationDim)),
    terminals: Uint8Array.from({ length: n }, (_, i) => (i % 50 === 49 ? 1 : 0)),
    observationDim,
    actionDim,
  });
}

/**
 * Two tasks, `north` and `east`, each a {@link randomBuffer} of 128 transitions of width 4 × 2
 * (seeds `seed` and `seed + 1`), with its name as the text prompt and its first 4 steps as the
 * trajectory prompt: the multi-task data of the conditioned conformance runs.
 */
export function twoTaskDataset(seed: number): MultiTaskDataset {
  return new MultiTaskDataset(
    ['north', 'east'].map((name, i) => {
      const buffer = randomBuffer(4, 2, 128, seed + i);
      return { name, buffer, textPrompt: name, trajectoryPrompt: buffer.trajectory({ start: 0, length: 4 }) };
    }),
  );
}

function weightsOf(agent: Agent<unknown, never>): Float32Array[] {
  const groups = (agent as unknown as { variableGroups(): Record<string, tf.Variable[]> }).variableGroups();
  return Object.values(groups).flatMap((vs) => vs.map((v) => Float32Array.from(v.dataSync() as Float32Array)));
}

/** Registers the conformance tests for one agent class. */
export function agentConformance<A extends Agent<unknown, never>>(name: string, subject: ConformanceSubject<A>): void {
  const data = () => (subject.data ? subject.data() : randomBuffer(subject.observationDim, subject.actionDim));
  const obs = new Rng(99).fillNormal(new Float32Array(subject.observationDim));
  const fitQuiet = (agent: A, src: TransitionSource, options: FitOptions<A>): Promise<FitReport> =>
    agent.fit(src as never, { progress: 'off', ...options } as never);
  let dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'llmdpd-agent-'));
    dirs.push(d);
    return d;
  };

  describe(`${name} conformance`, () => {
    beforeAll(async () => {
      await initEngine({ backend: 'wasm' });
    });
    afterAll(() => {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
      dirs = [];
    });

    test('update returns finite metrics with the declared keys', async () => {
      const agent = subject.create(0);
      const source = data();
      await subject.prepare?.(agent, source);
      const batch: Batch = (source as ReplayBuffer).sample(16, new Rng(1));
      const quiet = agent.update(batch, false);
      expect(quiet).toBeNull();
      const m = agent.update(batch, true) as Metrics;
      expect(Object.keys(m).sort()).toEqual([...subject.metricKeys].sort());
      for (const [k, v] of Object.entries(m)) if (!Number.isFinite(v)) throw new Error(`metric ${k} is ${v}`);
      expect(agent.step).toBe(2);
      agent.dispose();
    });

    test('act returns one bounded action of the right length; bad input is a ShapeError', async () => {
      const agent = subject.create(0);
      await subject.prepare?.(agent, data());
      const a = agent.act(obs, subject.context);
      expect(a).toBeInstanceOf(Float32Array);
      expect(a.length).toBe(subject.actionDim);
      for (const v of a) expect(Math.abs(v)).toBeLessThanOrEqual(subject.maxAction);
      expect(() => agent.act(new Float32Array(subject.observationDim + 1), subject.context)).toThrow(/observation/);
      const many = (await agent.policy(subject.context)).actBatch(new Float32Array(3 * subject.observationDim));
      expect(many.length).toBe(3 * subject.actionDim);
      agent.dispose();
    });

    test('same seed gives the same losses and actions; another seed does not', async () => {
      const run = async (seed: number) => {
        const agent = subject.create(seed);
        const report = await fitQuiet(agent, data(), { steps: 6, stepsPerEpoch: 3, logEvery: 1 });
        const action = agent.act(obs, subject.context);
        agent.dispose();
        return { metrics: report.history.map((h) => h.metrics), action: Array.from(action) };
      };
      const a = await run(3);
      const b = await run(3);
      const c = await run(4);
      expect(b).toEqual(a);
      expect(c.action).not.toEqual(a.action);
    });

    test('save -> load gives identical actions and weights', async () => {
      const agent = subject.create(1);
      await fitQuiet(agent, data(), { steps: 4 });
      const dir = tempDir();
      agent.save(dir);
      const loaded = subject.load(dir);
      expect(loaded.step).toBe(agent.step);
      expect(loaded.config).toEqual(agent.config);
      expect(weightsOf(loaded)).toEqual(weightsOf(agent));
      expect(Array.from(loaded.act(obs, subject.context))).toEqual(Array.from(agent.act(obs, subject.context)));
      agent.dispose();
      loaded.dispose();
    });

    test('fit resumed from a checkpoint equals an uninterrupted run', async () => {
      const whole = subject.create(2);
      await fitQuiet(whole, data(), { steps: 8, stepsPerEpoch: 4 });
      const dir = tempDir();
      const first = subject.create(2);
      await fitQuiet(first, data(), { steps: 4, stepsPerEpoch: 4, checkpoint: { dir } });
      first.dispose();
      const resumed = subject.load(dir);
      await fitQuiet(resumed, data(), { steps: 4, stepsPerEpoch: 4 });
      expect(resumed.step).toBe(8);
      expect(weightsOf(resumed)).toEqual(weightsOf(whole));
      whole.dispose();
      resumed.dispose();
    });

    test('AbortSignal stops between steps and the last checkpoint stays loadable', async () => {
      const agent = subject.create(5);
      const dir = tempDir();
      const controller = new AbortController();
      const fitting = fitQuiet(agent, data(), {
        steps: 1000,
        stepsPerEpoch: 2,
        checkpoint: { dir },
        onEpoch: (r) => {
          if (r.epoch === 2) controller.abort(new Error('stop requested'));
        },
        signal: controller.signal,
      });
      await expect(fitting).rejects.toThrow('stop requested');
      expect(agent.step).toBe(4);
      const restored = subject.load(dir);
      expect(restored.step).toBe(4);
      agent.dispose();
      restored.dispose();
    });

    test('onEpoch can stop training early', async () => {
      const agent = subject.create(6);
      const report = await fitQuiet(agent, data(), {
        steps: 100,
        stepsPerEpoch: 2,
        onEpoch: (r) => (r.epoch === 3 ? { stop: true } : undefined),
      });
      expect(report.stoppedBy).toBe('callback');
      expect(report.epochs).toBe(3);
      expect(agent.step).toBe(6);
      agent.dispose();
    });

    test('the exported policy acts as the agent: same scalers, condition and noise', async () => {
      const agent = subject.create(8);
      await fitQuiet(agent, data(), { steps: 4 });
      const dir = tempDir();
      const summary = await agent.exportPolicy(dir, subject.context === undefined ? {} : { context: subject.context });
      expect(summary.values).toBeGreaterThan(0);
      const policy = loadExportedPolicy(dir);
      const many = new Rng(3).fillNormal(new Float32Array(5 * subject.observationDim));
      // The export starts from the agent's acting stream, so both draw the same noise from here on.
      const bound = await agent.policy(subject.context);
      expectClose(policy.actBatch(many), bound.actBatch(many), 1e-4, 1e-4);
      expectClose(policy.act(obs), bound.act(obs), 1e-4, 1e-4);
      agent.dispose();
    });

    test('no tensor leaks across update, act, save and load; dispose frees everything', async () => {
      const before = tf.memory().numTensors;
      const agent = subject.create(7);
      const source = data();
      await subject.prepare?.(agent, source);
      const batch = (source as ReplayBuffer).sample(16, new Rng(2));
      await expectNoLeakedTensors(() => agent.update(batch, true));
      await expectNoLeakedTensors(() => agent.update(batch, false));
      await expectNoLeakedTensors(() => agent.act(obs, subject.context));
      const dir = tempDir();
      await expectNoLeakedTensors(() => agent.save(dir));
      const loaded = subject.load(dir);
      loaded.dispose();
      agent.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
