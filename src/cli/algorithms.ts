/**
 * The algorithms `llmdpd train`, `eval` and `export` know, by their command-line names: one
 * registry entry per agent class, which says how to build one from a config (or from a
 * per-dataset preset, for agents that have them), and how to load one from a checkpoint (the
 * checkpoint's `agent` field says which class wrote it). A new agent is one line in
 * {@link ALGORITHMS}.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Agent } from '../agents/agent.js';
import { BCAgent } from '../agents/bc.js';
import { CQLAgent } from '../agents/cql.js';
import { DiffusionQLAgent } from '../agents/diffusion-ql.js';
import { IQLAgent } from '../agents/iql.js';
import { LLMDPDAgent } from '../agents/llmdpd.js';
import { SACNAgent } from '../agents/sac-n.js';
import { TD3BCAgent } from '../agents/td3-bc.js';
import { MANIFEST_FILE } from '../core/column-store.js';
import { DatasetError } from '../core/errors.js';
import { HashedNgramTextEncoder } from '../encoders/text/hashed-text-encoder.js';
import type { TextEncoder } from '../encoders/text/text-encoder.js';
import { UsageError } from './options.js';

/** An agent as the CLI drives it. */
export type CliAgent = Agent<unknown, never>;

/** The options the CLI builds an agent from: the data's widths, the seed and `--config`'s fields. */
export type CliAgentOptions = { observationDim: number; actionDim: number } & Record<string, unknown>;

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
  /** True when the agent class has per-dataset presets (`--preset`). */
  readonly hasPresets: boolean;
  /**
   * Builds a new agent, from a preset's values then `options` when `preset` is given.
   * @throws {@link UsageError} for a preset of an algorithm without presets; the agent's own
   * error for an unknown preset name or an invalid option.
   */
  create(options: CliAgentOptions, preset?: string): CliAgent;
  /** Loads a checkpoint. */
  load(dir: string): CliAgent;
}

/** What the CLI needs of an agent class (every agent on the scaffold has it). */
export interface CliAgentClass {
  /** Builds an agent. */
  new (options: never, dependencies?: { readonly textEncoder?: TextEncoder }): CliAgent;
  /** Loads a checkpoint. */
  load(dir: string, dependencies?: { readonly textEncoder?: TextEncoder }): CliAgent;
  /** Per-dataset presets, when the agent has them: an agent with the preset's values, then `overrides`. */
  preset?(dataset: string, overrides: never, dependencies?: { readonly textEncoder?: TextEncoder }): CliAgent;
}

/**
 * A registry entry for an agent class. The text encoder is the zero-download n-gram one
 * (checkpoints record it, and `load` checks it); agents without a prompts conditioner ignore it.
 */
export function cliAlgorithm(
  name: string,
  className: string,
  agentClass: CliAgentClass,
  summary: string,
  options: { readonly multiTask?: boolean } = {},
): CliAlgorithm {
  const dependencies = () => ({ textEncoder: new HashedNgramTextEncoder() });
  return {
    name,
    className,
    summary,
    multiTask: options.multiTask ?? false,
    hasPresets: typeof agentClass.preset === 'function',
    create: (agentOptions, preset) => {
      if (preset === undefined) return new agentClass(agentOptions as never, dependencies());
      if (typeof agentClass.preset !== 'function')
        throw new UsageError(
          `--preset: ${name} has no per-dataset presets; algorithms with presets: ${
            ALGORITHMS.filter((a) => a.hasPresets)
              .map((a) => a.name)
              .join(', ') || 'none yet'
          }. Set its fields with --config instead.`,
        );
      return agentClass.preset(preset, agentOptions as never, dependencies());
    },
    load: (dir) => agentClass.load(dir, dependencies()),
  };
}

/** The algorithms, by command-line name. */
export const ALGORITHMS: readonly CliAlgorithm[] = [
  cliAlgorithm('bc', 'BCAgent', BCAgent, 'behaviour cloning (single-task; CORL’s BC, observations standardised)'),
  cliAlgorithm(
    'diffusion-ql',
    'DiffusionQLAgent',
    DiffusionQLAgent,
    'Diffusion-QL (single-task; on a suite it sees no prompts)',
  ),
  cliAlgorithm(
    'llmdpd',
    'LLMDPDAgent',
    LLMDPDAgent,
    'LLMDPD (multi-task with text and trajectory prompts; train it on a suite)',
    {
      multiTask: true,
    },
  ),
  cliAlgorithm('cql', 'CQLAgent', CQLAgent, 'CQL, CORL’s continuous CQL(H) (single-task; a suite gives no prompts)'),
  cliAlgorithm('sac-n', 'SACNAgent', SACNAgent, 'SAC-N, N = 10 critics (criticCount 2: plain SAC; single-task)'),
  cliAlgorithm('iql', 'IQLAgent', IQLAgent, 'IQL (single-task; CORL’s settings; set actorScheduleSteps to --steps)'),
  cliAlgorithm('td3-bc', 'TD3BCAgent', TD3BCAgent, 'TD3+BC (single-task; CORL’s settings, observations standardised)'),
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
