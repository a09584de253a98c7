/**
 * The thin layer between the dataset readers and h5wasm: opening files with clear errors,
 * describing datasets, and reading and writing big columns **in blocks**.
 *
 * Why blocks: h5wasm's `Dataset.value` mallocs the whole dataset inside the WebAssembly heap
 * and then copies it out. A WebAssembly memory never shrinks, so reading a 136 MB column that
 * way leaves a 136 MB heap behind for the life of the process: two copies of the data. Reading
 * hyperslabs of a few MiB (`Dataset.slice`) straight into a preallocated typed array keeps the
 * heap at its initial size, and writing with `write_slice` into a chunked dataset does the
 * same for the writer. h5wasm's Node build uses Emscripten's NODERAWFS, so a path opens the
 * real file and HDF5 reads only the bytes it needs.
 *
 * @module
 */
import { closeSync, fsyncSync, openSync, readSync, renameSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type h5wasm from 'h5wasm/node';
import { DatasetError, NotFoundError, RlError } from '../core/errors.js';
import { formatBytes, openRegularFileSync } from '../core/safe-files.js';

/** h5wasm's high-level API (File, Group, Dataset). */
export type H5Api = typeof h5wasm;
/** h5wasm's Emscripten module, with the HDF5 type-class constants. */
export type H5Module = Awaited<typeof h5wasm.ready>;
/** An open HDF5 file. */
export type H5File = InstanceType<H5Api['File']>;
/** An HDF5 group. */
export type H5Group = InstanceType<H5Api['Group']>;
/** An HDF5 dataset. */
export type H5Dataset = InstanceType<H5Api['Dataset']>;

/** The loaded library: the API and its module. */
export interface H5Lib {
  /** File, Group and Dataset classes. */
  readonly api: H5Api;
  /** The WebAssembly module (type-class constants, heap). */
  readonly module: H5Module;
}

let loading: Promise<H5Lib> | undefined;
let current: H5Lib | undefined;
let instances = 0;

/**
 * Loads h5wasm (once, or again after {@link discardH5}). HDF5 errors are switched to thrown
 * exceptions (h5wasm's `activate_throwing_error_handler`) instead of diagnostics printed to
 * stderr and a negative id, so every failure reaches our error mapping.
 */
export function loadH5(): Promise<H5Lib> {
  loading ??= instantiate();
  return loading;
}

async function instantiate(): Promise<H5Lib> {
  // Imported on first use: h5wasm instantiates its WebAssembly when the module loads (about 45
  // ms), which every process and worker thread importing the library would otherwise pay.
  const api = instances === 0 ? (await import('h5wasm/node')).default : await freshApi(instances);
  instances++;
  const module = await api.ready;
  module.activate_throwing_error_handler();
  current = { api, module };
  return current;
}

/** Path of h5wasm's Node entry point, found the way Node resolves the package. */
function h5wasmEntryPath(): string {
  const dirs = createRequire(import.meta.url).resolve.paths('h5wasm') ?? [];
  for (const dir of dirs) {
    const candidate = join(dir, 'h5wasm', 'dist', 'node', 'hdf5_hl.js');
    try {
      closeSync(openRegularFileSync(candidate, { what: 'h5wasm', context: 'loadH5' }).fd);
      return candidate;
    } catch {
      /* try the next folder */
    }
  }
  throw new DatasetError('loadH5: cannot find h5wasm/dist/node/hdf5_hl.js to restart HDF5. Fix: reinstall h5wasm.');
}

/**
 * A new copy of h5wasm, with its own WebAssembly memory: the same entry file imported under a
 * query string, which Node (and Jest) treat as a new module, so its factory runs again.
 */
async function freshApi(n: number): Promise<H5Api> {
  const file = h5wasmEntryPath();
  const specifier =
    process.platform === 'win32' ? `${pathToFileURL(file).href}?instance=${n}` : `${file}?instance=${n}`;
  const fresh = (await import(specifier)) as { default: H5Api };
  return fresh.default;
}

/** The Emscripten file system of an h5wasm module, as far as {@link discardH5} needs it. */
interface EmscriptenStreams {
  readonly streams: readonly ({ readonly fd?: number } | null | undefined)[];
  close(stream: object): void;
}

/** The files HDF5 still holds open in `lib` (standard streams excluded). */
function openStreams(lib: H5Lib): object[] {
  const fs = (lib.module as unknown as { FS?: EmscriptenStreams }).FS;
  if (fs === undefined || !Array.isArray(fs.streams)) return [];
  return fs.streams.filter((s, i): s is { readonly fd?: number } => i > 2 && s !== null && s !== undefined);
}

/**
 * Drops an h5wasm instance after a failure that may have left it unusable or holding files: an
 * HDF5 error raised in the middle of an h5wasm call skips the call's clean-up, so the objects
 * it opened keep the file (and its descriptor) open after `close()`, and a WebAssembly trap or
 * abort leaves the instance dead. Every file it still holds is closed, and the next
 * {@link loadH5} starts a fresh instance.
 */
export function discardH5(lib: H5Lib): void {
  const fs = (lib.module as unknown as { FS?: EmscriptenStreams }).FS;
  for (const stream of openStreams(lib)) {
    try {
      fs?.close(stream);
    } catch {
      /* already closed or the instance is dead: nothing more to release */
    }
  }
  if (current === lib) {
    current = undefined;
    loading = undefined;
  }
}

/** True for a WebAssembly trap or an Emscripten abort (`RuntimeError`), after which an instance is dead. */
function isWasmCrash(error: unknown): boolean {
  // Duck-typed: the error may come from another realm (Jest runs modules in a vm context).
  const e = error as { name?: unknown; message?: unknown } | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    (e.name === 'RuntimeError' || (typeof e.message === 'string' && e.message.startsWith('Aborted(')))
  );
}

