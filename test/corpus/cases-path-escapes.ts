/**
 * Class 6, path escapes: a file named by another file (the embeddings index's data file, a buffer
 * manifest's data file, a suite manifest's prompt and data files, an HDF5 link) must resolve
 * inside the folder of the file that names it; `..`, absolute paths, symbolic links out of the
 * folder and links into other HDF5 files are DatasetErrors naming the field.
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { ReplayBuffer } from '../../src/buffers/index.js';
import { DatasetError } from '../../src/core/errors.js';
import { loadD4rl } from '../../src/datasets/index.js';
import { PrecomputedTextEncoder } from '../../src/encoders/text/precomputed-text-encoder.js';
import { loadSuiteDatasets } from '../../src/suites/write.js';
import { EMBEDDING_ENTRIES, smallBuffer, writeValidEmbeddings, writeValidSuiteFolder } from '../support/valid-files.js';
import { type CorpusCase, LOADS, fails, readManifest, writeManifest } from './corpus-case.js';

/** Writes a binary embeddings index in `dir/index/` whose `data` field is `data`; the real data is put at `place`. */
async function embeddingsNaming(dir: string, data: unknown, place?: (f32: Buffer) => void): Promise<string> {
  const index = await writeValidEmbeddings(join(dir, 'index', 'emb.json'), 'binary');
  const bytes = readFileSync(join(dir, 'index', 'emb.f32'));
  place?.(bytes);
  const doc = JSON.parse(readFileSync(index, 'utf8')) as Record<string, unknown>;
  doc['data'] = data;
  writeFileSync(index, JSON.stringify(doc));
  return index;
}

function embeddingsEscape(
  id: string,
  data: (dir: string) => unknown,
  message: RegExp,
  place?: (dir: string, f32: Buffer) => void,
): CorpusCase {
  return {
    id: `6-embeddings-${id}`,
    issueClass: 6,
    run: async (dir) => PrecomputedTextEncoder.load(await embeddingsNaming(dir, data(dir), (b) => place?.(dir, b))),
    expected: fails(DatasetError, message),
  };
}

/** Writes the data file outside the index folder, at `<dir>/secret.f32`. */
const outside = (dir: string, f32: Buffer) => writeFileSync(join(dir, 'secret.f32'), f32);

