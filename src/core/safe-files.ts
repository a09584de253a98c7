/**
 * Opening the files the library reads, safely: every reader in the library goes through these
 * helpers, so a bad path fails the same way everywhere, with a typed error and at once.
 *
 * - **Regular files only.** A file is opened with `O_NONBLOCK` and checked with `fstat` on the
 *   open descriptor before a byte is read: a FIFO (named pipe) would block `open` or `read`
 *   forever, and a device such as `/dev/zero` never ends. Both, and sockets and directories, are
 *   a {@link DatasetError} that names the kind of file found. (`O_NONBLOCK` does nothing to a
 *   regular file on POSIX systems; Windows has no FIFOs in the file system.)
 * - **Bounded reads.** Whole-file reads take a byte limit: a file larger than it is refused
 *   before it is read, and the read stops at the limit even when the size reported by `fstat`
 *   was wrong (files in `/proc` report 0) or the file grows while it is read.
 * - **Names resolved inside their folder.** A file named by another file (a data file named by an
 *   index, an HDF5 file named by a manifest) must be a relative path without `..`, and must
 *   resolve, through any symbolic link, to a file inside the folder of the file that names it.
 *
 * The limits each format uses are listed in `docs/formats.md` ("Limits and checks").
 *
 * @module
 */
import * as fs from 'node:fs';
import { open as openAsync } from 'node:fs/promises';
import * as path from 'node:path';
import { DatasetError, NotFoundError, RlError } from './errors.js';

/** Byte limit of JSON manifests and headers (buffer saves, checkpoints, suite folders, Minari metadata). */
export const MANIFEST_MAX_BYTES = 64 * 1024 * 1024;

/** Byte limit of JSON documents that may hold many vectors (precomputed text embeddings). */
export const JSON_DOCUMENT_MAX_BYTES = 256 * 1024 * 1024;

/** The kinds of file system entries, as named in messages. */
export type FileKind =
  | 'regular file'
  | 'directory'
  | 'FIFO (named pipe)'
  | 'character device'
  | 'block device'
  | 'socket'
  | 'symbolic link'
  | 'special file';

/** The kind of entry `stats` describes. */
export function fileKindOf(stats: fs.Stats): FileKind {
  if (stats.isFile()) return 'regular file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isFIFO()) return 'FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'character device';
  if (stats.isBlockDevice()) return 'block device';
  if (stats.isSocket()) return 'socket';
  if (stats.isSymbolicLink()) return 'symbolic link';
  return 'special file';
}

/** What a file is and what to do when it is missing, for the helpers' messages. */
export interface SafeOpenOptions {
  /** What the file is, e.g. `the replay-buffer manifest`; messages read `<what> <path> is ...`. */
  readonly what: string;
  /** The calling API, prefixed to messages (`loadD4rl`, `PrecomputedTextEncoder.load`). */
  readonly context: string;
  /**
   * Builds the error thrown when nothing is at the path.
   * @defaultValue a {@link NotFoundError} naming the path
   */
  readonly missing?: (path: string) => RlError;
}

/** {@link SafeOpenOptions} plus the byte limit of a whole-file read. */
export interface SafeReadOptions extends SafeOpenOptions {
  /** Largest number of bytes accepted; a larger file is a {@link DatasetError}. */
  readonly maxBytes: number;
}

