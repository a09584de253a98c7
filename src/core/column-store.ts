/**
 * The on-disk container shared by {@link ReplayBuffer} and {@link MultiTaskDataset}: a
 * directory holding a JSON manifest and one binary file of little-endian columns. The layout is
 * specified in `docs/formats.md`, "Buffer saves"; in short:
 *
 * ```text
 * <dir>/manifest.json          format, formatVersion, library, format-specific header,
 *                              dataFile, dataBytes, byteOrder, columns[]
 * <dir>/data-<hash16>.bin      the columns, each starting at an 8-byte-aligned offset
 * ```
 *
 * Each column record gives its `name`, `dtype` (`float32`, `int32` or `uint8`), `shape`,
 * `byteOffset`, `byteLength` and the `sha256` of its bytes. Saving is atomic: the data goes to
 * a temporary file that is flushed and renamed to a content-addressed name that no earlier save
 * uses, then the manifest goes to a temporary file that is flushed and renamed over
 * `manifest.json`. The manifest rename is the commit point, so a crash or error at any moment
 * leaves either the previous save or the new one, each complete and loadable. A save refuses a
 * folder that holds a save of another kind (`src/core/save-folder.ts`), and after the commit it
 * removes only the data file of the save it replaced and what interrupted saves of the same kind
 * left there. Two processes must not save into the same directory at the same time.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { endianness } from 'node:os';
import * as path from 'node:path';
import { DatasetError, RlError } from './errors.js';
import { checkSaveFolder } from './save-folder.js';
import { MANIFEST_MAX_BYTES, openRegularFileSync, readRegularTextSync, resolveInsideFolder } from './safe-files.js';

/** Name of the library written into every manifest. */
export const LIBRARY_NAME = 'llmdpd';

/** File name of the manifest inside a save directory. */
export const MANIFEST_FILE = 'manifest.json';

/** Element types a column can have on disk. */
export type ColumnDtype = 'float32' | 'int32' | 'uint8';

/** The typed array that holds a column in memory. */
export type ColumnArray = Float32Array | Int32Array | Uint8Array;

/** Stages reported to {@link BufferSaveOptions.onProgress}, in order. */
export type BufferSaveStage = 'data-written' | 'manifest-written' | 'committed';

/** Options of `save`. */
export interface BufferSaveOptions {
  /**
   * Called after each stage of the save: `'data-written'` (the data file is complete under its
   * final name, the old manifest still in force), `'manifest-written'` (the new manifest is
   * complete in a temporary file, not yet committed) and `'committed'` (the new save is in
   * force). If the callback throws before `'committed'`, the save is abandoned, its files are
   * removed, the previous save stays in force, and the error propagates unchanged.
   */
  readonly onProgress?: (stage: BufferSaveStage) => void;
}

/** Options of `load`. */
export interface BufferLoadOptions {
  /**
   * Recompute the sha256 of every column and compare it with the manifest.
   * @defaultValue true
   */
  readonly verifyChecksums?: boolean;
}

/** A column to write: its name, dtype, logical shape and values. */
export interface ColumnToWrite {
  /** Unique name inside the file, e.g. `observations` or `tasks/0/rewards`. */
  readonly name: string;
  /** Element type; must match the array. */
  readonly dtype: ColumnDtype;
  /** Logical shape, e.g. `[size, observationDim]`; the product is the element count. */
  readonly shape: readonly number[];
  /** The values, exactly `product(shape)` elements. */
  readonly data: ColumnArray;
}

/** One entry of the manifest's `columns` list. */
export interface ColumnRecord {
  /** Unique name inside the file. */
  readonly name: string;
  /** Element type. */
  readonly dtype: ColumnDtype;
  /** Logical shape; the product is the element count. */
  readonly shape: readonly number[];
  /** Offset of the first byte in the data file, a multiple of 8. */
  readonly byteOffset: number;
  /** Number of bytes: element count times element size. */
  readonly byteLength: number;
  /** Lower-case hex sha256 of the column's bytes as stored (little-endian). */
  readonly sha256: string;
}

