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
  demo [--out DIR] [--seed N]   Run the end-to-end demo of what the library does today
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
        const seed = Number(option(rest, '--seed') ?? '0');
        await runDemo({ outDir: option(rest, '--out') ?? 'reports/demo', seed });
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