/** `error.name` and `error.message` of any thrown value, realm-independent. */
function describeError(error: unknown): { name: string; message: string } {
  const e = error as { name?: unknown; message?: unknown } | null;
  if (typeof e === 'object' && e !== null && typeof e.message === 'string')
    return { name: typeof e.name === 'string' ? e.name : 'Error', message: e.message };
  return { name: typeof error, message: String(error) };
}

/** The deepest HDF5 diagnostic line of an h5wasm error (`H5F__super_read(): truncated file: ...`). */
export function hdf5Reason(error: unknown): string {
  const text = describeError(error).message;
  const lines = [...text.matchAll(/ in ([A-Za-z0-9_]+\(\)): ([^\n]+)/g)];
  const last = lines[lines.length - 1];
  return last === undefined ? text.split('\n')[0].trim() : `${last[1]}: ${last[2].trim()}`;
}

/**
 * Runs `work` (all the HDF5 calls of one load, synchronous, files closed at its end) and turns
 * every failure into a typed error: errors of the library pass through; a WebAssembly trap or
 * abort, an HDF5 diagnostic, an allocation failure (`RangeError`) or any other error of h5wasm
 * becomes a {@link DatasetError} that names the file. When the failure left the instance dead or
 * holding files, the instance is discarded ({@link discardH5}).
 *
 * @param context - the calling API, for messages.
 * @param path - the file being read, for messages.
 */
export function hdf5Section<T>(lib: H5Lib, context: string, path: string, work: () => T): T {
  try {
    const result = work();
    if (openStreams(lib).length > 0) discardH5(lib);
    return result;
  } catch (error) {
    const crashed = isWasmCrash(error);
    if (crashed || openStreams(lib).length > 0) discardH5(lib);
    if (error instanceof RlError) throw error;
    const fix = 'Fix: the file is damaged; fetch or write it again.';
    const { name, message } = describeError(error);
    if (crashed) {
      throw new DatasetError(
        `${context}: HDF5 crashed while reading ${path} (${message}); its structure is damaged. ${fix}`,
        { cause: error },
      );
    }
    if (message.includes('HDF5-DIAG')) {
      throw new DatasetError(`${context}: HDF5 cannot read ${path}: ${hdf5Reason(error)}. ${fix}`, { cause: error });
    }
    if (name === 'RangeError') {
      throw new DatasetError(`${context}: ${path} declares more data than can be held in memory (${message}). ${fix}`, {
        cause: error,
      });
    }
    throw new DatasetError(
      `${context}: cannot read ${path}; its HDF5 structure is not as expected (${name}: ${message}). ${fix}`,
      { cause: error },
    );
  }
}

/** Bytes per block when reading or writing a big column: big enough to amortise calls, small for the WASM heap. */
export const BLOCK_BYTES = 4 << 20;

/**
 * How many times its size a file may declare in datasets. Deflate, HDF5's usual filter, cannot
 * compress by more than about 1032:1, so a file that declares more is damaged (or made of
 * never-written chunks), and its declared sizes are not allocated.
 */