/** What a loader expects to find in a manifest. */
export interface ExpectedFormat {
  /** Format name, e.g. `llmdpd.replay-buffer`. */
  readonly format: string;
  /** The one format version this code reads. */
  readonly formatVersion: number;
  /** Human name of the thing being loaded, for messages (e.g. `replay buffer`). */
  readonly what: string;
  /** Which class loads this format, for the message when another format is found. */
  readonly loader: string;
}

/** Read access to an opened save, handed to the callback of {@link readColumnStore}. */
export interface ColumnStoreReader {
  /** The parsed manifest (its common fields already validated). */
  readonly manifest: Readonly<Record<string, unknown>>;
  /**
   * Reads one column, checking its dtype, shape, bounds and (unless disabled) checksum.
   * @throws {@link DatasetError} naming the column when anything disagrees.
   */
  column(name: string, dtype: 'float32', shape: readonly number[]): Float32Array;
  /** Reads one int32 column; see the float32 overload. */
  column(name: string, dtype: 'int32', shape: readonly number[]): Int32Array;
  /** Reads one uint8 column; see the float32 overload. */
  column(name: string, dtype: 'uint8', shape: readonly number[]): Uint8Array;
}

const BYTES_PER: Record<ColumnDtype, number> = { float32: 4, int32: 4, uint8: 1 };
const ALIGN = 8;
const HOST_IS_LITTLE_ENDIAN = endianness() === 'LE';
const DATA_FILE_PATTERN = /^data-[0-9a-f]{16}\.bin$/;
const TEMP_PREFIX = '.tmp-';
/** The exact names of this module's temporary files: `.tmp-<pid>-<ms>-<n>-data.bin` or `-manifest.json`. */
const TEMP_FILE_PATTERN = /^\.tmp-\d+-\d+-\d+-(data\.bin|manifest\.json)$/;
let tempCounter = 0;

function dtypeOf(data: ColumnArray): ColumnDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  return 'uint8';
}

/** The column's bytes in little-endian order (a view on little-endian hosts, a copy otherwise). */
function littleEndianBytes(data: ColumnArray): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_IS_LITTLE_ENDIAN || data instanceof Uint8Array) return bytes;
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) view.setFloat32(i * 4, data[i], true);
    else view.setInt32(i * 4, data[i], true);
  }
  return out;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}

