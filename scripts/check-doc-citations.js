#!/usr/bin/env node
// Citation check of the design notes (`npm run docs` runs it after the link check).
//
//   node scripts/check-doc-citations.js [repository root, default .]
//
// Code comments, tests, benchmarks and the top-level documents cite the notes in docs/ by path and
// heading, in one of three forms:
//
//   `docs/nets.md`, "Gradient clipping"         (a comma, a space or a parenthesis, then quotes)
//   `docs/nets.md` ("EMA copy")                 (several headings: "A", "B" and "C")
//   `docs/nets.md#gradient-clipping`            (a GitHub heading anchor)
//
// For every such citation the file must exist, and each quoted heading must be a heading of that
// file (compared without backticks and case) and each anchor the GitHub slug of one. A citation
// may wrap across comment lines (` * `, `// `, `# `). Any other path ending in `.md` under
// docs/, src/, test/, bench/, scripts/ or assets/ must name a file that exists. Fenced code
// blocks of Markdown files are skipped, and so are paths preceded by `/`, `.`, a letter or a
// digit (another repository's `Metaworld/docs/...`), and the check's own test.
//
// Prints one line per problem (`file:line: citation: why`) and exits with status 1 when there is
// any. The markdown links between the notes themselves are checked on the built site by
// scripts/check-doc-links.js.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

/** Folders whose files are read, and the top-level files read. */
const FOLDERS = ['src', 'test', 'bench', 'scripts', 'assets', 'docs'];
const TOP_FILES = ['README.md', 'BENCHMARKS.md', 'CONTRIBUTING.md', 'CHANGELOG.md'];
/** Folders never read: generated, installed or caches. */
const SKIPPED = new Set(['node_modules', 'api', 'dist', '__pycache__', 'coverage']);
/** Files not read: the check's own test, whose fixtures cite missing files on purpose. */
const EXEMPT = new Set(['test/scripts/check-doc-citations.test.ts']);
/** Extensions of the text files read. */
const TEXT = /\.(ts|mts|cts|js|mjs|cjs|py|c|h|md|xml|json|sh|ya?ml|txt)$/i;

/** A path to a Markdown file inside one of the checked folders. */
const MD_PATH = /(?<![\w./-])((?:docs|src|test|bench|scripts|assets)\/[\w./-]*?\.md)(#[\w%-]+)?/g;
/** What may stand between a path and its first quoted heading. */
const HEADING_AFTER_PATH = /^`?(?:,\s*|\s+|\s*\(\s*|,\s*\(\s*)"([^"\n]+)"/;
/** A further quoted heading in a list: `, "B"`, ` and "C"`, `, and "D"`. */
const NEXT_HEADING = /^(?:,\s*(?:and\s+)?|\s+and\s+)"([^"\n]+)"/;

/** Every file under `dir` whose name looks like text, skipping generated folders. */
function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED.has(entry.name) || entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile() && TEXT.test(entry.name)) out.push(full);
  }
  return out;
}

/** A heading's text as compared: no backticks, collapsed spaces, lower case. */
function normaliseHeading(text) {
  return text.replace(/`/g, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function githubSlug(text) {
  return text
    .replace(/`/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The ATX headings of a Markdown text outside fenced code blocks. */
export function headingsOf(markdown) {
  const headings = [];
  let fence = null;
  for (const line of markdown.split('\n')) {
    const open = /^\s*(```+|~~~+)/.exec(line);
    if (open) {
      if (fence === null) fence = open[1][0];
      else if (open[1][0] === fence) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (m) headings.push(m[1]);
  }
  return headings;
}

/**
 * The text of a file with each line break and the comment marker that follows it (` * `, `//`,
 * `#`) collapsed into one space, so a citation that wraps reads as one; `lineAt[i]` is the
 * 1-based line of character i. Fenced code blocks of Markdown files become blank.
 */
function flatten(text, markdown) {
  let out = '';
  const lineAt = [];
  let fence = null;
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    let body = line;
    if (markdown) {
      const open = /^\s*(```+|~~~+)/.exec(line);
      if (open) {
        if (fence === null) fence = open[1][0];
        else if (open[1][0] === fence) fence = null;
        body = '';
      } else if (fence !== null) body = '';
    }
    if (index > 0) {
      const marker = /^\s*(?:\*(?!\/)|\/\/+|#(?!#))?\s*/.exec(body);
      body = body.slice(marker[0].length);
      out += ' ';
      lineAt.push(index + 1);
    }
    out += body;
    for (let i = 0; i < body.length; i++) lineAt.push(index + 1);
  });
  return { text: out, lineAt };
}

/**
 * Checks every citation in the checked files of the repository at `rootDir`.
 * @returns the problems, one `file:line: citation: why` string each, and the number of citations read.
 */
export function checkCitations(rootDir) {
  const root = resolve(rootDir);
  const files = [
    ...FOLDERS.map((f) => join(root, f)).filter((d) => existsSync(d) && statSync(d).isDirectory()),
  ].flatMap(walk);
  for (const f of TOP_FILES) if (existsSync(join(root, f))) files.push(join(root, f));
  const read = files.filter((f) => !EXEMPT.has(relative(root, f).split(sep).join('/')));

  const headingCache = new Map();
  const headings = (path) => {
    let entry = headingCache.get(path);
    if (entry === undefined) {
      const list = headingsOf(readFileSync(path, 'utf8'));
      entry = { texts: new Set(list.map(normaliseHeading)), slugs: new Set(list.map(githubSlug)) };
      headingCache.set(path, entry);
    }
    return entry;
  };

  const problems = [];
  let citations = 0;
  for (const file of read) {
    const { text, lineAt } = flatten(readFileSync(file, 'utf8'), /\.md$/i.test(file));
    const where = relative(root, file);
    for (const m of text.matchAll(MD_PATH)) {
      citations++;
      const [whole, path, anchor] = m;
      const line = lineAt[m.index] ?? 1;
      const target = join(root, path);
      if (!existsSync(target) || !statSync(target).isFile()) {
        problems.push(`${where}:${line}: ${whole}: no file ${path} in the repository`);
        continue;
      }
      if (!path.startsWith('docs/')) continue;
      const known = headings(target);
      if (anchor !== undefined) {
        const slug = decodeURIComponent(anchor.slice(1));
        if (!known.slugs.has(slug))
          problems.push(`${where}:${line}: ${whole}: ${path} has no heading with anchor #${slug}`);
        continue;
      }
      let rest = text.slice(m.index + whole.length);
      let quoted = HEADING_AFTER_PATH.exec(rest);
      while (quoted !== null) {
        if (!known.texts.has(normaliseHeading(quoted[1]))) {
          problems.push(`${where}:${line}: ${path}, "${quoted[1]}": ${path} has no heading "${quoted[1]}"`);
        }
        rest = rest.slice(quoted[0].length);
        quoted = NEXT_HEADING.exec(rest);
      }
    }
  }
  return { problems, files: read.length, citations };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const { problems, files, citations } = checkCitations(process.argv[2] ?? '.');
  if (problems.length > 0) {
    for (const p of problems) console.error(p);
    console.error(`check-doc-citations: ${problems.length} broken citation(s) (${citations} read in ${files} files).`);
    process.exit(1);
  }
  console.log(`check-doc-citations: ${citations} citations in ${files} files, none broken.`);
}