export const MAX_DECLARED_RATIO = 1100;

/** The HDF5 format signature, found at byte 0 or at 512, 1024, 2048, ... after a user block. */
const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** An HDF5 file opened by {@link openHdf5}. */
export interface OpenedHdf5 {
  /** The open file; close it. */
  readonly file: H5File;
  /** Its size in bytes when it was checked. */
  readonly bytes: number;
}

/**
 * Checks that `path` is a regular, complete HDF5 file, then opens it read-only. The check opens
 * the file without blocking, so a FIFO or a device is refused before HDF5 sees it.
 *
 * @param context - the calling API, for messages.
 * @throws {@link NotFoundError} when nothing is at `path`.
 * @throws {@link DatasetError} when it is a directory or another special file, not HDF5 (no
 *   signature), truncated (the superblock's end-of-file address lies beyond the file's size),
 *   or HDF5 cannot open it.
 */
export function openHdf5(lib: H5Lib, path: string, context: string): OpenedHdf5 {
  const { fd, size } = openRegularFileSync(path, {
    what: 'the HDF5 file',
    context,
    missing: (p) => new NotFoundError(`${context}: no file at ${p}. Fix: check the path; nothing is downloaded.`),
  });
  try {
    checkSignature(fd, path, size, context);
  } finally {
    closeSync(fd);
  }
  try {
    return { file: new lib.api.File(path, 'r'), bytes: size };
  } catch (e) {
    if (isWasmCrash(e)) throw e;
    const reason = hdf5Reason(e);
    const trunc = /eof = (\d+).*stored_eof = (\d+)/.exec(reason);
    if (trunc !== null) {
      throw new DatasetError(
        `${context}: ${path} is truncated: it has ${trunc[1]} bytes but its HDF5 superblock says ${trunc[2]}. ` +
          'Fix: the download or copy was interrupted; fetch or write the file again.',
        { cause: e },
      );
    }
    throw new DatasetError(
      `${context}: HDF5 cannot open ${path}: ${reason}. Fix: check that the file is a complete HDF5 file.`,
      { cause: e },
    );
  }
}

/** Throws unless the HDF5 signature sits at byte 0 or at a user-block boundary (512, 1024, ...). */
function checkSignature(fd: number, path: string, size: number, context: string): void {
  const head = Buffer.alloc(8);
  for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
    readSync(fd, head, 0, 8, at);
    if (head.equals(SIGNATURE)) return;
  }
  const start = Buffer.alloc(Math.min(size, 16));
  readSync(fd, start, 0, start.length, 0);
  const first = size === 0 ? 'it is empty' : `it starts with ${JSON.stringify(start.toString('latin1'))}`;
  throw new DatasetError(
    `${context}: ${path} is not an HDF5 file: it has no HDF5 signature (${size} bytes; ${first}). ` +
      'Fix: pass a D4RL/Minari .hdf5 file; an HTML error page or a cut download also looks like this.',
  );
}

/** One dataset a reader is about to load, for {@link checkDeclaredSize}. */
export interface DeclaredColumn {
  /** The dataset's key. */
  readonly key: string;
  /** Values it declares (rows times values per row). */
  readonly values: number;
  /** Bytes per value in the file. */
  readonly elementBytes: number;
}

/**
 * Refuses a file whose datasets declare more data than it can hold: more than
 * {@link MAX_DECLARED_RATIO} times the file's size (no compression gets there, so the header is
 * damaged), or a count that is not a safe integer. Runs before anything is allocated, so an
 * absurd row count is a {@link DatasetError} rather than a `RangeError` or an out-of-memory crash.
 *
 * @param fileBytes - the file's size.
 * @throws {@link DatasetError} naming the largest dataset and the sizes.
 */
export function checkDeclaredSize(
  context: string,
  path: string,
  fileBytes: number,
  columns: readonly DeclaredColumn[],
): void {
  let total = 0;
  let largest: DeclaredColumn | undefined;
  for (const c of columns) {
    const bytes = c.values * c.elementBytes;
    if (!Number.isSafeInteger(c.values) || !Number.isSafeInteger(bytes)) {
      throw new DatasetError(
        `${context}: "${c.key}" in ${path} declares ${String(c.values)} values, which no file can hold; its header is damaged. Fix: fetch or write the file again.`,
      );
    }
    total += bytes;
    if (largest === undefined || bytes > largest.values * largest.elementBytes) largest = c;
  }
  if (largest !== undefined && total > fileBytes * MAX_DECLARED_RATIO + (1 << 20)) {
    throw new DatasetError(
      `${context}: ${path} declares ${formatBytes(total)} of data (the largest, "${largest.key}", ${largest.values} values) ` +
        `but the file is ${formatBytes(fileBytes)}: no HDF5 compression reaches that ratio, so its header is damaged. ` +
        'Fix: fetch or write the file again.',
    );
  }
}

