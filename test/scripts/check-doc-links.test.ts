/**
 * The link check that `npm run docs` runs after typedoc (scripts/check-doc-links.js), run as a
 * process on small sites built here: it must pass a clean site and name every kind of broken link.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/architecture.js';

const SCRIPT = join(REPO_ROOT, 'scripts', 'check-doc-links.js');

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'llmdpd-links-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Writes `files` (path relative to the site → HTML body) under a fresh site folder. */
function site(files: Record<string, string>): string {
  const dir = join(root, 'api');
  for (const [path, body] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, `<!doctype html><html><body>${body}</body></html>`);
  }
  return dir;
}

function check(dir: string): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('a site whose links all resolve passes', () => {
  const dir = site({
    'index.html':
      '<a href="documents/guide.html#setting-up">guide</a> <a href="">self</a> <a href="#top">top</a>' +
      '<a href="https://github.com/llmdpd/llmdpd">repo</a> <a href="mailto:a@b.c">mail</a>' +
      '<img src="assets/logo.svg"> <a href="documents/">folder</a> <span id="top"></span>',
    'documents/guide.html': '<h2 id="setting-up">Setting up</h2><a href="../index.html?x=1">back</a>',
    'documents/index.html': 'folder index',
    'assets/logo.svg': '',
  });
  const r = check(dir);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/none broken/);
});

test('every kind of broken link is reported, one line each, and the check fails', () => {
  const dir = site({
    'index.html': [
      '<a href="missing.html">a</a>',
      '<a href="page.html#nowhere">b</a>',
      '<a href="http://notes.md">c</a>',
      "<a href='HTTPS://README.md#licence'>d</a>",
      '<a href="http://x.ts">e</a>',
      '<a href="/root.html">f</a>',
      '<a href="../outside.html">g</a>',
      '<a href="#no-such-anchor">h</a>',
      '<img src="media/gone.png">',
    ].join(''),
    'page.html': '<h2 id="somewhere">x</h2>',
  });
  const r = check(dir);
  expect(r.status).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(10);
  expect(lines[0]).toMatch(/missing\.html: no file missing\.html/);
  expect(lines[1]).toMatch(/page\.html#nowhere: page\.html has no anchor "nowhere"/);
  expect(lines[2]).toMatch(/http:\/\/notes\.md: the host "notes\.md" is a file name/);
  expect(lines[3]).toMatch(/README\.md#licence: the host "readme\.md" is a file name/);
  expect(lines[4]).toMatch(/http:\/\/x\.ts: the host "x\.ts" is a file name/);
  expect(lines[5]).toMatch(/\/root\.html: root-relative link/);
  expect(lines[6]).toMatch(/\.\.\/outside\.html: points outside the site folder/);
  expect(lines[7]).toMatch(/#no-such-anchor: index\.html has no anchor "no-such-anchor"/);
  expect(lines[8]).toMatch(/media\/gone\.png: no file media\/gone\.png/);
  expect(lines[9]).toMatch(/9 broken link\(s\) in 2 pages/);
});

test('a missing or empty site folder is an error that says to run typedoc', () => {
  const missing = check(join(root, 'nothing-here'));
  expect(missing.status).toBe(1);
  expect(missing.stderr).toMatch(/no site folder .* run typedoc first/);
  mkdirSync(join(root, 'empty'));
  const empty = check(join(root, 'empty'));
  expect(empty.status).toBe(1);
  expect(empty.stderr).toMatch(/holds no \.html page/);
});
