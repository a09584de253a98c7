/**
 * The algorithms `llmdpd train` and `llmdpd eval` know, by their command-line names: how to
 * build one from a config and how to load one from a checkpoint (the checkpoint's `agent`
 * field says which class wrote it).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Agent } from '../agents/agent.js';
import { DiffusionQLAgent } from '../agents/diffusion-ql.js';
import { LLMDPDAgent } from '../agents/llmdpd.js';
import { MANIFEST_FILE } from '../core/column-store.js';
import { DatasetError } from '../core/errors.js';
import { HashedNgramTextEncoder } from '../encoders/text/hashed-text-encoder.js';
import { UsageError } from './options.js';

/** An agent as the CLI drives it. */
export type CliAgent = Agent<unknown, never>;

/** One algorithm of the CLI. */
export interface CliAlgorithm {
  /** Command-line name, e.g. `diffusion-ql`. */
  readonly name: string;
  /** The class name checkpoints record. */
  readonly className: string;
  /** One line for `--help`. */
  readonly summary: string;
  /** True when it trains on multi-task data with prompts (a suite). */
  readonly multiTask: boolean;
  /** Builds a new agent. */
  create(options: { observationDim: number; actionDim: number } & Record<string, unknown>): CliAgent;
  /** Loads a checkpoint. */
  load(dir: string): CliAgent;
}

/** The algorithms, by command-line name. */
export const ALGORITHMS: readonly CliAlgorithm[] = [
  {
    name: 'diffusion-ql',
    className: 'DiffusionQLAgent',
    summary: 'Diffusion-QL (single-task; on a suite it sees no prompts)',
    multiTask: false,
    create: (options) => new DiffusionQLAgent(options),
    load: (dir) => DiffusionQLAgent.load(dir),
  },
  {
    name: 'llmdpd',
    className: 'LLMDPDAgent',
    summary: 'LLMDPD (multi-task with text and trajectory prompts; train it on a suite)',
    multiTask: true,
    // The zero-download n-gram text encoder; checkpoints record it, and load checks it.
    create: (options) => new LLMDPDAgent(options, { textEncoder: new HashedNgramTextEncoder() }),
    load: (dir) => LLMDPDAgent.load(dir, { textEncoder: new HashedNgramTextEncoder() }),
  },
];

/** The algorithm called `name`. @throws {@link UsageError} naming the known ones. */
export function algorithmByName(name: string): CliAlgorithm {
  const found = ALGORITHMS.find((a) => a.name === name);
  if (found === undefined)
    throw new UsageError(`Unknown algorithm "${name}"; choose one of ${ALGORITHMS.map((a) => a.name).join(', ')}.`);
  return found;
}

/**
 * The algorithm that wrote the checkpoint in `dir`.
 * @throws {@link DatasetError} when `dir` holds no agent checkpoint or one of an unknown class.
 */
export function algorithmOfCheckpoint(dir: string): CliAlgorithm {
  let agent: unknown;
  try {
    agent = (JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as { agent?: unknown }).agent;
  } catch (error) {
    throw new DatasetError(
      `${dir} holds no readable agent checkpoint (${(error as Error).message}); give a run folder or a folder written by agent.save().`,
      { cause: error },
    );
  }
  const found = ALGORITHMS.find((a) => a.className === agent);
  if (found === undefined)
    throw new DatasetError(
      `${dir} holds a checkpoint of ${JSON.stringify(agent)}, which the CLI cannot load; it loads ${ALGORITHMS.map((a) => a.className).join(', ')}.`,
    );
  return found;
}
