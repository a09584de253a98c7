/**
 * Class 5, special files: a FIFO (which would block a reader forever) or a device such as
 * /dev/zero (which never ends) given as, or standing in for, any file the library reads is a
 * DatasetError naming the kind of file, at once; oversized files are refused before they are read.
 */
import { mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiffusionQLAgent } from '../../src/agents/diffusion-ql.js';
import { MultiTaskDataset, ReplayBuffer } from '../../src/buffers/index.js';
import { readRunFolder } from '../../src/core/run/reader.js';
import { DatasetError } from '../../src/core/errors.js';
import { loadD4rl, loadMinari } from '../../src/datasets/index.js';
import { EmbeddingCache, CachedTextEncoder } from '../../src/encoders/text/embedding-cache.js';
import { HashedNgramTextEncoder } from '../../src/encoders/text/hashed-text-encoder.js';
import { PrecomputedTextEncoder } from '../../src/encoders/text/precomputed-text-encoder.js';
import { readSuiteSpecFile } from '../../src/suites/suite.js';
import { loadSuiteDatasets } from '../../src/suites/write.js';
import {
  smallBuffer,
  smallMultiTask,
  writeValidEmbeddings,
  writeValidMinari,
  writeValidSuiteFolder,
} from '../support/valid-files.js';
import { writeValidCheckpoint } from '../support/valid-checkpoints.js';
import { type CorpusCase, LOADS, fails, linkToDevZero, mkfifo, readManifest } from './corpus-case.js';

type Special = 'fifo' | 'dev-zero';

/** Replaces the file at `path` (if any) by a FIFO or a link to /dev/zero. */
function makeSpecial(path: string, kind: Special): void {
  rmSync(path, { force: true });
  if (kind === 'fifo') mkfifo(path);
  else linkToDevZero(path);
}

/** The smallest valid `params.json` of a run folder. */
function writeRunParams(dir: string): void {
  writeFileSync(
    join(dir, 'params.json'),
    JSON.stringify({ format: 'llmdpd-run', version: 1, agent: 'BCAgent', config: {}, createdAt: '2025-01-01' }),
  );
}

const KIND_MESSAGE: Record<Special, RegExp> = {
  fifo: /is a FIFO \(named pipe\), not a regular file; reading it would wait for a writer/,
  'dev-zero': /is a character device, not a regular file; reading it may never end/,
};

/**
 * A file named by another file that is a link to /dev/zero is refused as a link out of its
 * folder before its kind is looked at.
 */
const NAMED_LINK_MESSAGE = /which leads through a symbolic link to \/dev\/zero, outside/;

/**
 * One case per special kind: `place` builds the input with the special file in it, `load` reads
 * it. `named` marks a file named by another file (see {@link NAMED_LINK_MESSAGE}).
 */
function special(
  id: string,
  place: (dir: string, kind: Special) => Promise<string> | string,
  load: (target: string) => unknown,
  named = false,
): CorpusCase[] {
  return (['fifo', 'dev-zero'] as const).map((kind) => ({
    id: `5-${id}-${kind}`,
    issueClass: 5,
    posixOnly: true,
    run: async (dir: string) => load(await place(dir, kind)),
    expected: fails(DatasetError, named && kind === 'dev-zero' ? NAMED_LINK_MESSAGE : KIND_MESSAGE[kind]),
  }));
}

