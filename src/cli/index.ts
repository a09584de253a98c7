/**
 * The `llmdpd` command line: `train`, `eval`, `plot`, `export`, `demo`, `suite write`, `info`,
 * and the comparison commands `compare`, `report`, `worker` (`compare-command.ts`).
 *
 * Built on commander, which gives every command its own `--help` from the option definitions,
 * `--version`, and "did you mean" suggestions for mistyped options and commands, where
 * node:util's parseArgs gives one global help text and raw error messages. Every error is one
 * line on stderr (the stack only with `--debug`); usage errors exit with code 2, failures with
 * 1, Ctrl-C during training with 130.
 *
 * @module cli
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { RlError } from '../core/errors.js';
import { libraryInfo } from '../core/run/writer.js';
import { initEngine, type BackendRequest } from '../engine/index.js';
import { ALGORITHMS } from './algorithms.js';
import { addCompareCommands } from './compare-command.js';
import { BUILTIN_SUITES } from './data.js';
import { DEMO_DEFAULTS, runDemo } from './demo.js';
import { runEval } from './evaluate-command.js';
import { runExport } from './export-command.js';
import { checkOutputFolder, parseInteger, parseNameList, parseSeedList, UsageError } from './options.js';
import { runPlot } from './plot.js';
import { runTrain } from './train.js';

/** Where the CLI writes. */
export interface CliIO {
  /** Results. */
  readonly stdout: { write(text: string): unknown };
  /** Progress and errors. */
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
}

/** Exit code of a usage error. */
export const EXIT_USAGE = 2;
/** Exit code of a failure. */
export const EXIT_FAILURE = 1;
/** Exit code after Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

/** A commander value parser from one of ours: a {@link UsageError} becomes commander's invalid-argument error. */
function parser<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

const integer = (option: string, min: number) => parser((v) => parseInteger(option, v, min));

function backendOption(): Option {
  return new Option('--backend <name>', 'tfjs backend (LLMDPD_BACKEND overrides it)').choices([
    'auto',
    'tensorflow',
    'wasm',
    'cpu',
  ]);
}

function progressOption(): Option {
  return new Option('--progress <mode>', 'progress display: a bar on a terminal, one line per epoch otherwise')
    .choices(['auto', 'bar', 'lines', 'off'])
    .default('auto');
}

/** Options that are undefined when not given, spread-safe for exactOptionalPropertyTypes. */
function defined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}