/** An open regular file: its descriptor and its size when it was opened. */
export interface OpenedFile {
  /** The file descriptor; the caller closes it. */
  readonly fd: number;
  /** The size `fstat` reported. */
  readonly size: number;
}

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/** Formats a byte count for messages: `1234 bytes (1.2 kB)`. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} bytes`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${n} bytes (${v.toPrecision(3)} ${units[u]})`;
}

function notRegular(options: SafeOpenOptions, file: string, kind: FileKind): DatasetError {
  if (kind === 'directory') {
    return new DatasetError(
      `${options.context}: ${options.what} ${file} is a directory; expected a file. Fix: pass the path of the file itself.`,
    );
  }
  const why =
    kind === 'FIFO (named pipe)'
      ? 'reading it would wait for a writer, possibly forever'
      : kind === 'character device' || kind === 'block device'
        ? 'reading it may never end'
        : 'only regular files are read';
  return new DatasetError(
    `${options.context}: ${options.what} ${file} is a ${kind}, not a regular file; ${why}. Fix: pass the path of a regular file (copy the data into one first).`,
  );
}

function ioError(options: SafeOpenOptions, file: string, error: unknown): RlError {
  const e = error as Partial<NodeJS.ErrnoException> | null;
  const code = e !== null && typeof e === 'object' ? e.code : undefined;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return (
      options.missing?.(file) ??
      new NotFoundError(`${options.context}: ${options.what} ${file} does not exist. Fix: check the path.`, {
        cause: error,
      })
    );
  }
  if (code === 'EISDIR') return notRegular(options, file, 'directory');
  if (code === 'ENXIO') return notRegular(options, file, 'socket');
  const message = e !== null && typeof e === 'object' && typeof e.message === 'string' ? e.message : String(error);
  return new DatasetError(`${options.context}: cannot open ${options.what} ${file}: ${message}`, { cause: error });
}

function tooLarge(options: SafeReadOptions, file: string, size: number | string): DatasetError {
  return new DatasetError(
    `${options.context}: ${options.what} ${file} is ${typeof size === 'number' ? formatBytes(size) : size}, more than the ` +
      `${formatBytes(options.maxBytes)} accepted for it. Fix: check that the path names the right file; a file this large is not one of this kind or is damaged.`,
  );
}

/**
 * Opens a file for reading after checking, on the open descriptor, that it is a regular file.
 * The open never blocks, even on a FIFO.
 *
 * @returns the descriptor (close it with `fs.closeSync`) and the size.
 * @throws {@link NotFoundError} (or `options.missing`'s error) when nothing is at `file`;
 *   {@link DatasetError} when it is not a regular file or cannot be opened.
 */
export function openRegularFileSync(file: string, options: SafeOpenOptions): OpenedFile {
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (error) {
    throw ioError(options, file, error);
  }
  try {
    const stats = fs.fstatSync(fd);
    const kind = fileKindOf(stats);
    if (kind !== 'regular file') throw notRegular(options, file, kind);
    return { fd, size: stats.size };
  } catch (error) {
    fs.closeSync(fd);
    throw error instanceof RlError ? error : ioError(options, file, error);
  }
}

/**
 * Checks that `file` is a regular file (for files handed by path to another library, such as
 * HDF5 or ONNX Runtime) and returns its size. The check opens the file without blocking.
 *
 * @throws as {@link openRegularFileSync}.
 */
export function checkRegularFile(file: string, options: SafeOpenOptions): number {
  const { fd, size } = openRegularFileSync(file, options);
  fs.closeSync(fd);
  return size;
}

/** Reads from `fd` until end of file or `limit + 1` bytes, whichever comes first. */
function readBounded(fd: number, sizeHint: number, limit: number): Buffer {
  let buffer = Buffer.allocUnsafe(Math.min(limit + 1, Math.max(sizeHint + 1, 64 * 1024)));
  let done = 0;
  for (;;) {
    if (done === buffer.length) {
      if (done > limit) break;
      const bigger = Buffer.allocUnsafe(Math.min(limit + 1, buffer.length * 2));
      buffer.copy(bigger, 0, 0, done);
      buffer = bigger;
    }
    const n = fs.readSync(fd, buffer, done, buffer.length - done, null);
    if (n === 0) break;
    done += n;
  }
  return buffer.subarray(0, done);
}

/**
 * Reads a whole regular file, refusing special files and files over `options.maxBytes`.
 *
 * @throws {@link NotFoundError} (or `options.missing`'s error) when nothing is at `file`;
 *   {@link DatasetError} when it is not a regular file, is too large, or cannot be read.
 */
export function readRegularFileSync(file: string, options: SafeReadOptions): Buffer {
  const { fd, size } = openRegularFileSync(file, options);
  try {
    if (size > options.maxBytes) throw tooLarge(options, file, size);
    const bytes = readBounded(fd, size, options.maxBytes);
    if (bytes.length > options.maxBytes) throw tooLarge(options, file, 'larger than it said');
    return bytes;
  } catch (error) {
    throw error instanceof RlError ? error : ioError(options, file, error);
  } finally {
    fs.closeSync(fd);
  }
}

