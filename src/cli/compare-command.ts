/**
 * The comparison commands of the CLI, added to the program in one call
 * ({@link addCompareCommands}) so they can move as a block:
 *
 * - `llmdpd compare SPEC.json [--out DIR] [--threads N] [--queue redis://HOST:PORT]
 *   [--queue-name NAME] [--transfer redis|shared] [--progress MODE] [--no-report]`, and
 *   `llmdpd compare --schema` (prints the spec's JSON Schema);
 * - `llmdpd report DIR [--reps N] [--seed N]`;
 * - `llmdpd worker --queue redis://HOST:PORT [--queue-name NAME] [--threads N] [--work-dir DIR]
 *   [--lock-duration MS]`.
 *
 * Ctrl-C (SIGINT) or SIGTERM stops cleanly: runs stop at their next step and resume from their
 * last checkpoint next time (a worker puts its jobs back in the queue); a second Ctrl-C exits
 * at once. Semantics: `docs/compare.md`.
 *
 * @module
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  comparisonJsonSchema,
  loadComparisonSpec,
  runComparison,
  runQueueWorker,
  writeReport,
} from '../compare/index.js';
import { RlError } from '../core/errors.js';
import { parseInteger, UsageError } from './options.js';

/** Where the commands write. */
export interface CompareCommandIO {
  /** Results. */
  readonly stdout: { write(text: string): unknown };
  /** Progress, messages and errors. */
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
}

