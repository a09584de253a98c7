#!/usr/bin/env node
// Link check of the generated API site (`npm run docs` runs it after typedoc).
//
//   node scripts/check-doc-links.js [site folder, default docs/api]
//
// Walks every .html file of the site and reads each `href` and `src` attribute:
// - a relative link must name a file that exists in the site; when it carries a fragment and
//   points to an HTML page (or to the page itself), that page must have an element with that id
//   or name;
// - an absolute http(s) link whose host looks like a file name (`http://notes.md`,
//   `http://x.ts`) is an error: markdown renderers turn bare file names in comments into such
//   links, and they lead nowhere;
// - a root-relative link (`/x.html`) is an error: the site must work from any folder.
// Other absolute links are not fetched (the check runs offline).
//
// Prints one line per problem (`page: link: why`) and exits with status 1 when there is any.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Extensions that make a host name look like a file name rather than a domain. */
const FILE_LIKE_HOST = /\.(md|markdown|mdx|ts|tsx|mts|cts|js|mjs|cjs|jsx|json|py|c|h|txt|ya?ml|toml|hdf5|xml|html?)$/i;

/** Every file under `dir`, recursively. */
function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Decodes the few entities an attribute value can hold. */
function unescapeAttribute(value) {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The values of every href and src attribute in an HTML text. */
function linksOf(html) {
  const links = [];
  for (const m of html.matchAll(/\s(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
    links.push(unescapeAttribute(m[1] ?? m[2] ?? ''));
  }
  return links;
}

const anchorCache = new Map();

/** The ids and names defined in an HTML file. */
function anchorsOf(file) {
  let anchors = anchorCache.get(file);
  if (anchors === undefined) {
    anchors = new Set();
    const html = readFileSync(file, 'utf8');
    for (const m of html.matchAll(/\s(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
      anchors.add(unescapeAttribute(m[1] ?? m[2] ?? ''));
    }
    anchorCache.set(file, anchors);
  }
  return anchors;
}

/** Decodes a URL path, or returns undefined when it is malformed. */
function decode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The problem with one link found in `page`, or undefined when the link is fine. */
function checkLink(site, page, link) {
  const trimmed = link.trim();
  if (trimmed === '') return undefined; // the page itself (typedoc links a signature to its own page so)
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed);
  if (scheme !== null) {
    const kind = scheme[1].toLowerCase();
    if (kind !== 'http' && kind !== 'https') return undefined; // mailto:, data:, javascript:
    let host;
    try {
      host = new URL(trimmed).hostname;
    } catch {
      return 'malformed URL';
    }
    if (FILE_LIKE_HOST.test(host)) {
      return `the host "${host}" is a file name: a bare file name in a comment or document became a link; write it as code (\`${host}\`) or link the file by a relative path`;
    }
    return undefined;
  }
  if (trimmed.startsWith('//')) return 'protocol-relative link; use https:// or a relative path';
  if (trimmed.startsWith('/')) return 'root-relative link; the site must work from any folder, use a relative path';
  const hashAt = trimmed.indexOf('#');
  const pathPart = (hashAt < 0 ? trimmed : trimmed.slice(0, hashAt)).replace(/\?.*$/, '');
  const fragment = hashAt < 0 ? '' : trimmed.slice(hashAt + 1);
  const decodedPath = decode(pathPart);
  if (decodedPath === undefined) return 'malformed percent-encoding';
  const target = pathPart === '' ? page : resolve(dirname(page), decodedPath);
  if (target !== site && !target.startsWith(site + sep)) return 'points outside the site folder';
  if (!existsSync(target)) return `no file ${relative(site, target)}`;
  if (statSync(target).isDirectory()) {
    if (!existsSync(join(target, 'index.html'))) return `${relative(site, target)} is a folder without index.html`;
    return undefined;
  }
  if (fragment !== '' && /\.html?$/i.test(target)) {
    const id = decode(fragment);
    if (id === undefined) return 'malformed percent-encoding in the fragment';
    if (!anchorsOf(target).has(id)) return `${relative(site, target)} has no anchor "${id}"`;
  }
  return undefined;
}

/**
 * Checks every link of every HTML page under `siteDir`.
 * @returns the problems, one `page: link: why` string each, and the numbers of pages and links read.
 */
export function checkSite(siteDir) {
  const site = resolve(siteDir);
  const pages = walk(site).filter((f) => /\.html?$/i.test(f));
  const problems = [];
  let links = 0;
  for (const page of pages) {
    const seen = new Set();
    for (const link of linksOf(readFileSync(page, 'utf8'))) {
      links++;
      if (seen.has(link)) continue;
      seen.add(link);
      const why = checkLink(site, page, link);
      if (why !== undefined) problems.push(`${relative(process.cwd(), page)}: ${link}: ${why}`);
    }
  }
  return { problems, pages: pages.length, links };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const siteDir = process.argv[2] ?? 'docs/api';
  if (!existsSync(siteDir) || !statSync(siteDir).isDirectory()) {
    console.error(`check-doc-links: no site folder at ${siteDir}; run typedoc first (npm run docs).`);
    process.exit(1);
  }
  const { problems, pages, links } = checkSite(siteDir);
  if (pages === 0) {
    console.error(`check-doc-links: ${siteDir} holds no .html page; run typedoc first (npm run docs).`);
    process.exit(1);
  }
  if (problems.length > 0) {
    for (const p of problems) console.error(p);
    console.error(`check-doc-links: ${problems.length} broken link(s) in ${pages} pages (${links} links read).`);
    process.exit(1);
  }
  console.log(`check-doc-links: ${links} links in ${pages} pages, none broken.`);
}
