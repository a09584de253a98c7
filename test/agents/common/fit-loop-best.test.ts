import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BCAgent } from '../../../src/agents/bc.js';
import { initEngine } from '../../../src/engine/index.js';
import { randomBuffer } from '../../support/agent-conformance.js';

let root: string;
beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'llmdpd-best-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const SMALL = { observationDim: 3, actionDim: 2, batchSize: 8, hiddenDims: [8] };
const observation = new Float32Array([0.2, -0.4, 0.1]);

test('keepBest saves the best epoch by one evaluator; the report gives the final and the best epoch', async () => {
  const agent = new BCAgent(SMALL);
  const scores = [0.2, 0.7, 0.5, 0.6]; // epoch 2 is the best
  const actionsByEpoch: number[][] = [];
  let scored = 0;
  const dir = join(root, 'best');
  const report = await agent.fit(randomBuffer(3, 2), {
    steps: 8,
    stepsPerEpoch: 2,
    progress: 'off',
    evaluators: {
      score: () => scores[scored++],
      other: (a) => {
        actionsByEpoch.push(Array.from(a.act(observation)));
        return actionsByEpoch.length;
      },
    },
    keepBest: { evaluator: 'score', dir },
  });
  expect(report.best).toEqual({
    evaluator: 'score',
    value: 0.7,
    epoch: 2,
    step: 4,
    evaluation: { score: 0.7, other: 2 },
    dir,
  });
  expect(report.final).toEqual({ epoch: 4, step: 8, evaluation: { score: 0.6, other: 4 } });
  const best = BCAgent.load(dir);
  expect(best.step).toBe(4);
  expect(Array.from(best.act(observation))).toEqual(actionsByEpoch[1]);
  agent.dispose();
  best.dispose();
});

test('keepBest minimises, respects toBeat, and refuses an unknown evaluator or a missing folder', async () => {
  const agent = new BCAgent(SMALL);
  const losses = [3, 1, 2];
  let epoch = 0;
  const fit = (keepBest: object) =>
    agent.fit(randomBuffer(3, 2), {
      steps: 3,
      stepsPerEpoch: 1,
      progress: 'off',
      evaluators: { loss: () => losses[epoch++ % 3] },
      keepBest: keepBest as never,
    });
  const min = await fit({ evaluator: 'loss', mode: 'min', dir: join(root, 'min') });
  expect([min.best?.epoch, min.best?.value]).toEqual([2, 1]);
  const none = await fit({ evaluator: 'loss', mode: 'min', dir: join(root, 'none'), toBeat: 0.5 });
  expect(none.best).toBeNull();
  await expect(fit({ evaluator: 'return', dir: root })).rejects.toThrow(
    /keepBest.evaluator is "return", which is not among the evaluators \(loss\)/,
  );
  await expect(fit({ evaluator: 'loss' })).rejects.toThrow(/keepBest needs a folder/);
  agent.dispose();
});

test('without keepBest the report has no best epoch', async () => {
  const agent = new BCAgent(SMALL);
  const report = await agent.fit(randomBuffer(3, 2), { steps: 2, progress: 'off' });
  expect(report.best).toBeNull();
  expect(report.final).toEqual({ epoch: 1, step: 2, evaluation: {} });
  agent.dispose();
});
