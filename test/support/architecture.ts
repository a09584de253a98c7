/**
 * The import rules of CONTRIBUTING.md (and docs/architecture.md) as data, and a checker that applies them to source
 * files.
 * Used by test/architecture.test.ts on the real tree and on synthetic violations.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';

/** Library areas (first folder under src/); files directly in src/ belong to 'root'. */
export type Area =
  | 'root'
  | 'core'
  | 'engine'
  | 'envs'
  | 'buffers'
  | 'datasets'
  | 'nets'
  | 'encoders'
  | 'agents'
  | 'suites'
  | 'eval'
  | 'export'
  | 'compare'
  | 'cli';

/** Which areas each area may import from (its own area is always allowed). */
export const ALLOWED_AREAS: Record<Area, readonly Area[]> = {
  core: [],
  engine: ['core'],
  envs: ['core'],
  buffers: ['core'],
  datasets: ['core', 'buffers'],
  nets: ['core', 'engine'],
  encoders: ['core', 'engine', 'nets'],
  // Agents write exported policies and scale with the runtime's formulas, so both match exactly.
  agents: ['core', 'engine', 'nets', 'encoders', 'export'],
  eval: ['core', 'envs', 'buffers', 'datasets'],
  suites: ['core', 'envs', 'buffers', 'datasets', 'eval'],
  // Exported policies: the artefact's files (on core's column store) and the runtime that acts with them.
  export: ['core'],
  // The comparison runner builds agents, opens datasets and suites, and evaluates: everything the
  // CLI uses, except the CLI itself (which drives it).
  compare: ['core', 'engine', 'envs', 'buffers', 'datasets', 'nets', 'encoders', 'agents', 'suites', 'eval', 'export'],
  cli: [
    'core',
    'engine',
    'envs',
    'buffers',
    'datasets',
    'nets',
    'encoders',
    'agents',
    'suites',
    'eval',
    'export',
    'compare',
  ],
  root: [
    'core',
    'engine',
    'envs',
    'buffers',
    'datasets',
    'nets',
    'encoders',
    'agents',
    'suites',
    'eval',
    'export',
    'compare',
    'cli',
  ],
};

/** Packages that select or provide a tfjs backend: only src/engine may import them. */
export const BACKEND_PACKAGE = /^@tensorflow\/(tfjs|tfjs-node|tfjs-node-gpu|tfjs-backend-[a-z]+)(\/|$)/;
/** Any tfjs package. */
export const TFJS_PACKAGE = /^@tensorflow\//;
/** Areas that must not import any tfjs package (they run without a backend). */
export const TFJS_FREE: readonly Area[] = ['core', 'envs', 'buffers', 'datasets', 'eval', 'suites', 'export'];

/**
 * Files that must import nothing at all: the exported-policy runtime is published as one
 * standalone ES module that a web page loads without a bundler (`docs/export.md`).
 */
export const STANDALONE_FILES: readonly string[] = ['src/export/runtime.ts'];

/** One source file: path relative to the repository root (posix separators) and its text. */
export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

/** Import specifiers of a file: static imports/exports and dynamic `import('...')` with literal strings. */
export function importSpecifiers(text: string): string[] {
  const out: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) out.push(m[1]);
  return out;
}

/** The area a src-relative path belongs to. */
export function areaOf(path: string): Area {
  const parts = path.split('/');
  if (parts[0] !== 'src') throw new Error(`not a source path: ${path}`);
  return parts.length === 2 ? 'root' : (parts[1] as Area);
}

/**
 * The one kind of agent-to-agent import allowed: an agent that *is* another agent with a fixed
 * part, and says so. Each entry names the file and the only agent it may import, with the reason.
 */
export const AGENT_VARIANTS: Readonly<Record<string, { readonly of: string; readonly reason: string }>> = {
  'src/agents/llmdpd.ts': {
    of: 'src/agents/diffusion-ql.ts',
    reason:
      "LLMDPD is Diffusion-QL with the 'prompts' conditioner (paper §3.2, Algorithm 1): it narrows the config and adds prompt helpers, and never redefines the update",
  },
};

/** True for an agent implementation file: directly in src/agents/, except the shared interface and index. */
function isAgentFile(path: string): boolean {
  return /^src\/agents\/[^/]+\.ts$/.test(path) && !/\/(index|agent|types)\.ts$/.test(path);
}

/** Checks every rule on the given files and returns one message per violation. */
export function checkImports(files: readonly SourceFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const area = areaOf(file.path);
    if (STANDALONE_FILES.includes(file.path)) {
      for (const spec of importSpecifiers(file.text))
        problems.push(`${file.path} imports ${spec}; it must stay a standalone module that imports nothing`);
      continue;
    }
    for (const spec of importSpecifiers(file.text)) {
      if (spec.startsWith('.')) {
        const target = posix.normalize(posix.join(posix.dirname(file.path), spec));
        if (!target.startsWith('src/')) {
          problems.push(`${file.path} imports ${spec}, which is outside src/`);
          continue;
        }
        const targetArea = areaOf(target);
        if (targetArea !== area && !ALLOWED_AREAS[area].includes(targetArea)) {
          problems.push(
            `${file.path} (${area}) imports ${spec} from ${targetArea}; ${area} may import only ${[area, ...ALLOWED_AREAS[area]].join(', ')}`,
          );
        }
        const targetFile = target.replace(/\.js$/, '.ts');
        if (
          isAgentFile(file.path) &&
          isAgentFile(targetFile) &&
          targetFile !== file.path &&
          AGENT_VARIANTS[file.path]?.of !== targetFile
        ) {
          problems.push(
            `${file.path} imports another agent (${spec}); share code through src/nets or src/agents/common instead`,
          );
        }
      } else {
        if (BACKEND_PACKAGE.test(spec) && area !== 'engine') {
          problems.push(`${file.path} imports the backend package ${spec}; only src/engine may load tfjs backends`);
        } else if (TFJS_PACKAGE.test(spec) && TFJS_FREE.includes(area)) {
          problems.push(`${file.path} imports ${spec}; ${area} must not depend on tfjs`);
        }
      }
    }
  }
  return problems;
}

/** Reads every .ts file under src/ of the repository at `root`. */
export function readSourceTree(root: string): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts'))
        files.push({ path: relative(root, full).split(sep).join('/'), text: readFileSync(full, 'utf8') });
    }
  };
  walk(join(root, 'src'));
  return files;
}

/** Repository root, from this file's location (test/support/). */
export const REPO_ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..');
