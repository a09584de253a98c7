/**
 * Node module hooks that run this repository's TypeScript sources directly: a relative
 * `./x.js` specifier resolves to `./x.ts` when only the TypeScript file exists, and `.ts`
 * files are transpiled (types stripped, no type check) as ES modules. Registered by
 * ts-register.mjs in the worker threads and processes that tests start from the sources.
 * Transpiled files are cached in the system's temporary folder by content hash, so the many
 * threads and processes of a test run transpile each source once.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const OPTIONS = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2022,
  verbatimModuleSyntax: true,
  inlineSourceMap: true,
};
const CACHE = join(tmpdir(), `llmdpd-ts-hooks-${userInfo().uid}-${ts.version}`);

export async function resolve(specifier, context, nextResolve) {
  if (specifier.endsWith('.js') && (specifier.startsWith('.') || specifier.startsWith('file:')) && context.parentURL) {
    const url = new URL(specifier, context.parentURL);
    const tsUrl = new URL(url.href.replace(/\.js$/, '.ts'));
    if (!existsSync(fileURLToPath(url)) && existsSync(fileURLToPath(tsUrl)))
      return { url: tsUrl.href, shortCircuit: true, format: 'module' };
  }
  return nextResolve(specifier, context);
}

function transpile(path, source) {
  const key = createHash('sha256')
    .update(JSON.stringify(OPTIONS))
    .update(path)
    .update('\0')
    .update(source)
    .digest('hex');
  const cached = join(CACHE, `${key}.js`);
  if (existsSync(cached)) return readFileSync(cached, 'utf8');
  const { outputText } = ts.transpileModule(source, { fileName: path, compilerOptions: OPTIONS });
  try {
    mkdirSync(CACHE, { recursive: true });
    const tmp = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, outputText);
    renameSync(tmp, cached);
  } catch {
    // A cache that cannot be written only costs time.
  }
  return outputText;
}

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const path = fileURLToPath(url);
    return { format: 'module', source: transpile(path, await readFile(path, 'utf8')), shortCircuit: true };
  }
  return nextLoad(url, context);
}
