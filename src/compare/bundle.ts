/**
 * A run folder packed into one byte string, so it can travel through Redis between a queue
 * worker and the coordinator (and, mid-run, to the next worker that takes over the job): a
 * JSON header line listing each file's relative path, size and SHA-256, then the files' bytes
 * back to back. Unpacking checks every size and hash and writes into a fresh folder that is
 * renamed into place, so a bad or partial bundle never replaces a good folder.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { DatasetError } from '../core/errors.js';

/** The first field of a bundle's header. */
export const BUNDLE_FORMAT = 'llmdpd-run-bundle';

interface BundleEntry {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

function listFiles(root: string, dir: string = root): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(root, full));
    else if (entry.isFile() && !entry.name.endsWith('.tmp')) out.push(relative(root, full).split(sep).join('/'));
  }
  return out.sort();
}

/** Packs every file under `dir` (temporary `.tmp` files aside). */
export function packFolder(dir: string): Buffer {
  const files = listFiles(dir);
  const contents = files.map((f) => readFileSync(join(dir, f)));
  const entries: BundleEntry[] = files.map((path, i) => ({
    path,
    size: contents[i].length,
    sha256: createHash('sha256').update(contents[i]).digest('hex'),
  }));
  const header = Buffer.from(`${JSON.stringify({ format: BUNDLE_FORMAT, version: 1, files: entries })}\n`, 'utf8');
  return Buffer.concat([header, ...contents]);
}

/**
 * Unpacks a bundle into `dir`, replacing what was there only once every file checked out.
 * @throws {@link DatasetError} for a malformed, truncated or corrupted bundle (`dir` untouched).
 */
export function unpackFolder(bundle: Buffer, dir: string): void {
  const newline = bundle.indexOf(0x0a);
  if (newline < 0) throw new DatasetError('A run bundle has no header line; it is not a run bundle or is truncated.');
  let header: { format?: unknown; files?: BundleEntry[] };
  try {
    header = JSON.parse(bundle.subarray(0, newline).toString('utf8')) as typeof header;
  } catch {
    throw new DatasetError('A run bundle header is not JSON; the bundle is corrupted.');
  }
  if (header.format !== BUNDLE_FORMAT || !Array.isArray(header.files))
    throw new DatasetError(`A run bundle header is not a ${BUNDLE_FORMAT} header.`);
  const staging = `${dir}.unpack-${process.pid}-${Date.now()}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    let offset = newline + 1;
    for (const entry of header.files) {
      if (entry.path.split('/').some((p) => p === '..' || p === '') || entry.path.startsWith('/'))
        throw new DatasetError(`A run bundle names an unsafe path ${JSON.stringify(entry.path)}.`);
      const bytes = bundle.subarray(offset, offset + entry.size);
      offset += entry.size;
      if (bytes.length !== entry.size) throw new DatasetError(`A run bundle is truncated inside ${entry.path}.`);
      if (createHash('sha256').update(bytes).digest('hex') !== entry.sha256)
        throw new DatasetError(`A run bundle's copy of ${entry.path} does not match its checksum.`);
      const target = join(staging, entry.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, bytes);
    }
    if (offset !== bundle.length) throw new DatasetError('A run bundle has bytes after its last file.');
    mkdirSync(dirname(dir), { recursive: true });
    const old = `${dir}.replaced-${process.pid}-${Date.now()}`;
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(staging, dir);
    rmSync(old, { recursive: true, force: true });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}
