// Checkpoints written by the 0.1.0 agents (test/fixtures/agents/README.md) load with today's
// code and behave exactly as they did: same action, same metrics over two more steps of fit.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiffusionQLAgent } from '../../src/agents/diffusion-ql.js';
import { LLMDPDAgent } from '../../src/agents/llmdpd.js';
import { MultiTaskDataset } from '../../src/buffers/multi-task-dataset.js';
import { HashedNgramTextEncoder } from '../../src/encoders/text/hashed-text-encoder.js';
import { initEngine } from '../../src/engine/index.js';
import { randomBuffer } from '../support/agent-conformance.js';
import { expectClose } from '../support/tensors.js';

const FIXTURES = new URL('../fixtures/agents/', import.meta.url).pathname;
const expected = JSON.parse(readFileSync(join(FIXTURES, 'legacy-expected.json'), 'utf8')) as {
  observation: number[];
  llmdpdTask: number;
  llmdpdAction: number[];
  llmdpdResumeMetrics: Record<string, number>[];
  diffusionQLAction: number[];
  diffusionQLResumeMetrics: Record<string, number>[];
};
const encoder = new HashedNgramTextEncoder({ dimension: 32 });
const dataset = new MultiTaskDataset(
  ['reach the north target', 'reach the east target'].map((text, i) => {
    const buffer = randomBuffer(3, 2, 64, 10 + i);
    return {
      name: `task-${i}`,
      buffer,
      textPrompt: text,
      trajectoryPrompt: buffer.trajectory({ start: 0, length: 4 }),
    };
  }),
);
const observation = Float32Array.from(expected.observation);
const resume = { steps: 2, progress: 'off', logEvery: 1, stepsPerEpoch: 1 } as const;
let dirs: string[] = [];
/** A writable copy of a fixture (fit's checkpoints must never touch the fixtures). */
function copyOf(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'llmdpd-legacy-'));
  dirs.push(dir);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

test('a 0.1.0 LLMDPD checkpoint loads, acts and resumes training exactly as before', async () => {
  const agent = LLMDPDAgent.load(copyOf('llmdpd-0.1.0'), { textEncoder: encoder });
  expect(agent.config.criticConditioning).toBe('ema');
  expect(agent.config.conditioner.trajectoryDropout).toBe(0);
  const task = dataset.task(expected.llmdpdTask);
  const policy = await agent.policy({ textPrompt: task.textPrompt, trajectoryPrompt: task.trajectoryPrompt });
  expectClose(policy.act(observation), expected.llmdpdAction, 1e-6, 1e-6);
  const report = await agent.fit(dataset, resume);
  report.history.forEach((h, i) => {
    const want = expected.llmdpdResumeMetrics[i];
    expectClose(
      Object.keys(want).map((k) => h.metrics[k]),
      Object.values(want),
      1e-6,
      1e-5,
    );
  });
  agent.dispose();
});

test('a 0.1.0 LLMDPD checkpoint saved again loads as today’s format', () => {
  const agent = LLMDPDAgent.load(copyOf('llmdpd-0.1.0'), { textEncoder: encoder });
  const dir = copyOf('llmdpd-0.1.0');
  agent.save(dir);
  const again = LLMDPDAgent.load(dir, { textEncoder: encoder });
  expect(again.config).toEqual(agent.config);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { formatVersion: number };
  expect(manifest.formatVersion).toBe(2);
  agent.dispose();
  again.dispose();
});

test('a 0.1.0 Diffusion-QL checkpoint loads, acts and resumes training exactly as before', async () => {
  const agent = DiffusionQLAgent.load(copyOf('diffusion-ql-0.1.0'));
  expect(agent.config.conditioner).toEqual({ kind: 'none' });
  expectClose(agent.act(observation), expected.diffusionQLAction, 1e-6, 1e-6);
  const report = await agent.fit(dataset.task(0).buffer, resume);
  report.history.forEach((h, i) => {
    const want = expected.diffusionQLResumeMetrics[i];
    expectClose(
      Object.keys(want).map((k) => h.metrics[k]),
      Object.values(want),
      1e-6,
      1e-5,
    );
  });
  agent.dispose();
});

test('loading a checkpoint with the wrong class names the right one', () => {
  expect(() => DiffusionQLAgent.load(copyOf('llmdpd-0.1.0'))).toThrow(
    /holds a LLMDPDAgent checkpoint.*LLMDPDAgent\.load/,
  );
  expect(() => LLMDPDAgent.load(copyOf('diffusion-ql-0.1.0'))).toThrow(/holds a DiffusionQLAgent checkpoint/);
});