function buildProgram(io: CliIO, state: { interrupted: boolean }): Command {
  const program = new Command('llmdpd')
    .description('Offline reinforcement learning that generalises to unseen tasks (LLMDPD, Diffusion-QL).')
    .version(libraryInfo().version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .option('--debug', 'print stack traces with errors')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // One line: commander puts a suggestion on a second line.
      outputError: (s, write) => write(`${s.trim().replace(/\s*\n\s*/g, ' ')} (see --help)\n`),
    })
    .addHelpText(
      'after',
      `
Environment: LLMDPD_BACKEND=auto|tensorflow|wasm|cpu overrides the backend choice;
LLMDPD_KERNELS=auto|native|native-avx512|native-avx2|native-portable|wasm|tfjs forces a kernel set;
LLMDPD_THREADS=N sets the kernel threads (default: every core; 1 per run in compare, worker and demo).
Run 'llmdpd build-native' once to build the native CPU kernels (needs python3, make and a C compiler).`,
    );

  program
    .command('train')
    .description('Train an algorithm on a dataset into a run folder (metrics, evaluations, checkpoint, status)')
    .argument('<algorithm>', `one of ${ALGORITHMS.map((a) => a.name).join(', ')}`)
    .requiredOption(
      '--data <source>',
      `a D4RL HDF5 file, a Minari dataset (folder or id), a folder from \`llmdpd suite write\`, or a built-in suite (${BUILTIN_SUITES.join(', ')})`,
    )
    .option('--steps <n>', 'gradient steps of each run (the total, when resuming)', integer('--steps', 1), 100_000)
    .option(
      '--steps-per-epoch <n>',
      'steps between evaluations and checkpoints (default: min(1000, steps))',
      integer('--steps-per-epoch', 1),
    )
    .option('--log-every <n>', 'steps between metric rows', integer('--log-every', 1))
    .option(
      '--seeds <list>',
      'seeds, one run each (e.g. 0,1,2)',
      parser((v) => parseSeedList('--seeds', v)),
      [0],
    )
    .option(
      '--out <dir>',
      'run folder (with several seeds: a folder of seed<N> run folders); default runs/<algorithm>-<data>-<time>',
    )
    .option('--config <json>', 'agent config fields as JSON or a .json file, e.g. \'{"batchSize": 128}\'')
    .option(
      '--preset <dataset>',
      `the algorithm's tuned values for a dataset (then --config's fields); algorithms with presets: ${
        ALGORITHMS.filter((a) => a.hasPresets)
          .map((a) => a.name)
          .join(', ') || 'none yet'
      }`,
    )
    .option('--eval-env <id>', "env to evaluate on (default: the dataset's env, when registered)")
    .option(
      '--eval-episodes <n>',
      'episodes per evaluation (per unseen task for a suite); 0 turns it off',
      integer('--eval-episodes', 0),
      10,
    )
    .option('--resume', 'continue the runs in --out from their checkpoints', false)
    .option(
      '--keep-best',
      "keep the best epoch's checkpoint in <run>/best (a suite ranks epochs by seen-task success, never unseen)",
      false,
    )
    .addOption(progressOption())
    .addOption(backendOption())
    .addHelpText(
      'after',
      `
Examples:
  llmdpd train diffusion-ql --data hopper-medium-v2.hdf5 --steps 200000 --eval-env Hopper-v4
  llmdpd train llmdpd --data pointmass-reach --steps 20000 --seeds 0,1,2 --out runs/llmdpd
  llmdpd train llmdpd --data pointmass-reach --steps 40000 --out runs/llmdpd --seeds 0,1,2 --resume`,
    )
    .action(async (algorithm: string, o: Record<string, unknown>) => {
      const controller = new AbortController();
      const onSigint = () => {
        state.interrupted = true;
        controller.abort(new Error('interrupted (Ctrl-C)'));
      };
      process.once('SIGINT', onSigint);
      try {
        await runTrain({
          algorithm,
          data: o['data'] as string,
          steps: o['steps'] as number,
          seeds: o['seeds'] as number[],
          evalEpisodes: o['evalEpisodes'] as number,
          resume: o['resume'] === true,
          keepBest: o['keepBest'] === true,
          progress: o['progress'] as 'auto',
          stdout: io.stdout,
          signal: controller.signal,
          ...defined({
            stepsPerEpoch: o['stepsPerEpoch'] as number | undefined,
            logEvery: o['logEvery'] as number | undefined,
            out: o['out'] as string | undefined,
            config: o['config'] as string | undefined,
            preset: o['preset'] as string | undefined,
            evalEnv: o['evalEnv'] as string | undefined,
            backend: o['backend'] as BackendRequest | undefined,
          }),
        });
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });

  program
    .command('eval')
    .description('Evaluate a checkpoint (a run folder, or a folder written by agent.save) on an env or on suite tasks')
    .argument('<checkpoint>', 'a run folder or a checkpoint folder')
    .option('--env <id>', "env id (default: the run's dataset env)")
    .option(
      '--tasks <list>',
      'for suite runs: unseen, seen, all, or task names',
      parser((v) => parseNameList('--tasks', v)),
      ['unseen'],
    )
    .option('--episodes <n>', 'episodes per env or task', integer('--episodes', 1), 10)
    .option('--seed <n>', 'run seed (episode i is reset with a seed derived from it)', integer('--seed', 0), 0)
    .option('--best', "use the run folder's best/ checkpoint", false)
    .option('--json', 'print JSON instead of a table', false)
    .addOption(backendOption())
    .addHelpText('after', '\nExample:\n  llmdpd eval runs/hopper --env Hopper-v4 --episodes 10 --seed 0 --json')
    .action(async (checkpoint: string, o: Record<string, unknown>) => {
      await runEval({
        checkpoint,
        tasks: o['tasks'] as string[],
        episodes: o['episodes'] as number,
        seed: o['seed'] as number,
        best: o['best'] === true,
        json: o['json'] === true,
        stdout: io.stdout,
        ...defined({ env: o['env'] as string | undefined, backend: o['backend'] as BackendRequest | undefined }),
      });
    });

  program
    .command('plot')
    .description('Draw learning curves from run folders: one curve per argument, mean and ± std band over its runs')
    .argument('<runs...>', 'run folders, or folders of run folders (the seeds of one configuration)')
    .option(
      '--metric <names>',
      'metrics to draw, comma-separated (default: every eval/ metric)',
      parser((v) => parseNameList('--metric', v)),
      [],
    )
    .option(
      '--out <file>',
      'output .svg, or .png (needs rsvg-convert, inkscape or ImageMagick; also writes the .svg)',
      'plot.svg',
    )
    .option('--title <text>', 'chart title')
    .option('--force', 'replace existing output files', false)
    .addHelpText(
      'after',
      '\nExample:\n  llmdpd plot runs/diffusion-ql runs/llmdpd --metric eval/unseenSuccess --out curves.png',
    )
    .action((runs: string[], o: Record<string, unknown>) => {
      runPlot({
        runs,
        metrics: o['metric'] as string[],
        out: o['out'] as string,
        force: o['force'] === true,
        stdout: io.stdout,
        ...defined({ title: o['title'] as string | undefined }),
      });
    });

  program
    .command('export')
    .description(
      'Export a policy (weights, scalers, the task condition, the action-selection rule) for the dependency-free runtime, in Node or a browser',
    )
    .argument('<checkpoint>', 'a run folder or a checkpoint folder')
    .argument('<dir>', 'output folder (new or empty; an earlier export there is replaced with --force)')
    .option('--task <name>', "the task to export for (needed by multi-task agents: a task of the run's suite)")
    .option('--best', "use the run folder's best/ checkpoint", false)
    .option('--force', 'replace an earlier export in <dir>', false)
    .option('--json', 'print what was written as JSON', false)
    .addOption(backendOption())
    .addHelpText(
      'after',
      `
Examples:
  llmdpd export runs/hopper policies/hopper
  llmdpd export runs/llmdpd/seed0 policies/ne-far --task reach-ne-far

In Node: import { loadExportedPolicy } from 'llmdpd/export'; in a page: import { loadPolicy } from
'./runtime.js' (node_modules/llmdpd/dist/export/runtime.js, one file with no imports). See docs/export.md.`,
    )
    .action(async (checkpoint: string, dir: string, o: Record<string, unknown>) => {
      await runExport({
        checkpoint,
        dir,
        best: o['best'] === true,
        force: o['force'] === true,
        json: o['json'] === true,
        stdout: io.stdout,
        ...defined({ task: o['task'] as string | undefined, backend: o['backend'] as BackendRequest | undefined }),
      });
    });

  program
    .command('demo')
    .description(
      'Train LLMDPD, its no-prompt ablation and BC + prompts on pointmass-landmarks and compare them on unseen tasks',
    )
    .option('--out <dir>', 'report folder', 'reports/demo')
    .option('--steps <n>', `gradient steps per run (default ${DEMO_DEFAULTS.steps})`, integer('--steps', 1))
    .option(
      '--seeds <list>',
      `training seeds (default ${DEMO_DEFAULTS.seeds.join(',')})`,
      parser((v) => parseSeedList('--seeds', v)),
    )
    .option(
      '--episodes <n>',
      `evaluation episodes per task (default ${DEMO_DEFAULTS.evalEpisodes})`,
      integer('--episodes', 1),
    )
    .option('--workers <n>', 'worker threads (default min(2, cores))', integer('--workers', 1))
    .action(async (o: Record<string, unknown>) => {
      await runDemo({
        outDir: o['out'] as string,
        ...defined({
          steps: o['steps'] as number | undefined,
          seeds: o['seeds'] as number[] | undefined,
          evalEpisodes: o['episodes'] as number | undefined,
          workers: o['workers'] as number | undefined,
        }),
      });
    });

  const suite = program.command('suite').description("The built-in suite's data");
  suite
    .command('write')
    .description("Write the built-in suite's datasets (D4RL layout) and prompts to DIR")
    .argument('<dir>', 'output folder')
    .option('--seed <n>', 'seed of the data and prompts', integer('--seed', 0), 0)
    .action(async (dir: string, o: Record<string, unknown>) => {
      checkOutputFolder('suite write', dir, 'allow'); // a file, or a folder under one, is a usage error
      const { writeSuiteDatasets } = await import('../suites/index.js');
      await writeSuiteDatasets('pointmass-reach', dir, { seed: o['seed'] as number });
      io.stdout.write(`Wrote the pointmass-reach datasets and prompts to ${dir}\n`);
    });

  program
    .command('info')
    .description('Print the tfjs backend and kernels the engine chooses here')
    .addOption(backendOption())
    .action(async (o: Record<string, unknown>) => {
      const backend = o['backend'] as BackendRequest | undefined;
      io.stdout.write(`${JSON.stringify(await initEngine(backend === undefined ? {} : { backend }), null, 2)}\n`);
    });

  addCompareCommands(program, io, state);

  for (const command of program.commands) {
    command.exitOverride().showSuggestionAfterError(true).configureOutput(program.configureOutput());
    for (const sub of command.commands) sub.exitOverride().configureOutput(program.configureOutput());
  }
  return program;
}

