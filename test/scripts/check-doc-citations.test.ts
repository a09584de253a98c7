/**
 * The citation check that `npm run docs` runs after the link check (scripts/check-doc-citations.js),
 * run as a process on small repositories built here: it must pass clean citations in every form it
 * reads and name each broken one with its file and line. The last test runs it on this repository.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/architecture.js';

const SCRIPT = join(REPO_ROOT, 'scripts', 'check-doc-citations.js');

const NOTES = [
  '# Network blocks',
  '',
  '## Gradient clipping',
  '',
  '```md',
  '## Not a heading (inside a fence)',
  '```',
  '',
  '### EMA copy',
  '',
  '## Datasets (`src/datasets`)',
].join('\n');

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'llmdpd-citations-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Writes `files` (path relative to the repository → text) under the fresh repository. */
function repo(files: Record<string, string>): void {
  for (const [path, body] of Object.entries({ 'docs/nets.md': NOTES, ...files })) {
    const full = join(root, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, body);
  }
}

function check(dir = root): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('citations by heading, by several headings, wrapped over comment lines and by anchor pass', () => {
  repo({
    'src/a.ts': [
      '/**',
      ' * Clip as in `docs/nets.md`, "Gradient clipping"; copies (`docs/nets.md` ("EMA copy")).',
      ' * Both: `docs/nets.md`, "Gradient clipping" and "EMA copy". Wrapped: `docs/nets.md`, "Gradient',
      ' * clipping". Anchor: `docs/nets.md#ema-copy`; backticks in a heading: `docs/nets.md`,',
      ' * "Datasets (src/datasets)". A path alone: `docs/nets.md`.',
      ' */',
    ].join('\n'),
    'bench/b.js': '// Method: docs/nets.md "EMA copy"\n',
    'README.md': 'See [the notes](docs/nets.md#gradient-clipping) and `Metaworld/docs/benchmark/tasks.md`.\n',
  });
  const { status, stdout, stderr } = check();
  expect(stderr).toBe('');
  expect(status).toBe(0);
  expect(stdout).toMatch(/check-doc-citations: 9 citations in 4 files, none broken/);
});

test('a missing file, a missing heading, a heading only inside a fence and a bad anchor are named', () => {
  repo({
    'src/a.ts': '/**\n * See `docs/engine.md`, "Kernels".\n */\n',
    'src/b.ts':
      '// Clip: `docs/nets.md`, "Gradient clip".\n// Fence: `docs/nets.md`, "Not a heading (inside a fence)".\n',
    'test/c.test.ts': "test('x (docs/nets.md#adam)', () => {});\n",
    'docs/d.md': 'Layout: `src/buffers/FORMAT.md`; clipping: `docs/nets.md`, "Gradient clipping", "Adam".\n',
  });
  const { status, stderr } = check();
  expect(status).toBe(1);
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(7);
  expect(stderr).toMatch(/src\/a\.ts:2: docs\/engine\.md: no file docs\/engine\.md in the repository/);
  expect(stderr).toMatch(
    /src\/b\.ts:1: docs\/nets\.md, "Gradient clip": docs\/nets\.md has no heading "Gradient clip"/,
  );
  expect(stderr).toMatch(/src\/b\.ts:2: .*has no heading "Not a heading \(inside a fence\)"/);
  expect(stderr).toMatch(/test\/c\.test\.ts:1: docs\/nets\.md#adam: docs\/nets\.md has no heading with anchor #adam/);
  expect(stderr).toMatch(/docs\/d\.md:1: src\/buffers\/FORMAT\.md: no file src\/buffers\/FORMAT\.md in the repository/);
  expect(stderr).toMatch(/docs\/d\.md:1: docs\/nets\.md, "Adam": docs\/nets\.md has no heading "Adam"/);
  expect(lines[6]).toMatch(/check-doc-citations: 6 broken citation\(s\)/);
});

test('generated and installed folders are not read', () => {
  repo({
    'docs/api/page.md': '`docs/missing.md`\n',
    'node_modules/x/README.md': '`docs/missing.md`\n',
    'src/ok.ts': '// `docs/nets.md`, "EMA copy"\n',
  });
  const { status, stderr } = check();
  expect(stderr).toBe('');
  expect(status).toBe(0);
});

test('every citation in this repository names a file and heading that exist', () => {
  const { status, stdout, stderr } = check(REPO_ROOT);
  expect(stderr).toBe('');
  expect(status).toBe(0);
  expect(stdout).toMatch(/none broken/);
});