const integer = (option: string, min: number) => (value: string) => {
  try {
    return parseInteger(option, value, min);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

/** An abort signal fired by the first SIGINT/SIGTERM; a second one exits the process. */
function stopSignal(say: (line: string) => void, what: string, onStop: () => void) {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    say(`\nStopping: ${what} Press Ctrl-C again to exit at once.`);
    onStop();
    controller.abort(new Error('Stopped by a signal.'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * Adds `compare`, `report` and `worker` to the `llmdpd` program. A comparison with failed runs
 * ends with an error (exit code 1) after its report; a stopped one sets `state.interrupted`
 * (exit code 130).
 */
export function addCompareCommands(program: Command, io: CompareCommandIO, state: { interrupted: boolean }): void {
  const say = (line: string) => io.stderr.write(`${line}\n`);
  program
    .command('compare')
    .description(
      'Run every (agent, data, seed) run of a comparison spec, resume interrupted ones, and write the report',
    )
    .argument('[spec]', 'the comparison spec (JSON; `llmdpd compare --schema` prints its schema)')
    .option('--out <dir>', 'output folder (default runs/<spec name>)')
    .option('--threads <n>', 'worker threads (default: one per core; 0: this thread)', integer('--threads', 0))
    .option('--queue <url>', "enqueue the runs on Redis (redis://HOST:PORT) for 'llmdpd worker' processes")
    .option('--queue-name <name>', 'BullMQ queue name', 'llmdpd-compare')
    .addOption(
      new Option('--transfer <mode>', 'how run folders come back in queue mode')
        .choices(['redis', 'shared'])
        .default('redis'),
    )
    .addOption(
      new Option('--progress <mode>', 'progress display of the grid')
        .choices(['auto', 'bar', 'lines', 'off'])
        .default('auto'),
    )
    .option('--no-report', 'do not write the report at the end')
    .option('--schema', 'print the JSON Schema of comparison specs and exit', false)
    .addHelpText(
      'after',
      `
Examples:
  llmdpd compare compare.json --out runs/llmdpd-vs-dql
  llmdpd compare compare.json --queue redis://10.0.0.5:6379      # with 'llmdpd worker' on other machines
  llmdpd compare --schema > comparison.schema.json`,
    )
    .action(async (specPath: string | undefined, o: Record<string, unknown>) => {
      if (o['schema'] === true) {
        io.stdout.write(`${JSON.stringify(comparisonJsonSchema(), null, 2)}\n`);
        return;
      }
      if (specPath === undefined) throw new UsageError('compare needs a spec file: llmdpd compare SPEC.json');
      const spec = loadComparisonSpec(specPath);
      const queue = o['queue'] as string | undefined;
      const stop = stopSignal(
        say,
        queue !== undefined
          ? 'no longer waiting for the queue (the workers keep the jobs; run the same command again to collect them).'
          : 'runs stop at their next step; run the same command again to resume them.',
        () => (state.interrupted = true),
      );
      try {
        const result = await runComparison(spec, {
          queueName: o['queueName'] as string,
          transfer: o['transfer'] as 'redis' | 'shared',
          progress: o['progress'] as 'auto',
          report: o['report'] !== false,
          stream: io.stderr,
          signal: stop.signal,
          ...(o['out'] !== undefined ? { outDir: o['out'] as string } : {}),
          ...(o['threads'] !== undefined ? { threads: o['threads'] as number } : {}),
          ...(queue !== undefined ? { queue } : {}),
        });
        const counts = { skipped: 0, completed: 0, failed: 0, stopped: 0 };
        for (const r of result.runs) counts[r.outcome === null ? 'skipped' : r.outcome.state]++;
        say(
          `${result.runs.length} runs: ${counts.completed} completed now, ${counts.skipped} already complete, ${counts.failed} failed, ${counts.stopped} stopped (${result.seconds.toFixed(0)} s).`,
        );
        for (const r of result.runs)
          if (r.movedTo !== undefined) say(`  ${r.plan.id}: ${r.before.reason}; the old folder is now ${r.movedTo}`);
        if (result.report !== null) {
          for (const v of result.report.verdicts) io.stdout.write(`${v.line}\n`);
          io.stdout.write(`Report: ${result.outDir}/report/report.md\n`);
        }
        if (result.stopped) {
          state.interrupted = true;
          throw new RlError('The comparison was stopped; run the same command again to resume it.');
        }
        const failed = result.runs.filter((r) => r.outcome?.state === 'failed');
        if (failed.length > 0)
          throw new RlError(
            `${failed.length} run(s) failed: ${failed.map((r) => `${r.plan.id} (${r.outcome?.error ?? '?'})`).join('; ')}. Their folders keep the status and error; run the same command again to retry them.`,
          );
      } finally {
        stop.dispose();
      }
    });

  program
    .command('report')
    .description("(Re)write a comparison folder's report: tables, verdicts, CSV, JSON and SVG")
    .argument('<dir>', 'a comparison output folder (with runs/)')
    .option('--reps <n>', 'bootstrap replicates (default: the spec’s, else 50000)', integer('--reps', 1))
    .option('--seed <n>', 'bootstrap seed (default: the spec’s, else 0)', integer('--seed', 0))
    .action((dir: string, o: Record<string, unknown>) => {
      const reps = o['reps'] as number | undefined;
      const seed = o['seed'] as number | undefined;
      const report = writeReport(dir, {
        ...(reps !== undefined || seed !== undefined
          ? { bootstrap: { ...(reps !== undefined ? { reps } : {}), ...(seed !== undefined ? { seed } : {}) } }
          : {}),
      });
      for (const v of report.verdicts) io.stdout.write(`${v.line}\n`);
      io.stdout.write(`Report: ${dir}/report/report.md\n`);
    });

  program
    .command('worker')
    .description('Take comparison runs from a Redis queue until stopped (Ctrl-C puts running jobs back)')
    .requiredOption('--queue <url>', 'the Redis of the coordinator (redis://HOST:PORT)')
    .option('--queue-name <name>', 'BullMQ queue name', 'llmdpd-compare')
    .option('--threads <n>', 'runs at once, one worker thread each (default: one per core)', integer('--threads', 1))
    .option('--work-dir <dir>', 'folder for run folders while they run (default: a temporary folder)')
    .option(
      '--lock-duration <ms>',
      "how long a dead worker's jobs stay locked before another worker takes them (default 30000)",
      integer('--lock-duration', 1000),
    )
    .action(async (o: Record<string, unknown>) => {
      const stop = stopSignal(say, 'runs in flight stop at their next step and go back to the queue.', () => {});
      try {
        const lockDuration = o['lockDuration'] as number | undefined;
        const summary = await runQueueWorker({
          url: o['queue'] as string,
          queueName: o['queueName'] as string,
          signal: stop.signal,
          log: say,
          ...(o['threads'] !== undefined ? { threads: o['threads'] as number } : {}),
          ...(o['workDir'] !== undefined ? { workDir: o['workDir'] as string } : {}),
          ...(lockDuration !== undefined ? { lockDuration, stalledInterval: lockDuration } : {}),
        });
        say(`worker done: ${summary.completed} runs completed, ${summary.failed} failed attempts.`);
      } finally {
        stop.dispose();
      }
    });
}