async function suiteNaming(dir: string, field: 'promptFile' | 'dataFile', name: string): Promise<string> {
  await writeValidSuiteFolder(join(dir, 'suite'));
  const path = join(dir, 'suite', 'suite.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as { tasks: Record<string, unknown>[] };
  copyFileSync(join(dir, 'suite', 'prompts', 'north.hdf5'), join(dir, 'outside.hdf5'));
  manifest.tasks[0][field] = name;
  writeFileSync(path, JSON.stringify(manifest));
  return join(dir, 'suite');
}

export const PATH_ESCAPE_CASES: readonly CorpusCase[] = [
  embeddingsEscape('dot-dot', () => '../secret.f32', /field "data" is "..\/secret.f32", which points outside/, outside),
  embeddingsEscape(
    'absolute',
    (dir) => join(dir, 'secret.f32'),
    /field "data" is ".*secret.f32", which points outside/,
    outside,
  ),
  embeddingsEscape('dot-dot-inside-name', () => 'sub/../../secret.f32', /which points outside/, outside),
  embeddingsEscape('windows-absolute', () => 'C:\\secret.f32', /which points outside/),
  embeddingsEscape('dev-zero', () => '/dev/zero', /field "data" is "\/dev\/zero", which points outside/),
  embeddingsEscape('empty-name', () => '', /field "data" is ""; expected the name of a file/),
  embeddingsEscape('not-a-string', () => 5, /"data" is 5; it must name the float32 data file/),
  {
    id: '6-embeddings-symlink-out',
    issueClass: 6,
    posixOnly: true,
    run: async (dir) => {
      const index = await embeddingsNaming(dir, 'link.f32', (b) => writeFileSync(join(dir, 'secret.f32'), b));
      symlinkSync(join(dir, 'secret.f32'), join(dir, 'index', 'link.f32'));
      return PrecomputedTextEncoder.load(index);
    },
    expected: fails(
      DatasetError,
      /field "data" is "link.f32", which leads through a symbolic link to .*secret.f32, outside/,
    ),
  },
  {
    id: '6-valid-embeddings-in-subfolder',
    issueClass: 6,
    run: async (dir) => {
      const index = await embeddingsNaming(dir, 'vectors/emb.f32', (b) => {
        mkdirSync(join(dir, 'index', 'vectors'));
        writeFileSync(join(dir, 'index', 'vectors', 'emb.f32'), b);
      });
      const encoder = await PrecomputedTextEncoder.load(index);
      const [v] = await encoder.encode([EMBEDDING_ENTRIES[0].prompt]);
      if (Array.from(v).join() !== EMBEDDING_ENTRIES[0].embedding.join())
        throw new Error(`vector ${Array.from(v).join()}`);
    },
    expected: LOADS,
  },
  {
    id: '6-buffer-data-file-dot-dot',
    issueClass: 6,
    run: (dir) => {
      smallBuffer().save(join(dir, 'save'));
      const m = readManifest(join(dir, 'save'));
      renameSync(join(dir, 'save', m.dataFile), join(dir, m.dataFile));
      m.dataFile = `../${m.dataFile}`;
      writeManifest(join(dir, 'save'), m);
      return ReplayBuffer.load(join(dir, 'save'));
    },
    expected: fails(DatasetError, /manifest field 'dataFile' is "..\/data-[0-9a-f]{16}.bin", expected a name like/),
  },
  {
    id: '6-buffer-data-file-symlink-out',
    issueClass: 6,
    posixOnly: true,
    run: (dir) => {
      smallBuffer().save(join(dir, 'save'));
      const m = readManifest(join(dir, 'save'));
      renameSync(join(dir, 'save', m.dataFile), join(dir, 'elsewhere.bin'));
      symlinkSync(join(dir, 'elsewhere.bin'), join(dir, 'save', m.dataFile));
      return ReplayBuffer.load(join(dir, 'save'));
    },
    expected: fails(DatasetError, /'dataFile' is "data-[0-9a-f]{16}.bin", which leads through a symbolic link/),
  },
  {
    id: '6-suite-prompt-file-dot-dot',
    issueClass: 6,
    run: async (dir) => loadSuiteDatasets(await suiteNaming(dir, 'promptFile', '../outside.hdf5')),
    expected: fails(DatasetError, /tasks\[0\].promptFile is "..\/outside.hdf5", which points outside/),
  },
  {
    id: '6-suite-data-file-absolute',
    issueClass: 6,
    run: async (dir) => loadSuiteDatasets(await suiteNaming(dir, 'dataFile', join(dir, 'outside.hdf5'))),
    expected: fails(DatasetError, /tasks\[0\].dataFile is ".*outside.hdf5", which points outside/),
  },
  {
    id: '6-valid-suite-folder',
    issueClass: 6,
    run: async (dir) => {
      const loaded = await loadSuiteDatasets(await writeValidSuiteFolder(dir));
      if (loaded.dataset.numTasks !== 2 || loaded.prompts.size !== 3) throw new Error('wrong content');
    },
    expected: LOADS,
  },
  {
    id: '6-d4rl-external-link',
    issueClass: 6,
    run: async (dir) => {
      await writeD4rlWithExternalObservations(dir);
      return loadD4rl(join(dir, 'linked.hdf5'));
    },
    expected: fails(
      DatasetError,
      /"observations" is an external link to ".*other.hdf5":\/observations; this reader does not follow links/,
    ),
  },
];

/** A D4RL file whose `observations` is an external link into another file. */
async function writeD4rlWithExternalObservations(dir: string): Promise<void> {
  await h5wasm.ready;
  const n = 4;
  const other = new h5wasm.File(join(dir, 'other.hdf5'), 'w');
  other.create_dataset({ name: 'observations', data: new Float32Array(n * 3), shape: [n, 3], dtype: '<f' });
  other.close();
  const f = new h5wasm.File(join(dir, 'linked.hdf5'), 'w');
  f.create_external_link(join(dir, 'other.hdf5'), '/observations', 'observations');
  f.create_dataset({ name: 'actions', data: new Float32Array(n * 2), shape: [n, 2], dtype: '<f' });
  f.create_dataset({ name: 'rewards', data: new Float32Array(n), shape: [n], dtype: '<f' });
  f.create_dataset({ name: 'terminals', data: new Uint8Array(n), shape: [n], dtype: '<B' });
  f.close();
}
