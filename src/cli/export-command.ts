/**
 * `llmdpd export`: loads a checkpoint (a run folder's `checkpoint/` or `best/`, or any folder
 * written by `agent.save`) and writes its policy for one task as the artefact of
 * `docs/export.md`, which the dependency-free runtime acts with in Node and in browsers. For a
 * run trained on a suite, `--task` names the task whose prompts are embedded into the artefact.
 *
 * @module
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskContext } from '../agents/agent.js';
import { MANIFEST_FILE } from '../core/column-store.js';
import { initEngine, type BackendRequest } from '../engine/index.js';
import type { PolicyExportSummary } from '../export/artefact.js';
import { algorithmOfCheckpoint } from './algorithms.js';
import { checkpointSource } from './checkpoint-source.js';
import { tasksOfRun } from './data.js';
import { checkOutputFolder, UsageError } from './options.js';

/** Options of {@link runExport}. */
export interface ExportOptions {
  /** A run folder or a checkpoint folder. */
  readonly checkpoint: string;
  /** The output folder. */
  readonly dir: string;
  /** The task to export for (multi-task agents). */
  readonly task?: string;
  /** Use the run folder's `best/` checkpoint. */
  readonly best: boolean;
  /** Replace an earlier export in `dir`. */
  readonly force: boolean;
  /** Print the summary as JSON. */
  readonly json: boolean;
  /** Backend request. */
  readonly backend?: BackendRequest;
  /** Where results go. */
  readonly stdout: { write(text: string): unknown };
}

/** What {@link runExport} prints as JSON. */
export interface ExportReport extends PolicyExportSummary {
  /** The checkpoint folder exported. */
  readonly checkpoint: string;
  /** The agent's training steps. */
  readonly step: number;
  /** The task exported for, or null. */
  readonly task: string | null;
}

function checkOutput(dir: string, force: boolean): void {
  const holdsExport = existsSync(join(dir, MANIFEST_FILE));
  if (holdsExport && !force) throw new UsageError(`${dir} already holds an export; pass --force to replace it.`);
  if (!holdsExport && existsSync(dir) && readdirSync(dir).length > 0)
    throw new UsageError(
      `${dir} already exists and is not empty; choose a new folder (nothing on disk is overwritten).`,
    );
  checkOutputFolder('<dir>', dir, 'allow');
}

/**
 * Runs `llmdpd export`.
 * @throws {@link UsageError} when the checkpoint, the task or the output folder cannot be used;
 * the library's errors as they come.
 */
export async function runExport(options: ExportOptions): Promise<ExportReport> {
  const { dir, run } = checkpointSource(options.checkpoint, options.best);
  checkOutput(options.dir, options.force);
  const algorithm = algorithmOfCheckpoint(dir);
  const tasks = run === null ? null : await tasksOfRun(run.params.data);
  let context: TaskContext = {};
  if (options.task !== undefined) {
    const task = tasks?.find((t) => t.name === options.task);
    if (tasks !== null && task === undefined)
      throw new UsageError(
        `--task: no task "${options.task}" in this run's suite; tasks: ${tasks.map((t) => t.name).join(', ')}.`,
      );
    context =
      task === undefined
        ? { task: options.task }
        : { task: task.name, textPrompt: task.textPrompt, trajectoryPrompt: task.trajectoryPrompt };
  }
  await initEngine(options.backend === undefined ? {} : { backend: options.backend });
  const agent = algorithm.load(dir);
  try {
    const conditioner = (agent.config as { conditioner?: { kind?: string } }).conditioner?.kind ?? 'none';
    if (conditioner !== 'none' && options.task === undefined)
      throw new UsageError(
        `${algorithm.className} is conditioned on the task ('${conditioner}' conditioner): pass --task${tasks === null ? ' <name>' : ` with one of ${tasks.map((t) => t.name).join(', ')}`}.`,
      );
    const summary = await agent.exportPolicy(options.dir, { context });
    const report: ExportReport = {
      ...summary,
      checkpoint: dir,
      step: agent.step,
      task: options.task ?? null,
    };
    options.stdout.write(
      options.json
        ? `${JSON.stringify(report, null, 2)}\n`
        : `Exported ${report.agent} at step ${report.step}${report.task === null ? '' : ` for task ${report.task}`} to ${options.dir}: ${report.acting} acting, ${report.tensors} weight tensors, ${(report.bytes / 1024).toFixed(1)} KiB.\n` +
            `Node: loadExportedPolicy('${options.dir}') from llmdpd/export; browser: loadPolicy(url) from llmdpd/runtime (docs/export.md).\n`,
    );
    return report;
  } finally {
    agent.dispose();
  }
}
