/**
 * Leak probes: the trivial readers of the prompts are near chance on the landmark family's
 * unseen tasks, and the same readers do find the leak of pointmass-reach (so they can fail).
 */
import { HashedNgramTextEncoder } from '../../../src/encoders/index.js';
import { evaluatePolicy } from '../../../src/eval/index.js';
import { Rng } from '../../../src/core/rng.js';
import type { TaskDataset } from '../../../src/suites/generate.js';
import { makeSuite } from '../../../src/suites/index.js';
import {
  fitReadout,
  lastPositions,
  probeData,
  type ReadoutClonerTask,
  TinyMlp,
  trainReadoutCloner,
} from '../../../src/suites/landmarks/probes.js';
import { makeLandmarkSuite, type LandmarkSuite } from '../../../src/suites/landmarks/suite.js';
import type { Trajectory } from '../../../src/core/types.js';

let suite: LandmarkSuite;
beforeAll(async () => {
  suite = await makeLandmarkSuite('pointmass-landmarks', { seed: 0, transitionsPerTask: 4000 });
});

/** The expert episodes of a task's data, for the cloner. */
function expertRows(data: TaskDataset, episodeSteps: number, prompt: Trajectory): ReadoutClonerTask {
  const columns = data.buffer.columns();
  const D = columns.observationDim;
  const rows: number[] = [];
  data.episodeBehaviours.forEach((kind, e) => {
    if (kind === 'expert') for (let r = e * episodeSteps; r < (e + 1) * episodeSteps; r++) rows.push(r);
  });
  const observations = new Float32Array(rows.length * D);
  const actions = new Float32Array(rows.length * 2);
  rows.forEach((r, i) => {
    observations.set(columns.observations.subarray(r * D, (r + 1) * D), i * D);
    actions.set(columns.actions.subarray(r * 2, r * 2 + 2), i * 2);
  });
  return { observations, actions, rows: rows.length, observationDim: D, trajectoryPrompt: prompt };
}

describe('the probes themselves', () => {
  test('TinyMlp fits a smooth function and fitReadout finds a goal that the features contain', () => {
    const rng = new Rng(1);
    const inputs = Array.from({ length: 400 }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)]);
    const targets = inputs.map(([a, b, c]) => [0.5 * a - 0.2 * b, Math.sin(c)]);
    const train = probeData(inputs.slice(0, 300), targets.slice(0, 300));
    const test = probeData(inputs.slice(300), targets.slice(300));
    expect(fitReadout('linear', train, test).r2).toBeGreaterThan(0.95);
    expect(fitReadout('mlp', train, test).r2).toBeGreaterThan(0.95);
    const net = new TinyMlp([3, 16, 2], new Rng(2));
    const first = net.fit(train, { steps: 1, rng: new Rng(3) });
    expect(net.fit(train, { steps: 2000, lr: 3e-3, rng: new Rng(3) })).toBeLessThan(first / 10);
  });
});

describe('pointmass-landmarks prompts do not give the goal away', () => {
  function goals(task: LandmarkSuite['tasks'][number], episodes: number, seed: number): number[][] {
    const env = task.makeEnv();
    const out: number[][] = [];
    for (let i = 0; i < episodes; i++) {
      const [, info] = env.reset({ seed: seed + i }) as [Float32Array, Record<string, number>];
      out.push([info['goalX'], info['goalY']]);
    }
    void env.close();
    return out;
  }

  test('read-outs from the text embedding or the trajectory prompt to the goal are at chance on unseen tasks', async () => {
    const encoder = new HashedNgramTextEncoder({ dimension: 64 });
    const text = new Map<string, Float32Array>();
    for (const t of suite.tasks) text.set(t.name, (await encoder.encode([t.text]))[0]);
    const features: Record<string, (t: LandmarkSuite['tasks'][number]) => number[]> = {
      text: (t) => Array.from(text.get(t.name)!),
      trajectory: (t) => Array.from(lastPositions(t.trajectoryPrompt)),
    };
    for (const [name, feature] of Object.entries(features)) {
      const rows = (tasks: LandmarkSuite['tasks'], seed: number) => {
        const x: number[][] = [];
        const y: number[][] = [];
        for (const t of tasks)
          for (const g of goals(t, 20, seed)) {
            x.push(feature(t));
            y.push(g);
          }
        return probeData(x, y);
      };
      const train = rows(suite.seen, 100);
      const test = rows(suite.unseen, 900);
      for (const kind of ['linear', 'mlp'] as const) {
        const result = fitReadout(kind, train, test);
        expect({ name, kind, leak: result.r2 > 0.1 }).toEqual({ name, kind, leak: false });
      }
    }
  });
});

describe('behaviour cloning with the prompt read-out', () => {
  test('solves pointmass-reach from the prompt (its known leak) but not pointmass-landmarks', async () => {
    const reach = await makeSuite('pointmass-reach', { seed: 0, transitionsPerTask: 4000 });
    const cloneAndScore = async (
      seen: readonly { data: TaskDataset | null; trajectoryPrompt: Trajectory }[],
      unseen: readonly {
        makeEnv: () => ReturnType<LandmarkSuite['tasks'][number]['makeEnv']>;
        trajectoryPrompt: Trajectory;
      }[],
      steps: number,
    ) => {
      const policy = trainReadoutCloner(
        seen.map((t) => expertRows(t.data!, 50, t.trajectoryPrompt)),
        { steps, seed: 0 },
      );
      let total = 0;
      for (const t of unseen) {
        const result = await evaluatePolicy(
          (o: Float32Array) => policy(o, t.trajectoryPrompt),
          () => t.makeEnv(),
          {
            episodes: 10,
            seed: 5,
          },
        );
        total += (result.successRate ?? Number.NaN) / unseen.length;
      }
      return total;
    };
    const reachUnseen = await cloneAndScore(reach.seen, reach.unseen, 2500);
    const landmarksUnseen = await cloneAndScore(suite.seen, suite.unseen, 2500);
    expect(reachUnseen).toBeGreaterThanOrEqual(0.5);
    expect(landmarksUnseen).toBeLessThanOrEqual(0.15);
  }, 180_000);
});