/** What kind of values a dataset holds, as far as the readers care. */
export type ColumnKind = 'float' | 'int' | 'bool' | 'string' | 'other';

/** The type and shape of one HDF5 dataset. */
export interface ColumnInfo {
  /** Path of the dataset inside the file, e.g. `infos/qpos`. */
  readonly key: string;
  /** Shape, `[]` for a scalar. */
  readonly shape: readonly number[];
  /** Value kind: h5py's bool (an enum FALSE/TRUE over int8) is `bool`. */
  readonly kind: ColumnKind;
  /** Readable dtype: `float32`, `float64`, `int8`, `uint8`, `bool`, `string`, `enum`, `compound`, ... */
  readonly dtype: string;
  /** Bytes per element. */
  readonly elementBytes: number;
}

/** Describes the dataset at `key`, or returns `undefined` when the file has no dataset there. */
export function columnInfo(lib: H5Lib, file: H5File, key: string, context = 'HDF5'): ColumnInfo | undefined {
  const entity = safeGet(file, key, context);
  if (!(entity instanceof lib.api.Dataset)) return undefined;
  const m = entity.metadata;
  if (m.virtual_sources !== undefined && m.virtual_sources.length > 0) {
    const source = m.virtual_sources[0];
    throw new DatasetError(
      `${context}: "${key}" is a virtual dataset mapped from ${JSON.stringify(source.file_name)}:${source.dset_name}; ` +
        'this reader does not read data from other files. Fix: store the values in this file (h5py: f.create_dataset with the data).',
    );
  }
  const classes = lib.module.H5T_class_t;
  let kind: ColumnKind = 'other';
  let dtype: string;
  if (m.type === classes.H5T_FLOAT.value) {
    kind = 'float';
    dtype = `float${m.size * 8}`;
  } else if (m.type === classes.H5T_INTEGER.value) {
    kind = 'int';
    dtype = `${m.signed ? 'int' : 'uint'}${m.size * 8}`;
  } else if (m.type === classes.H5T_ENUM.value) {
    const members = m.enum_type?.members ?? {};
    const isBool = Object.keys(members).length === 2 && members['FALSE'] === 0 && members['TRUE'] === 1;
    kind = isBool ? 'bool' : 'other';
    dtype = isBool ? 'bool' : 'enum';
  } else if (m.type === classes.H5T_STRING.value) {
    kind = 'string';
    dtype = 'string';
  } else if (m.type === classes.H5T_COMPOUND.value) {
    dtype = 'compound';
  } else {
    dtype = `HDF5 type class ${m.type}`;
  }
  return { key, shape: m.shape ?? [], kind, dtype, elementBytes: m.size };
}

/**
 * `group.get(key)` that never leaves the file: each link along `key` is checked, without being
 * followed, before the next is looked at, and an external link (into another file, which HDF5
 * would open by its stored name) is refused. Returns `undefined` for a missing key or a missing
 * intermediate group.
 *
 * @param context - the calling API, for messages.
 * @throws {@link DatasetError} when a link along `key` leads into another file.
 */