/** {@link readRegularFileSync} decoded as UTF-8. */
export function readRegularTextSync(file: string, options: SafeReadOptions): string {
  return readRegularFileSync(file, options).toString('utf8');
}

/** Asynchronous {@link readRegularFileSync}. */
export async function readRegularFile(file: string, options: SafeReadOptions): Promise<Buffer> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await openAsync(file, OPEN_FLAGS);
  } catch (error) {
    throw ioError(options, file, error);
  }
  try {
    const stats = await handle.stat();
    const kind = fileKindOf(stats);
    if (kind !== 'regular file') throw notRegular(options, file, kind);
    if (stats.size > options.maxBytes) throw tooLarge(options, file, stats.size);
    let buffer = Buffer.allocUnsafe(Math.min(options.maxBytes + 1, Math.max(stats.size + 1, 64 * 1024)));
    let done = 0;
    for (;;) {
      if (done === buffer.length) {
        if (done > options.maxBytes) break;
        const bigger = Buffer.allocUnsafe(Math.min(options.maxBytes + 1, buffer.length * 2));
        buffer.copy(bigger, 0, 0, done);
        buffer = bigger;
      }
      const { bytesRead } = await handle.read(buffer, done, buffer.length - done, null);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    if (done > options.maxBytes) throw tooLarge(options, file, 'larger than it said');
    return buffer.subarray(0, done);
  } catch (error) {
    throw error instanceof RlError ? error : ioError(options, file, error);
  } finally {
    await handle.close();
  }
}

/** Asynchronous {@link readRegularTextSync}. */
export async function readRegularText(file: string, options: SafeReadOptions): Promise<string> {
  return (await readRegularFile(file, options)).toString('utf8');
}

/** Options of {@link resolveInsideFolder}. */
export interface ResolveInsideOptions {
  /** The calling API, for messages. */
  readonly context: string;
  /** The file and field that hold the name, e.g. `the index x.json field "data"`. */
  readonly field: string;
}

function isInside(folder: string, target: string): boolean {
  const rel = path.relative(folder, target);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * Resolves `name`, a file named by another file, inside `folder`: `name` must be a non-empty
 * relative path with no `..` segment, and when the file exists its real path (symbolic links
 * followed) must lie inside the folder's real path.
 *
 * @returns the path `folder/name`.
 * @throws {@link DatasetError} naming the field and the name when it is absolute, climbs out
 *   with `..`, or leads outside the folder through a symbolic link.
 */
export function resolveInsideFolder(folder: string, name: unknown, options: ResolveInsideOptions): string {
  const fix = 'Fix: name a file inside that folder, relative to it, without ".." (copy the file there if needed).';
  if (typeof name !== 'string' || name === '' || name.includes('\0')) {
    throw new DatasetError(
      `${options.context}: ${options.field} is ${JSON.stringify(name)}; expected the name of a file in ${folder}. ${fix}`,
    );
  }
  if (path.posix.isAbsolute(name) || path.win32.isAbsolute(name) || name.split(/[\\/]/).includes('..')) {
    throw new DatasetError(
      `${options.context}: ${options.field} is ${JSON.stringify(name)}, which points outside ${folder}; files named by another file must lie in its folder. ${fix}`,
    );
  }
  const base = path.resolve(folder);
  const target = path.resolve(base, name);
  if (!isInside(base, target)) {
    throw new DatasetError(
      `${options.context}: ${options.field} is ${JSON.stringify(name)}, which does not name a file inside ${folder}. ${fix}`,
    );
  }
  let realTarget: string;
  try {
    realTarget = fs.realpathSync(target);
  } catch {
    return target; // missing: the caller's open reports it
  }
  const realBase = fs.realpathSync(base);
  if (!isInside(realBase, realTarget)) {
    throw new DatasetError(
      `${options.context}: ${options.field} is ${JSON.stringify(name)}, which leads through a symbolic link to ${realTarget}, outside ${folder}. ${fix}`,
    );
  }
  return target;
}
