/**
 * The `llmdpd` command line: `llmdpd demo`, `llmdpd info`, `llmdpd help`.
 *
 * @module cli
 */
import { parseArgs } from 'node:util';
import { RlError } from '../core/errors.js';
import { initEngine } from '../engine/index.js';
import { runDemo } from './demo.js';

const HELP = `llmdpd: offline reinforcement learning that generalises to unseen tasks

Usage: llmdpd <command> [options]

Commands:
  demo [--out DIR] [--steps N] [--seeds 0,1,2] [--episodes N] [--workers N]
                                Train LLMDPD and Diffusion-QL on the built-in suite's seen tasks
                                and compare them on unseen tasks (report in reports/demo;
                                defaults: 12000 steps, seeds 0,1,2, 10 episodes per task)
  suite write DIR [--seed N]    Write the built-in suite's datasets (D4RL layout) and prompts to DIR
  info                          Print the tfjs backend and kernels the engine chooses here
  help                          Show this text (also: any command with --help)

Environment: LLMDPD_BACKEND=auto|tensorflow|wasm|cpu overrides the backend choice;
LLMDPD_KERNELS=auto|tfjs chooses llmdpd's wasm kernels or the stock tfjs ops.`;

/** A command-line mistake: printed with the help text, exit code 2. */
class UsageError extends Error {}

interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

function parse(args: readonly string[], options: Record<string, { type: 'string' | 'boolean' }>): ParsedArgs {
  try {
    return parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got "${value}".`);
  return n;
}

function seedList(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const seeds = value.split(',').map((v) => Number(v.trim()));
  if (seeds.length === 0 || seeds.some((n) => !Number.isInteger(n) || n < 0))
    throw new UsageError(`--seeds must be a comma-separated list of integers >= 0, got "${value}".`);
  return seeds;
}

function help(): number {
  process.stdout.write(`${HELP}\n`);
  return 0;
}

/**
 * Runs one CLI command and returns the process exit code. Library errors are printed as one
 * readable line; anything else is rethrown with its stack.
 */
export async function main(args: readonly string[]): Promise<number> {
  const [command = 'help', ...rest] = args;
  try {
    switch (command) {
      case 'demo': {
        const { values, positionals } = parse(rest, {
          out: { type: 'string' },
          steps: { type: 'string' },
          seeds: { type: 'string' },
          episodes: { type: 'string' },
          workers: { type: 'string' },
        });
        if (values.help === true) return help();
        if (positionals.length > 0)
          throw new UsageError(`demo takes no positional arguments, got "${positionals.join(' ')}".`);
        const steps = positiveInteger('--steps', values.steps as string | undefined);
        const seeds = seedList(values.seeds as string | undefined);
        const evalEpisodes = positiveInteger('--episodes', values.episodes as string | undefined);
        const workers = positiveInteger('--workers', values.workers as string | undefined);
        await runDemo({
          outDir: (values.out as string | undefined) ?? 'reports/demo',
          ...(steps !== undefined ? { steps } : {}),
          ...(seeds !== undefined ? { seeds } : {}),
          ...(evalEpisodes !== undefined ? { evalEpisodes } : {}),
          ...(workers !== undefined ? { workers } : {}),
        });
        return 0;
      }
      case 'suite': {
        const { values, positionals } = parse(rest, { seed: { type: 'string' } });
        if (values.help === true) return help();
        const [sub, dir] = positionals;
        if (sub !== 'write' || dir === undefined || positionals.length > 2)
          throw new UsageError('Usage: llmdpd suite write DIR [--seed N]');
        const seedText = (values.seed as string | undefined) ?? '0';
        const seed = Number(seedText);
        if (!Number.isInteger(seed) || seed < 0)
          throw new UsageError(`--seed must be an integer >= 0, got "${seedText}".`);
        const { writeSuiteDatasets } = await import('../suites/index.js');
        await writeSuiteDatasets('pointmass-reach', dir, { seed });
        process.stdout.write(`Wrote the pointmass-reach datasets and prompts to ${dir}\n`);
        return 0;
      }
      case 'info': {
        const { values } = parse(rest, {});
        if (values.help === true) return help();
        process.stdout.write(`${JSON.stringify(await initEngine(), null, 2)}\n`);
        return 0;
      }
      case 'help':
      case '--help':
      case '-h':
        return help();
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${HELP}\n`);
      return 2;
    }
    if (error instanceof RlError) {
      process.stderr.write(`${error.name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