export const SPECIAL_FILE_CASES: readonly CorpusCase[] = [
  ...special(
    'd4rl-path',
    (dir, kind) => {
      makeSpecial(join(dir, 'hopper.hdf5'), kind);
      return join(dir, 'hopper.hdf5');
    },
    (p) => loadD4rl(p),
  ),
  ...special(
    'minari-main-data',
    async (dir, kind) => {
      await writeValidMinari(dir);
      makeSpecial(join(dir, 'data', 'main_data.hdf5'), kind);
      return dir;
    },
    (p) => loadMinari(p),
  ),
  ...special(
    'minari-metadata',
    async (dir, kind) => {
      await writeValidMinari(dir);
      makeSpecial(join(dir, 'data', 'metadata.json'), kind);
      return dir;
    },
    (p) => loadMinari(p),
  ),
  ...special(
    'buffer-manifest',
    (dir, kind) => {
      smallBuffer().save(dir);
      makeSpecial(join(dir, 'manifest.json'), kind);
      return dir;
    },
    (p) => ReplayBuffer.load(p),
  ),
  ...special(
    'buffer-data-file',
    (dir, kind) => {
      smallBuffer().save(dir);
      makeSpecial(join(dir, readManifest(dir).dataFile), kind);
      return dir;
    },
    (p) => ReplayBuffer.load(p),
    true,
  ),
  ...special(
    'multitask-data-file',
    (dir, kind) => {
      smallMultiTask().save(dir);
      makeSpecial(join(dir, readManifest(dir).dataFile), kind);
      return dir;
    },
    (p) => MultiTaskDataset.load(p),
    true,
  ),
  ...special(
    'checkpoint-manifest',
    async (dir, kind) => {
      await writeValidCheckpoint('diffusion-ql', dir);
      makeSpecial(join(dir, 'manifest.json'), kind);
      return dir;
    },
    (p) => DiffusionQLAgent.load(p),
  ),
  ...special(
    'checkpoint-data-file',
    async (dir, kind) => {
      await writeValidCheckpoint('diffusion-ql', dir);
      makeSpecial(join(dir, readManifest(dir).dataFile), kind);
      return dir;
    },
    (p) => DiffusionQLAgent.load(p),
    true,
  ),
  ...special(
    'run-params',
    (dir, kind) => {
      makeSpecial(join(dir, 'params.json'), kind);
      return dir;
    },
    (p) => readRunFolder(p),
  ),
  ...special(
    'run-status',
    (dir, kind) => {
      writeRunParams(dir);
      makeSpecial(join(dir, 'status.json'), kind);
      return dir;
    },
    (p) => readRunFolder(p),
  ),
  ...special(
    'run-metrics-log',
    (dir, kind) => {
      writeRunParams(dir);
      makeSpecial(join(dir, 'metrics.jsonl'), kind);
      return dir;
    },
    (p) => readRunFolder(p),
  ),
  ...special(
    'embeddings-index',
    (dir, kind) => {
      makeSpecial(join(dir, 'emb.json'), kind);
      return join(dir, 'emb.json');
    },
    (p) => PrecomputedTextEncoder.load(p),
  ),
  ...special(
    'embeddings-data-file',
    async (dir, kind) => {
      await writeValidEmbeddings(join(dir, 'emb.json'), 'binary');
      makeSpecial(join(dir, 'emb.f32'), kind);
      return join(dir, 'emb.json');
    },
    (p) => PrecomputedTextEncoder.load(p),
    true,
  ),
  ...special(
    'suite-manifest',
    async (dir, kind) => {
      await writeValidSuiteFolder(dir);
      makeSpecial(join(dir, 'suite.json'), kind);
      return dir;
    },
    (p) => loadSuiteDatasets(p),
  ),
  ...special(
    'suite-prompt-file',
    async (dir, kind) => {
      await writeValidSuiteFolder(dir);
      makeSpecial(join(dir, 'prompts', 'east.hdf5'), kind);
      return dir;
    },
    (p) => loadSuiteDatasets(p),
    true,
  ),
  ...special(
    'suite-spec-file',
    (dir, kind) => {
      makeSpecial(join(dir, 'spec.json'), kind);
      return join(dir, 'spec.json');
    },
    (p) => readSuiteSpecFile(p),
  ),
  {
    id: '5-valid-cache-entry-fifo-is-recomputed',
    issueClass: 5,
    posixOnly: true,
    run: async (dir) => {
      const inner = new HashedNgramTextEncoder();
      const cached = new CachedTextEncoder(inner, { cacheDir: dir });
      const cache = new EmbeddingCache(dir);
      const file = cache.pathFor({ encoderId: cached.id, instruction: cached.instruction, prompt: 'Task: reach.' });
      mkdirSync(join(file, '..'), { recursive: true });
      mkfifo(file);
      const [v] = await cached.encode(['Task: reach.']);
      const [expected] = await inner.encode(['Task: reach.']);
      if (cached.stats.invalidEntries !== 1 || v.some((x, i) => x !== expected[i]))
        throw new Error(`stats ${JSON.stringify(cached.stats)}`);
      // The FIFO was replaced by a regular entry that now serves the vector.
      const read = await cache.read(
        { encoderId: cached.id, instruction: cached.instruction, prompt: 'Task: reach.' },
        v.length,
      );
      if (read.status !== 'hit') throw new Error(`entry is ${read.status}`);
    },
    expected: LOADS,
  },
  {
    id: '5-oversized-buffer-manifest',
    issueClass: 5,
    run: (dir) => {
      smallBuffer().save(dir);
      truncateSync(join(dir, 'manifest.json'), 65 * 1024 * 1024); // sparse: nothing is written
      return ReplayBuffer.load(dir);
    },
    expected: fails(
      DatasetError,
      /manifest.json .* is 68157440 bytes \(68.2 MB\), more than the 67108864 bytes \(67.1 MB\) accepted/,
    ),
  },
  {
    id: '5-oversized-embeddings-data-file',
    issueClass: 5,
    run: async (dir) => {
      await writeValidEmbeddings(join(dir, 'emb.json'), 'binary');
      truncateSync(join(dir, 'emb.f32'), 1 << 20);
      return PrecomputedTextEncoder.load(join(dir, 'emb.json'));
    },
    expected: fails(DatasetError, /the embeddings data file .* is 1048576 bytes .* more than the 48 bytes accepted/),
  },
  {
    id: '5-oversized-minari-metadata',
    issueClass: 5,
    run: async (dir) => {
      await writeValidMinari(dir);
      writeFileSync(join(dir, 'data', 'metadata.json'), '');
      truncateSync(join(dir, 'data', 'metadata.json'), 100 * 1024 * 1024);
      return loadMinari(dir);
    },
    expected: fails(DatasetError, /the metadata .* is 104857600 bytes .* more than the 67108864 bytes/),
  },
  {
    id: '5-oversized-run-metrics-log',
    issueClass: 5,
    run: (dir) => {
      writeRunParams(dir);
      writeFileSync(join(dir, 'metrics.jsonl'), '');
      truncateSync(join(dir, 'metrics.jsonl'), 300 * 1024 * 1024); // sparse: nothing is written
      return readRunFolder(dir);
    },
    expected: fails(DatasetError, /metrics.jsonl .* is 314572800 bytes .* more than the 268435456 bytes/),
  },
  {
    id: '5-d4rl-directory',
    issueClass: 5,
    run: (dir) => loadD4rl(dir),
    expected: fails(DatasetError, /the HDF5 file .* is a directory; expected a file/),
  },
];