/** Commander codes that are not errors. */
const CLEAN_EXITS = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/**
 * Runs one CLI command and returns the process exit code: 0 on success, 2 for a usage error,
 * 1 for a failure, 130 after Ctrl-C. Errors are printed as one line (with the stack when
 * `--debug` is given).
 */
export async function main(
  args: readonly string[],
  io: CliIO = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const debug = args.includes('--debug');
  const state = { interrupted: false };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(args.length === 0 ? ['--help'] : [...args], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (CLEAN_EXITS.has(error.code)) return 0;
      return EXIT_USAGE; // already printed by commander, on one line
    }
    if (state.interrupted) {
      io.stderr.write(
        'Stopped by Ctrl-C; the run folder says "stopped". Continue it with the same command and --resume.\n',
      );
      return EXIT_INTERRUPTED;
    }
    const e = error instanceof Error ? error : new Error(String(error));
    const message = e.message.replace(/\s*\n\s*/g, ' ');
    if (error instanceof UsageError) io.stderr.write(`error: ${message} (see --help)\n`);
    else if (error instanceof RlError)
      io.stderr.write(`error: ${e.name === 'RlError' ? '' : `${e.name}: `}${message}\n`);
    else
      io.stderr.write(
        `error: ${e.name === 'Error' ? '' : `${e.name}: `}${message}${debug ? '' : ' (run with --debug for the stack trace)'}\n`,
      );
    if (debug && e.stack !== undefined) io.stderr.write(`${e.stack}\n`);
    return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
  }
}
