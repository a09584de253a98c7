/**
 * A consumer project compiled against the built package with `tsc --init`'s defaults (TypeScript
 * 5.9: strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess, verbatimModuleSyntax,
 * nodenext): the README's code blocks as written, every TSDoc @example of src/ (with the
 * library's exports imported for it and the placeholder values of example-context.d.ts), and the
 * patterns a new user writes first. The README's main example is also run, with fewer steps.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../support/architecture.js';
import { markdownExamples, tsdocExamples, type DocExample } from '../support/doc-examples.js';

/** `tsc --init` of TypeScript 5.9, comments removed. */
const TSC_INIT = {
  compilerOptions: {
    module: 'nodenext',
    target: 'esnext',
    types: [],
    sourceMap: true,
    declaration: true,
    declarationMap: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    strict: true,
    jsx: 'react-jsx',
    verbatimModuleSyntax: true,
    isolatedModules: true,
    noUncheckedSideEffectImports: true,
    moduleDetection: 'force',
    skipLibCheck: true,
  },
};

/** What a new user writes first (each once failed to compile under these settings). */
const FIRST_STEPS = `import { checkEnv, makeEnv, SyncVectorEnv, RecordEpisodeStatistics, type Env } from 'llmdpd';
const id = 'Pendulum-v1';
await checkEnv(makeEnv(id));
const vec = new SyncVectorEnv([() => makeEnv(id), () => makeEnv(id)]);
const env: Env = new RecordEpisodeStatistics(makeEnv(id));
await vec.close();
await env.close();
`;

/** Acting with an exported policy, through the Node loader and the standalone runtime. */
const EXPORT_STEPS = `import { loadExportedPolicy } from 'llmdpd/export';
import { createPolicy, loadPolicy, type RuntimePolicy } from 'llmdpd/runtime';
const inNode: RuntimePolicy = loadExportedPolicy('policies/pendulum');
const fetched: RuntimePolicy = await loadPolicy('https://example.org/policies/pendulum/', { verify: true });
const fromBytes = createPolicy(JSON.parse('{}') as unknown, new Uint8Array(0));
const action: Float32Array = inNode.act([1, 0, 0]);
console.log(action, fetched.actionDim, fromBytes.observationDim, inNode.getRandomState().words);
`;

let tmp: string;
let consumer: string;
const host = ts.sys;

function compilerOptions(dir: string): ts.CompilerOptions {
  const parsed = ts.parseJsonConfigFileContent(TSC_INIT, host, dir);
  return { ...parsed.options, noEmit: true };
}

/** The exports of the built package's root entry point, as value or type names. */
function packageExports(): { values: Set<string>; types: Set<string> } {
  const probe = join(consumer, 'probe.ts');
  writeFileSync(probe, "import * as llmdpd from 'llmdpd';\nexport { llmdpd };\n");
  const program = ts.createProgram([probe], compilerOptions(consumer));
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(probe)!;
  const decl = file.statements[0] as ts.ImportDeclaration;
  const symbol = checker.getSymbolAtLocation(decl.moduleSpecifier)!;
  const values = new Set<string>();
  const types = new Set<string>();
  for (const s of checker.getExportsOfModule(symbol)) {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    (target.flags & ts.SymbolFlags.Value ? values : types).add(s.name);
  }
  rmSync(probe);
  return { values, types };
}

/** Names an example declares at top level (variables, functions, classes, imports). */
function declaredNames(code: string): Set<string> {
  const file = ts.createSourceFile('x.ts', code, ts.ScriptTarget.ESNext, true);
  const names = new Set<string>();
  const bind = (name: ts.BindingName) => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const e of name.elements) if (!ts.isOmittedExpression(e)) bind(e.name);
  };
  for (const s of file.statements) {
    if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) bind(d.name);
    else if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name) names.add(s.name.text);
    else if (ts.isImportDeclaration(s) && s.importClause) {
      const c = s.importClause;
      if (c.name) names.add(c.name.text);
      const b = c.namedBindings;
      if (b && ts.isNamespaceImport(b)) names.add(b.name.text);
      if (b && ts.isNamedImports(b)) for (const e of b.elements) names.add(e.name.text);
    }
  }
  return names;
}

function usedIdentifiers(code: string): Set<string> {
  const file = ts.createSourceFile('x.ts', code, ts.ScriptTarget.ESNext, true);
  const out = new Set<string>();
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node)) out.add(node.text);
    node.forEachChild(visit);
  };
  visit(file);
  return out;
}

interface ExampleFile {
  readonly path: string;
  readonly example: DocExample;
  /** Lines added above the example (imports). */
  readonly offset: number;
}

function writeExamples(
  dir: string,
  examples: readonly DocExample[],
  autoImport: ReturnType<typeof packageExports> | null,
) {
  mkdirSync(dir, { recursive: true });
  return examples.map((example, i): ExampleFile => {
    const header: string[] = [];
    if (autoImport !== null) {
      const declared = declaredNames(example.code);
      const used = [...usedIdentifiers(example.code)].filter((n) => !declared.has(n)).sort();
      const values = used.filter((n) => autoImport.values.has(n));
      const types = used.filter((n) => autoImport.types.has(n) && !autoImport.values.has(n));
      if (values.length + types.length > 0)
        header.push(`import { ${[...values, ...types.map((t) => `type ${t}`)].join(', ')} } from 'llmdpd';`);
      if (used.includes('tf')) header.push("import * as tf from '@tensorflow/tfjs-core';");
    }
    const path = join(dir, `example-${String(i).padStart(2, '0')}.ts`);
    writeFileSync(path, `${header.join('\n')}${header.length ? '\n' : ''}${example.code}`);
    return { path, example, offset: header.length };
  });
}

