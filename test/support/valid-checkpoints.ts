/**
 * Small valid agent checkpoints, written by the agents' own `save` after a few steps of `fit`
 * (format 2), plus the 0.1.0 fixtures (format 1, test/fixtures/agents/). Each kind is trained
 * and saved once per test file and copied for every use, so the corpus (test/corpus/) and the
 * fuzz test (test/fuzz/) can damage thousands of copies cheaply.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BCAgent } from '../../src/agents/bc.js';
import { DiffusionQLAgent } from '../../src/agents/diffusion-ql.js';
import { LLMDPDAgent } from '../../src/agents/llmdpd.js';
import { HashedNgramTextEncoder } from '../../src/encoders/text/hashed-text-encoder.js';
import { initEngine } from '../../src/engine/index.js';
import { randomBuffer } from './agent-conformance.js';
import { smallMultiTask } from './valid-files.js';

/** The checkpoints on offer. */
export type CheckpointKind = 'diffusion-ql' | 'llmdpd' | 'bc' | 'llmdpd-0.1.0' | 'diffusion-ql-0.1.0';

/** An agent as the tests use it. */
export interface LoadedAgent {
  readonly step: number;
  act(observation: Float32Array): Float32Array;
  dispose(): void;
}

/** The text encoder of the `llmdpd` checkpoint (the 0.1.0 fixture's is 32-wide). */
export const CHECKPOINT_TEXT_ENCODER = new HashedNgramTextEncoder({ dimension: 16 });
const FIXTURE_TEXT_ENCODER = new HashedNgramTextEncoder({ dimension: 32 });
const FIXTURES = new URL('../fixtures/agents/', import.meta.url).pathname;

/** Steps of fit before each format-2 checkpoint is saved. */
export const CHECKPOINT_STEPS = 2;

const TINY = { batchSize: 8, hiddenDims: [8], criticHiddenDims: [8], actionCandidates: 4, diffusionSteps: 3 };
const fitQuietly = { steps: CHECKPOINT_STEPS, progress: 'off', stepsPerEpoch: CHECKPOINT_STEPS } as const;

let root: string | null = null;
const saved = new Map<CheckpointKind, Promise<string>>();

async function train(kind: CheckpointKind, dir: string): Promise<void> {
  await initEngine({ backend: 'wasm' });
  switch (kind) {
    case 'diffusion-ql': {
      const agent = new DiffusionQLAgent({ observationDim: 3, actionDim: 2, seed: 1, ...TINY });
      await agent.fit(randomBuffer(3, 2, 64, 3), fitQuietly);
      agent.save(dir);
      agent.dispose();
      return;
    }
    case 'llmdpd': {
      const agent = new LLMDPDAgent(
        {
          observationDim: 3,
          actionDim: 2,
          seed: 2,
          ...TINY,
          textHeadHiddenDims: [8],
          textOutputDim: 4,
          trajectoryOutputDim: 4,
          trajectoryWidth: 8,
          trajectoryLayers: 1,
          trajectoryFeedForwardDim: 8,
          trajectoryPromptLength: 4,
        },
        { textEncoder: CHECKPOINT_TEXT_ENCODER },
      );
      await agent.fit(smallMultiTask(), fitQuietly);
      agent.save(dir);
      agent.dispose();
      return;
    }
    case 'bc': {
      const agent = new BCAgent({ observationDim: 3, actionDim: 2, seed: 3, batchSize: 8, hiddenDims: [8] });
      await agent.fit(randomBuffer(3, 2, 64, 4), fitQuietly);
      agent.save(dir);
      agent.dispose();
      return;
    }
    case 'llmdpd-0.1.0':
    case 'diffusion-ql-0.1.0':
      cpSync(join(FIXTURES, kind), dir, { recursive: true });
      return;
  }
}

/** Copies a valid checkpoint of `kind` into `dir` (training and saving it the first time). */
export async function writeValidCheckpoint(kind: CheckpointKind, dir: string): Promise<string> {
  if (root === null) {
    const made = mkdtempSync(join(tmpdir(), 'llmdpd-valid-checkpoints-'));
    root = made;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  let source = saved.get(kind);
  if (source === undefined) {
    const target = join(root, kind);
    source = train(kind, target).then(() => target);
    saved.set(kind, source);
  }
  cpSync(await source, dir, { recursive: true });
  return dir;
}

/** Loads a checkpoint of `kind` from `dir` with the class and text encoder it needs. */
export function loadCheckpoint(kind: CheckpointKind, dir: string): LoadedAgent {
  switch (kind) {
    case 'diffusion-ql':
    case 'diffusion-ql-0.1.0':
      return DiffusionQLAgent.load(dir);
    case 'llmdpd':
      return LLMDPDAgent.load(dir, { textEncoder: CHECKPOINT_TEXT_ENCODER });
    case 'llmdpd-0.1.0':
      return LLMDPDAgent.load(dir, { textEncoder: FIXTURE_TEXT_ENCODER });
    case 'bc':
      return BCAgent.load(dir);
  }
}

/** The step each kind of checkpoint was saved at. */
export function savedStep(kind: CheckpointKind): number {
  return kind.endsWith('0.1.0') ? 3 : CHECKPOINT_STEPS;
}