function readAll(fd: number, bytes: Uint8Array, position: number): number {
  let done = 0;
  while (done < bytes.length) {
    const n = fs.readSync(fd, bytes, done, bytes.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

function fsyncDirectory(dir: string): void {
  // Makes the renames durable on POSIX file systems; not supported everywhere (Windows), and
  // the save is still atomic without it, so failures are ignored.
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* best effort */
  }
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    /* best effort */
  }
}

/** The data file the manifest currently in `dir` points to, or null. */
function committedDataFile(dir: string): string | null {
  try {
    const text = readRegularTextSync(path.join(dir, MANIFEST_FILE), {
      what: 'the manifest',
      context: 'writeColumnStore',
      maxBytes: MANIFEST_MAX_BYTES,
    });
    const m = JSON.parse(text) as { dataFile?: unknown };
    return typeof m.dataFile === 'string' ? m.dataFile : null;
  } catch {
    return null;
  }
}

function wrapIo(err: unknown, message: string): unknown {
  if (err instanceof RlError) return err;
  // Duck-typed: errors from Node's fs may come from another realm (vm contexts, jest).
  const e = err as Partial<NodeJS.ErrnoException> | null;
  if (e !== null && typeof e === 'object' && typeof e.code === 'string' && typeof e.message === 'string') {
    return new DatasetError(`${message}: ${e.message}`, { cause: err });
  }
  return err;
}

/**
 * Writes `columns` and a manifest made of `header` plus the column list into `dir`, atomically
 * (see the module comment). `dir` is created if needed. Only `manifest.json`, `data-*.bin`
 * and this module's `.tmp-*` files in `dir` are ever touched, and old data files are removed
 * only when `dir` already held a save of the same format.
 *
 * @param dir - the save directory.
 * @param header - the manifest's leading fields: at least `format` and `formatVersion`.
 * @param columns - the columns, written in this order.
 * @param options - see {@link BufferSaveOptions}.
 * @param what - what is being saved, for messages.
 * @throws {@link SaveConflictError} when `dir` holds a save of another kind (nothing is written).
 * @throws {@link DatasetError} wrapping the file system error when a file cannot be written;
 *   the previous save is left in force.
 */
export function writeColumnStore(
  dir: string,
  header: Readonly<Record<string, unknown>> & { readonly format: string; readonly formatVersion: number },
  columns: readonly ColumnToWrite[],
  options: BufferSaveOptions = {},
  what = 'data',
): void {
  const names = new Set<string>();
  for (const c of columns) {
    const count = c.shape.reduce((a, b) => a * b, 1);
    if (names.has(c.name) || dtypeOf(c.data) !== c.dtype || c.data.length !== count) {
      throw new DatasetError(
        `writeColumnStore: column '${c.name}' is duplicated or its dtype/shape disagrees with its data (internal error).`,
      );
    }
    names.add(c.name);
  }
  const folder = checkSaveFolder(dir, {
    format: header.format,
    marker: MANIFEST_FILE,
    what,
    context: `Saving ${what}`,
  });
  const previousDataFile = folder.previous?.['dataFile'];
  const sameKindBefore = folder.previous !== null;
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw wrapIo(err, `Could not create the directory ${dir} to save ${what}`);
  }
  const stamp = `${TEMP_PREFIX}${process.pid}-${Date.now()}-${tempCounter++}`;
  const tempData = path.join(dir, `${stamp}-data.bin`);
  const tempManifest = path.join(dir, `${stamp}-manifest.json`);
  let dataFile: string | null = null;
  let committed = false;
  try {
    // 1. Data, into a temporary file, flushed to disk.
    const records: ColumnRecord[] = [];
    const fileHash = createHash('sha256');
    const padding = new Uint8Array(ALIGN);
    let offset = 0;
    let fd = fs.openSync(tempData, 'wx');
    try {
      for (const c of columns) {
        const pad = (ALIGN - (offset % ALIGN)) % ALIGN;
        if (pad > 0) {
          const p = padding.subarray(0, pad);
          writeAll(fd, p);
          fileHash.update(p);
          offset += pad;
        }
        const bytes = littleEndianBytes(c.data);
        writeAll(fd, bytes);
        fileHash.update(bytes);
        records.push({
          name: c.name,
          dtype: c.dtype,
          shape: [...c.shape],
          byteOffset: offset,
          byteLength: bytes.length,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        });
        offset += bytes.length;
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    // 2. Give it a content-addressed name. A name already in use holds the same bytes (up to a
    //    2^-64 collision), so replacing it cannot break the save in force.
    dataFile = `data-${fileHash.digest('hex').slice(0, 16)}.bin`;
    fs.renameSync(tempData, path.join(dir, dataFile));
    options.onProgress?.('data-written');
    // 3. Manifest, into a temporary file, flushed to disk.
    const manifest = {
      ...header,
      library: LIBRARY_NAME,
      dataFile,
      dataBytes: offset,
      byteOrder: 'little',
      columns: records,
    };
    fd = fs.openSync(tempManifest, 'wx');
    try {
      writeAll(fd, new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    options.onProgress?.('manifest-written');
    // 4. Commit: one atomic rename.
    fs.renameSync(tempManifest, path.join(dir, MANIFEST_FILE));
    committed = true;
    fsyncDirectory(dir);
  } catch (err) {
    removeQuietly(tempData);
    removeQuietly(tempManifest);
    if (!committed && dataFile !== null && committedDataFile(dir) !== dataFile) removeQuietly(path.join(dir, dataFile));
    throw wrapIo(err, `Could not save ${what} to ${dir} (the previous save there, if any, is unchanged)`);
  }
  // 5. Remove the replaced save's data file, and what interrupted saves of this same kind left
  //    behind; in a folder that held no save of this kind, only the replaced data file can exist.
  if (typeof previousDataFile === 'string' && DATA_FILE_PATTERN.test(previousDataFile) && previousDataFile !== dataFile)
    removeQuietly(path.join(dir, previousDataFile));
  if (sameKindBefore) {
    try {
      for (const entry of fs.readdirSync(dir)) {
        if (TEMP_FILE_PATTERN.test(entry) || (DATA_FILE_PATTERN.test(entry) && entry !== dataFile))
          removeQuietly(path.join(dir, entry));
      }
    } catch {
      /* best effort: leftovers are harmless */
    }
  }
  options.onProgress?.('committed');
}

function fail(dir: string, what: string, detail: string): never {
  throw new DatasetError(`Cannot load ${what} from ${dir}: ${detail}`);
}

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/**
 * Reads a required integer field of a manifest.
 *
 * @throws {@link DatasetError} naming the field when it is missing or not an integer >= `min`.
 */
export function manifestInteger(
  manifest: Readonly<Record<string, unknown>>,
  key: string,
  min: number,
  where: string,
): number {
  const v = manifest[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new DatasetError(
      `${where}: manifest field '${key}' must be an integer >= ${min}, found ${typeof v === 'number' || v === undefined ? String(v) : JSON.stringify(v)}. The manifest is corrupted; re-save.`,
    );
  }
  return v;
}

/**
 * Opens the save in `dir`, validates the manifest's common fields and the data file's size,
 * and runs `use` with a reader. The data file is closed afterwards, whatever happens.
 *
 * @throws {@link DatasetError} when the manifest is missing, unparsable, of another format or
 *   version, or malformed, or when the data file is missing or has the wrong size.
 */
export function readColumnStore<T>(
  dir: string,
  expected: ExpectedFormat,
  options: BufferLoadOptions,
  use: (reader: ColumnStoreReader) => T,
): T {
  const what = expected.what;
  const manifestPath = path.join(dir, MANIFEST_FILE);
  const text = readRegularTextSync(manifestPath, {
    what: MANIFEST_FILE,
    context: `Cannot load ${what} from ${dir}`,
    maxBytes: MANIFEST_MAX_BYTES,
    missing: () =>
      new DatasetError(
        `Cannot load ${what} from ${dir}: there is no ${MANIFEST_FILE}. Pass the directory given to save().`,
      ),
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    fail(dir, what, `${MANIFEST_FILE} is not valid JSON (${(err as Error).message}); the file is corrupted. Re-save.`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    fail(dir, what, `${MANIFEST_FILE} is not a JSON object.`);
  const m = parsed as Record<string, unknown>;
  if (m['format'] !== expected.format) {
    fail(
      dir,
      what,
      `${MANIFEST_FILE} has format ${JSON.stringify(m['format'])}, expected "${expected.format}". ` +
        (typeof m['format'] === 'string' && m['format'].startsWith('llmdpd.')
          ? `It was written by another llmdpd class; load it with that class, not ${expected.loader}.`
          : 'It was not written by llmdpd.'),
    );
  }
  if (m['formatVersion'] !== expected.formatVersion) {
    fail(
      dir,
      what,
      `it has format version ${JSON.stringify(m['formatVersion'])}, and this version of llmdpd reads version ` +
        `${expected.formatVersion} only. Load it with the llmdpd version that wrote it and re-save, or upgrade llmdpd.`,
    );
  }
  const where = `Cannot load ${what} from ${dir}`;
  if (m['library'] !== LIBRARY_NAME)
    fail(dir, what, `manifest field 'library' is ${JSON.stringify(m['library'])}, expected "${LIBRARY_NAME}".`);
  if (m['byteOrder'] !== 'little')
    fail(dir, what, `manifest field 'byteOrder' is ${JSON.stringify(m['byteOrder'])}, expected "little".`);
  const dataFile = m['dataFile'];
  if (typeof dataFile !== 'string' || !DATA_FILE_PATTERN.test(dataFile)) {
    fail(
      dir,
      what,
      `manifest field 'dataFile' is ${JSON.stringify(dataFile)}, expected a name like "data-0123456789abcdef.bin".`,
    );
  }
  const dataBytes = manifestInteger(m, 'dataBytes', 0, where);
  const columns = m['columns'];
  if (!Array.isArray(columns)) fail(dir, what, `manifest field 'columns' is missing or not a list.`);
  const records = new Map<string, ColumnRecord>();
  columns.forEach((c: unknown, i: number) => {
    const r = c as Partial<Record<keyof ColumnRecord, unknown>> | null;
    const ok =
      r !== null &&
      typeof r === 'object' &&
      typeof r.name === 'string' &&
      (r.dtype === 'float32' || r.dtype === 'int32' || r.dtype === 'uint8') &&
      Array.isArray(r.shape) &&
      r.shape.every(isNonNegativeInteger) &&
      isNonNegativeInteger(r.byteOffset) &&
      isNonNegativeInteger(r.byteLength) &&
      typeof r.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(r.sha256);
    if (!ok)
      fail(
        dir,
        what,
        `manifest entry columns[${i}] is malformed (${JSON.stringify(c)}); the manifest is corrupted. Re-save.`,
      );
    records.set(r.name as string, r as unknown as ColumnRecord);
  });
  const dataPath = resolveInsideFolder(dir, dataFile, { context: where, field: `${MANIFEST_FILE} field 'dataFile'` });
  const { fd, size: actualBytes } = openRegularFileSync(dataPath, {
    what: `the data file`,
    context: where,
    missing: () =>
      new DatasetError(
        `${where}: the data file ${dataFile} named by ${MANIFEST_FILE} is missing. Copy the whole directory, not only the manifest.`,
      ),
  });
  try {
    if (actualBytes !== dataBytes) {
      fail(
        dir,
        what,
        `the data file ${dataFile} is ${actualBytes} bytes but the manifest says ${dataBytes}: ` +
          `${actualBytes < dataBytes ? 'it is truncated (an interrupted copy?)' : 'it has extra bytes'}. Restore it from the original save.`,
      );
    }
    const verify = options.verifyChecksums ?? true;
    const reader = {
      manifest: m,
      column(name: string, dtype: ColumnDtype, shape: readonly number[]): ColumnArray {
        const r = records.get(name);
        if (r === undefined)
          fail(dir, what, `column '${name}' is missing from ${MANIFEST_FILE}; the manifest is corrupted. Re-save.`);
        const count = shape.reduce((a, b) => a * b, 1);
        const size = BYTES_PER[dtype];
        if (
          r.dtype !== dtype ||
          r.shape.length !== shape.length ||
          r.shape.some((s, i) => s !== shape[i]) ||
          r.byteLength !== count * size
        ) {
          fail(
            dir,
            what,
            `column '${name}' is ${r.dtype} [${r.shape.join(', ')}] (${r.byteLength} bytes); expected ${dtype} [${shape.join(', ')}] ` +
              `(${count * size} bytes) from the manifest's counts. The manifest is corrupted; re-save.`,
          );
        }
        if (r.byteOffset % size !== 0 || r.byteOffset + r.byteLength > dataBytes) {
          fail(
            dir,
            what,
            `column '${name}' lies outside the data file or is misaligned (byteOffset ${r.byteOffset}, byteLength ${r.byteLength}, file ${dataBytes} bytes).`,
          );
        }
        const out =
          dtype === 'float32'
            ? new Float32Array(count)
            : dtype === 'int32'
              ? new Int32Array(count)
              : new Uint8Array(count);
        const bytes =
          HOST_IS_LITTLE_ENDIAN || dtype === 'uint8' ? new Uint8Array(out.buffer) : new Uint8Array(r.byteLength);
        const got = readAll(fd, bytes, r.byteOffset);
        if (got !== r.byteLength)
          fail(dir, what, `column '${name}': read ${got} of ${r.byteLength} bytes; the data file is truncated.`);
        if (verify) {
          const digest = createHash('sha256').update(bytes).digest('hex');
          if (digest !== r.sha256) {
            fail(
              dir,
              what,
              `checksum mismatch in column '${name}' (sha256 ${digest.slice(0, 12)}..., manifest ${r.sha256.slice(0, 12)}...): the data file is corrupted. Restore it from the original save.`,
            );
          }
        }
        if (bytes.buffer !== out.buffer) {
          const view = new DataView(bytes.buffer);
          for (let i = 0; i < count; i++) {
            if (out instanceof Float32Array) out[i] = view.getFloat32(i * 4, true);
            else out[i] = view.getInt32(i * 4, true);
          }
        }
        return out;
      },
    } as ColumnStoreReader;
    return use(reader);
  } finally {
    fs.closeSync(fd);
  }
}