/** Type-checks the files and returns one readable line per error, at the example's own origin. */
function typeErrors(files: readonly ExampleFile[], extraRoots: readonly string[] = []): string[] {
  const program = ts.createProgram([...files.map((f) => f.path), ...extraRoots], compilerOptions(consumer));
  const byPath = new Map(files.map((f) => [f.path, f]));
  const errors: string[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n    ');
    const f = d.file === undefined ? undefined : byPath.get(d.file.fileName);
    if (d.file === undefined || d.start === undefined || f === undefined) {
      errors.push(`${d.file?.fileName ?? '(global)'}: TS${d.code}: ${message}`);
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const [origin, originLine] = f.example.origin.split(':');
    const exampleLine = line - f.offset; // 0-based line within the example
    errors.push(`${origin}:${Number(originLine) + 1 + exampleLine}: TS${d.code}: ${message}`);
  }
  return errors;
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'llmdpd-consumer-'));
  const pkg = join(tmp, 'pkg');
  mkdirSync(pkg);
  execFileSync(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(REPO_ROOT, 'tsconfig.build.json'),
      '--outDir',
      join(pkg, 'dist'),
      '--sourceMap',
      'false',
      '--declarationMap',
      'false',
    ],
    { stdio: 'pipe' },
  );
  copyFileSync(join(REPO_ROOT, 'package.json'), join(pkg, 'package.json'));
  for (const entry of ['assets', 'bin', 'node_modules']) symlinkSync(join(REPO_ROOT, entry), join(pkg, entry));
  consumer = join(tmp, 'consumer');
  mkdirSync(join(consumer, 'node_modules'), { recursive: true });
  writeFileSync(join(consumer, 'package.json'), '{ "name": "consumer", "private": true, "type": "module" }\n');
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify(TSC_INIT, null, 2));
  symlinkSync(pkg, join(consumer, 'node_modules', 'llmdpd'));
  // Installed next to llmdpd by npm (hoisted dependencies); the nets examples import tfjs-core.
  symlinkSync(join(REPO_ROOT, 'node_modules', '@tensorflow'), join(consumer, 'node_modules', '@tensorflow'));
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('the README code blocks compile as written under tsc --init defaults', () => {
  const examples = markdownExamples(join(REPO_ROOT, 'README.md'), REPO_ROOT);
  expect(examples.length).toBeGreaterThanOrEqual(3);
  const files = writeExamples(join(consumer, 'readme'), examples, null);
  expect(typeErrors(files)).toEqual([]);
}, 120_000);

test('every TSDoc @example compiles under tsc --init defaults (with the exports imported and typed placeholders)', () => {
  const examples = tsdocExamples(join(REPO_ROOT, 'src'), REPO_ROOT);
  expect(examples.length).toBeGreaterThanOrEqual(50);
  const files = writeExamples(join(consumer, 'tsdoc'), examples, packageExports());
  const context = join(consumer, 'example-context.d.ts');
  copyFileSync(join(REPO_ROOT, 'test', 'package', 'example-context.d.ts'), context);
  expect(typeErrors(files, [context])).toEqual([]);
}, 120_000);

test('what a new user writes first compiles: checkEnv(makeEnv(id)), SyncVectorEnv of makeEnv, wrappers as Env', () => {
  const files = writeExamples(join(consumer, 'first'), [{ origin: 'first-steps:0', code: FIRST_STEPS }], null);
  expect(typeErrors(files)).toEqual([]);
}, 120_000);

test('llmdpd/export and llmdpd/runtime compile as written; the built runtime is one module with no imports', () => {
  const files = writeExamples(join(consumer, 'export'), [{ origin: 'export-steps:0', code: EXPORT_STEPS }], null);
  expect(typeErrors(files)).toEqual([]);
  const runtime = readFileSync(join(tmp, 'pkg', 'dist', 'export', 'runtime.js'), 'utf8');
  expect(ts.preProcessFile(runtime, true, true).importedFiles).toEqual([]);
}, 120_000);

test('the README main example runs as written (fewer steps)', () => {
  const main = markdownExamples(join(REPO_ROOT, 'README.md'), REPO_ROOT).find((e) =>
    e.code.includes('new LLMDPDAgent('),
  );
  expect(main).toBeDefined();
  const code = main!.code.replace(/steps: [\d_]+/g, 'steps: 20');
  expect(code).not.toBe(main!.code);
  const js = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ESNext },
  });
  const path = join(consumer, 'readme-main.mjs');
  writeFileSync(path, js.outputText);
  const out = execFileSync(process.execPath, [path], {
    cwd: consumer,
    encoding: 'utf8',
    stdio: 'pipe',
    timeout: 110_000,
  });
  expect(out.trim()).toMatch(/^Float32Array\(2\) \[ \S+, \S+ \] (0|1|0\.\d+)$/); // the action and the success rate
  expect(readFileSync(join(consumer, 'runs', 'llmdpd', 'status.json'), 'utf8')).toContain('"completed"');
}, 120_000);