export function safeGet(group: H5Group, key: string, context = 'HDF5'): ReturnType<H5Group['get']> | undefined {
  let prefix = group.path === '/' ? '' : group.path;
  for (const part of key.split('/')) {
    if (part === '') continue;
    prefix = `${prefix}/${part}`;
    let link: { filename?: string; obj_path?: string } | undefined;
    try {
      link = group.get_external_link(prefix);
    } catch {
      return undefined;
    }
    if (link !== undefined && link !== null && typeof link.filename === 'string') {
      throw new DatasetError(
        `${context}: "${prefix.slice(1)}" is an external link to ${JSON.stringify(link.filename)}:${String(link.obj_path)}; ` +
          'this reader does not follow links into other files. Fix: copy the data into this file (h5py: f.copy) and remove the link.',
      );
    }
  }
  try {
    return group.get(key) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Number of values in one row of a dataset of this shape (1 for `(N,)`). */
export function rowSize(shape: readonly number[]): number {
  let s = 1;
  for (let i = 1; i < shape.length; i++) s *= shape[i];
  return s;
}

/** Rows per read block for a dataset: whole file chunks when chunked, about {@link BLOCK_BYTES} otherwise. */
function blockRows(ds: H5Dataset, rowBytes: number): number {
  const chunk = ds.metadata.chunks?.[0];
  const target = Math.max(1, Math.floor(BLOCK_BYTES / Math.max(1, rowBytes)));
  if (chunk === undefined || chunk <= 0) return target;
  return chunk * Math.max(1, Math.floor(target / chunk));
}

/** A typed array that {@link readRows} can fill. */
export type RowTarget = Float32Array | Float64Array | Uint8Array | Int32Array;

/** A typed-array constructor for the in-memory form of a dataset's elements. */
type ViewType =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/** The typed array matching a numeric (float, integer or enum-over-integer) dataset's elements. */
function viewType(lib: H5Lib, m: H5Dataset['metadata'], key: string, context: string): ViewType {
  const classes = lib.module.H5T_class_t;
  const type = m.type === classes.H5T_ENUM.value ? m.enum_type?.type : m.type;
  const size = m.size;
  if (type === classes.H5T_FLOAT.value) {
    if (size === 4) return Float32Array;
    if (size === 8) return Float64Array;
  } else if (type === classes.H5T_INTEGER.value) {
    const signed = m.signed;
    if (size === 1) return signed ? Int8Array : Uint8Array;
    if (size === 2) return signed ? Int16Array : Uint16Array;
    if (size === 4) return signed ? Int32Array : Uint32Array;
    if (size === 8) return signed ? BigInt64Array : BigUint64Array;
  }
  throw new DatasetError(
    `${context}: "${key}" holds ${size}-byte elements of HDF5 type class ${m.type}, which this reader cannot convert to numbers.`,
  );
}

/**
 * Reads rows `[start, end)` of dataset `key` block by block into `out` starting at value
 * offset `outOffset`, converting to `out`'s element type. Each block is read by HDF5 into one
 * scratch allocation in the WebAssembly heap (reused for every block, freed at the end) and
 * copied from there straight into `out`: no JavaScript temporaries, and the heap does not grow
 * with the dataset. `check` sees every block first (values and the file row of the block's
 * first value), so bad values are reported with the row of the file they came from.
 *
 * @throws {@link DatasetError} naming the key when HDF5 fails to read (a damaged file).
 */
export function readRows(
  lib: H5Lib,
  file: H5File,
  key: string,
  start: number,
  end: number,
  out: RowTarget,
  outOffset: number,
  context: string,
  check?: (block: ArrayLike<number>, firstRow: number) => void,
): void {
  if (end <= start) return;
  const ds = safeGet(file, key, context) as H5Dataset;
  const m = ds.metadata;
  const shape = m.shape ?? [];
  const dim = rowSize(shape);
  const View = viewType(lib, m, key, context);
  const step = Math.min(blockRows(ds, dim * m.size), end - start);
  const module = lib.module;
  const ptr = module._malloc(step * dim * m.size);
  if (ptr === 0)
    throw new DatasetError(`${context}: cannot allocate ${step * dim * m.size} bytes in the HDF5 heap to read ${key}.`);
  const rest = shape.slice(1).map(BigInt);
  try {
    for (let r = start; r < end; r += step) {
      const e = Math.min(end, r + step);
      try {
        module.get_dataset_data(
          file.file_id,
          ds.path,
          [BigInt(e - r), ...rest],
          [BigInt(r), ...rest.map(() => 0n)],
          [1n, ...rest.map(() => 1n)],
          BigInt(ptr),
        );
      } catch (err) {
        throw new DatasetError(
          `${context}: reading ${key} rows ${r}..${e - 1} of ${file.filename} failed: ${hdf5Reason(err)}. Fix: the file is damaged; fetch or write it again.`,
        );
      }
      // Take the heap's buffer after the call: a read that grew the heap replaced it.
      const raw = new View(module.HEAPU8.buffer as ArrayBuffer, ptr, (e - r) * dim);
      const block: ArrayLike<number> =
        raw instanceof BigInt64Array || raw instanceof BigUint64Array ? Float64Array.from(raw, Number) : raw;
      check?.(block, r);
      (out as Float32Array).set(block, outOffset + (r - start) * dim);
    }
  } finally {
    module._free(ptr);
  }
}

/**
 * A check for {@link readRows}: throws at the first NaN or infinite value, naming the key, the
 * file row and the column.
 */
export function finiteCheck(
  context: string,
  key: string,
  dim: number,
): (block: ArrayLike<number>, firstRow: number) => void {
  return (block, firstRow) => {
    for (let i = 0; i < block.length; i++) {
      const v = block[i];
      // v - v is 0 for finite v and NaN for NaN and +-Infinity.
      if (v - v !== 0) {
        const row = firstRow + Math.floor(i / dim);
        const where = dim === 1 ? `row ${row}` : `row ${row}, column ${i % dim}`;
        throw new DatasetError(
          `${context}: ${key} ${where} is ${String(v)}; every value must be finite. Fix: drop or repair that row before loading (this loader does not skip rows).`,
        );
      }
    }
  };
}

/**
 * A check for {@link readRows} on flag columns: throws at the first value that is not 0 or 1.
 */
export function flagCheck(context: string, key: string): (block: ArrayLike<number>, firstRow: number) => void {
  return (block, firstRow) => {
    for (let i = 0; i < block.length; i++) {
      const v = block[i];
      if (v !== 0 && v !== 1) {
        throw new DatasetError(
          `${context}: ${key} row ${firstRow + i} is ${String(v)}; flags must be 0 or 1 (false/true). Fix: store ${key} as bool or uint8 0/1.`,
        );
      }
    }
  };
}

/** Reads a scalar or small dataset's value (strings, numbers) for metadata; `undefined` when unreadable. */
export function smallValue(ds: H5Dataset): unknown {
  try {
    return ds.json_value;
  } catch {
    return undefined;
  }
}

/** Options of {@link writeColumn}. */
export interface WriteColumnOptions {
  /** Use gzip (deflate) level 4 on the chunks, as D4RL's files do. */
  readonly gzip: boolean;
  /** h5wasm (numpy struct) dtype: `<f` float32, `<d` float64, `<B` uint8, `<i` int32. */
  readonly dtype: '<f' | '<d' | '<B' | '<i';
}

/**
 * Writes `values` (`rows * dim` values, row-major) as dataset `name` of shape `(rows,)` when
 * `dim` is 0, else `(rows, dim)`, chunked, block by block so the WebAssembly heap holds one
 * block at a time.
 */
export function writeColumn(
  group: H5Group,
  name: string,
  values: Float32Array | Float64Array | Uint8Array | Int32Array,
  rows: number,
  dim: number,
  options: WriteColumnOptions,
): void {
  const rowValues = Math.max(1, dim);
  const elementBytes = options.dtype === '<d' ? 8 : options.dtype === '<B' ? 1 : 4;
  const chunkRows = Math.max(1, Math.min(rows, Math.floor((1 << 20) / (rowValues * elementBytes))));
  const shape = (n: number): number[] => (dim === 0 ? [n] : [n, dim]);
  const empty =
    options.dtype === '<d'
      ? new Float64Array(0)
      : options.dtype === '<B'
        ? new Uint8Array(0)
        : options.dtype === '<i'
          ? new Int32Array(0)
          : new Float32Array(0);
  const ds = group.create_dataset({
    name,
    data: empty,
    shape: shape(0),
    maxshape: shape(rows),
    chunks: shape(chunkRows),
    dtype: options.dtype,
    ...(options.gzip ? { compression: 'gzip' as const, compression_opts: 4 } : {}),
  });
  ds.resize(shape(rows));
  const step = chunkRows * Math.max(1, Math.floor(BLOCK_BYTES / (chunkRows * rowValues * elementBytes)));
  for (let r = 0; r < rows; r += step) {
    const e = Math.min(rows, r + step);
    ds.write_slice([[r, e]], values.subarray(r * rowValues, e * rowValues));
  }
}

/**
 * Writes an HDF5 file atomically: `write` fills a new file under a temporary name beside
 * `path`, which is then closed, flushed to disk and renamed over `path`. On any error the
 * temporary file is closed and removed, the error is rethrown, and whatever was at `path` is
 * left as it was.
 */
export function writeHdf5Atomic(lib: H5Lib, path: string, write: (file: H5File) => void): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let file: H5File | undefined;
  try {
    file = new lib.api.File(tmp, 'w');
    write(file);
    file.close();
    file = undefined;
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    try {
      file?.close();
    } catch {
      // already failing; the original error matters
    }
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was created
    }
    throw error;
  }
}
