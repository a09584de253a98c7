/**
 * The `llmdpd` command line: `llmdpd demo`, `llmdpd info`, `llmdpd help`.
 *
 * @module cli
 */
import { RlError } from '../core/errors.js';
import { initEngine } from '../engine/index.js';
import { runDemo } from './demo.js';

const HELP = `llmdpd: offline reinforcement learning that generalises to unseen tasks

Usage: llmdpd <command> [options]

Commands:
  demo [--out DIR] [--steps N] [--seeds 0,1,2]
                                Train LLMDPD and Diffusion-QL on the built-in suite's seen tasks
                                and compare them on unseen tasks (report in reports/demo)
  suite write DIR [--seed N]    Write the built-in suite's datasets (D4RL layout) and prompts to DIR
  info                          Print the tfjs backend the engine chooses on this machine
  help                          Show this text

Environment: LLMDPD_BACKEND=auto|tensorflow|wasm|cpu overrides the backend choice.`;

function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
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
        const steps = option(rest, '--steps');
        const seeds = option(rest, '--seeds');
        await runDemo({
          outDir: option(rest, '--out') ?? 'reports/demo',
          ...(steps !== undefined ? { steps: Number(steps) } : {}),
          ...(seeds !== undefined ? { seeds: seeds.split(',').map(Number) } : {}),
        });
        return 0;
      }
      case 'suite': {
        const [sub, dir] = rest;
        if (sub !== 'write' || dir === undefined) {
          process.stderr.write('Usage: llmdpd suite write DIR [--seed N]\n');
          return 2;
        }
        const { writeSuiteDatasets } = await import('../suites/index.js');
        await writeSuiteDatasets('pointmass-reach', dir, { seed: Number(option(rest, '--seed') ?? '0') });
        process.stdout.write(`Wrote the pointmass-reach datasets and prompts to ${dir}\n`);
        return 0;
      }
      case 'info': {
        process.stdout.write(`${JSON.stringify(await initEngine(), null, 2)}\n`);
        return 0;
      }
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${HELP}\n`);
        return 0;
      default:
        process.stderr.write(`Unknown command "${command}".\n\n${HELP}\n`);
        return 2;
    }
  } catch (error) {
    if (error instanceof RlError) {
      process.stderr.write(`${error.name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
