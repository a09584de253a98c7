/**
 * Where `llmdpd eval` and `llmdpd export` find a checkpoint: a run folder (its `checkpoint/`, or
 * `best/` with `--best`) or any folder written by `agent.save`, with the run's `params.json`
 * when there is one (it says what the agent trained on).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE } from '../core/column-store.js';
import { isRunFolder, readRunFolder, type RunFolderContents } from '../core/run/reader.js';
import { UsageError } from './options.js';

/** A checkpoint folder and the run it belongs to. */
export interface CheckpointSource {
  /** The folder holding the checkpoint's manifest. */
  readonly dir: string;
  /** The run folder, or null for a bare checkpoint. */
  readonly run: RunFolderContents | null;
}

/**
 * Resolves `path` (a run folder or a checkpoint folder) to the checkpoint to load.
 * @throws {@link UsageError} when it does not exist, `--best` is given for a bare checkpoint, or
 * the folder holds no checkpoint yet.
 */
export function checkpointSource(path: string, best: boolean): CheckpointSource {
  if (!existsSync(path)) throw new UsageError(`${path} does not exist.`);
  const run = isRunFolder(path) ? readRunFolder(path) : null;
  if (best && run === null) throw new UsageError(`--best needs a run folder; ${path} is not one.`);
  const dir = run === null ? path : best ? run.paths.best : run.paths.checkpoint;
  if (!existsSync(join(dir, MANIFEST_FILE)))
    throw new UsageError(
      `${dir} holds no checkpoint${run !== null ? ` (the run is ${run.state} at step ${run.status?.step ?? 0})` : ''}; give a run folder with a checkpoint or a folder written by agent.save().`,
    );
  return { dir, run };
}
