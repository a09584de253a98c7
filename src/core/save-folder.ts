/**
 * The check every save runs before it writes into a folder: the folder must be new, empty of
 * saves, or hold a save of the same kind (which the new save replaces). A folder holding another
 * kind of save (a replay buffer where an agent checkpoint is being saved, a training run folder, a
 * suite's datasets, a Minari dataset) or a marker file that another program wrote is refused with
 * a {@link SaveConflictError} naming what is there, before any byte is written, so no save ever
 * replaces or deletes another's files.
 *
 * Each kind of save is recognised by its marker file: `manifest.json` for the column-store saves
 * (replay buffers, multi-task datasets, agent checkpoints, exported policies; the `format` field
 * tells them apart),
 * `params.json` with format `llmdpd-run` for run folders, `suite.json` with format
 * `llmdpd.suite-datasets` for suite folders, and `data/main_data.hdf5` for Minari datasets.
 * Other files in the folder are left alone and do not block a save. The rules are documented
 * in `docs/formats.md` ("Save folders").
 *
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatasetError, RlError, SaveConflictError } from './errors.js';
import { MANIFEST_MAX_BYTES, readRegularTextSync } from './safe-files.js';

/** A kind of save the check knows: its marker file and the `format` value in it. */
export interface SaveKind {
  /** The marker file, relative to the folder. */
  readonly marker: string;
  /** The marker's `format` field. */
  readonly format: string;
  /** What it is, for messages: `a ReplayBuffer save`. */
  readonly name: string;
  /** How to read it, for messages: `ReplayBuffer.load(dir)`. */
  readonly reader: string;
}

/** The saves the library writes, by format. */
export const SAVE_KINDS: readonly SaveKind[] = Object.freeze([
  { marker: 'manifest.json', format: 'llmdpd.replay-buffer', name: 'a ReplayBuffer save', reader: 'ReplayBuffer.load' },
  {
    marker: 'manifest.json',
    format: 'llmdpd.multi-task-dataset',
    name: 'a MultiTaskDataset save',
    reader: 'MultiTaskDataset.load',
  },
  { marker: 'manifest.json', format: 'llmdpd.agent', name: 'an agent checkpoint', reader: "the agent class's load" },
  { marker: 'manifest.json', format: 'llmdpd.policy', name: 'an exported policy', reader: 'loadExportedPolicy' },
  { marker: 'params.json', format: 'llmdpd-run', name: 'a training run folder', reader: 'the run folder reader' },
  {
    marker: 'suite.json',
    format: 'llmdpd.suite-datasets',
    name: "a suite's datasets (writeSuiteDatasets)",
    reader: 'loadSuiteDatasets',
  },
]);

/** Marker of a Minari dataset folder, which the library reads but never writes. */
const MINARI_MARKER = path.join('data', 'main_data.hdf5');

/** What a save about to write expects to find. */
export interface SaveTarget {
  /** The format this save writes into its marker file. */
  readonly format: string;
  /** The marker file this save writes, relative to the folder (`manifest.json`). */
  readonly marker: string;
  /** What is being saved, for messages (`the replay buffer`). */
  readonly what: string;
  /** The calling API, for messages about files that cannot be inspected (`ReplayBuffer.save`). */
  readonly context: string;
}

/** What {@link checkSaveFolder} found in a folder it accepted. */
export interface SaveFolderState {
  /** Whether the folder exists. */
  readonly exists: boolean;
  /**
   * The parsed marker file of the save of the same kind that the new save replaces, or `null`
   * when the folder holds none.
   */
  readonly previous: Readonly<Record<string, unknown>> | null;
}

function readMarker(file: string, context: string): Record<string, unknown> | 'missing' | 'unreadable' {
  let text: string;
  try {
    if (!fs.existsSync(file)) return 'missing';
    text = readRegularTextSync(file, { what: 'the marker file', context, maxBytes: MANIFEST_MAX_BYTES });
  } catch (error) {
    if (error instanceof RlError) return 'unreadable';
    throw error;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

function conflict(dir: string, target: SaveTarget, found: string, detail: string, fix: string): SaveConflictError {
  return new SaveConflictError(
    `Cannot save ${target.what} into ${dir}: it holds ${found}${detail}. ` +
      `The save would replace it, so nothing was written. Fix: ${fix}`,
    found,
  );
}

/**
 * Checks that a save of `target.format` may write into `dir` (see the module notes).
 *
 * @returns whether the folder exists and the marker of the same-kind save it holds, if any.
 * @throws {@link SaveConflictError} when `dir` is a file, holds a save of another kind, or holds
 *   a marker file (`target.marker`) of another format or that cannot be read; nothing is written.
 */
export function checkSaveFolder(dir: string, target: SaveTarget): SaveFolderState {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { exists: false, previous: null };
    throw new DatasetError(`${target.context}: cannot inspect ${dir}: ${(error as Error).message}`, { cause: error });
  }
  if (!stats.isDirectory()) {
    throw conflict(dir, target, 'a file, not a folder', '', `pass a folder path (it is created if missing).`);
  }
  const otherFolder = 'save into an empty or new folder, or delete what is there first if it is no longer needed.';
  let previous: Record<string, unknown> | null = null;
  const markers = new Set([target.marker, ...SAVE_KINDS.map((k) => k.marker)]);
  for (const marker of markers) {
    const content = readMarker(path.join(dir, marker), target.context);
    if (content === 'missing') continue;
    const own = marker === target.marker;
    if (content === 'unreadable') {
      if (own) {
        throw conflict(
          dir,
          target,
          `a ${marker} that is not a JSON object`,
          ' (damaged, or written by another program)',
          otherFolder,
        );
      }
      continue;
    }
    const format = content['format'];
    if (own && format === target.format) {
      previous = content;
      continue;
    }
    const kind = SAVE_KINDS.find((k) => k.marker === marker && k.format === format);
    if (kind !== undefined) {
      throw conflict(
        dir,
        target,
        kind.name,
        ` (${marker} has format "${kind.format}"; ${kind.reader} reads it)`,
        otherFolder,
      );
    }
    if (own) {
      throw conflict(
        dir,
        target,
        `a ${marker} of format ${JSON.stringify(format) ?? 'undefined'}`,
        typeof format === 'string' && format.startsWith('llmdpd') ? ' (another llmdpd save)' : ' (not an llmdpd save)',
        otherFolder,
      );
    }
  }
  if (fs.existsSync(path.join(dir, MINARI_MARKER))) {
    throw conflict(dir, target, `a Minari dataset`, ` (${MINARI_MARKER})`, otherFolder);
  }
  return { exists: true, previous };
}
