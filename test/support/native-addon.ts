/**
 * The native addon for the tests that exercise it, on every machine that can compile it.
 *
 * The repository's own build (`build/Release/llmdpd_native.node`, made by `npm run build:native`)
 * is used when it is there and current. Otherwise (a CI machine where nobody built it, or a build
 * of older sources) the addon is built here by scripts/build-native.mjs, exactly as a user builds
 * it, from a copy of binding.gyp, native/cpu and the script in a folder of the OS temp directory
 * named after a hash of those sources and of the Node version. Test files of one run share that
 * build; the repository's `build/` is never written. The engine is pointed at it through
 * LLMDPD_NATIVE_ADDON.
 *
 * Only a machine without the tools node-gyp needs (python3, make, a C and a C++ compiler) gets
 * no addon, and the reason, which the tests print as the reason they are skipped. A build that
 * fails on a machine that has them throws: the tests of the addon then fail, as they should.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNativeAddon, NATIVE_ADDON_VARIABLE, type NativeAddon } from '../../src/engine/native.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCES = ['binding.gyp', 'native/cpu', 'scripts/build-native.mjs'];
const ADDON = path.join('build', 'Release', 'llmdpd_native.node');

/** Whether `command` is an executable file on PATH (or a path to one). */
function onPath(command: string): boolean {
  const candidates = command.includes('/')
    ? [command]
    : (process.env['PATH'] ?? '').split(path.delimiter).map((dir) => path.join(dir, command));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The first word of a CC/CXX value such as `ccache gcc` or `gcc -m64`. */
const commandOf = (value: string | undefined): string | undefined => value?.trim().split(/\s+/)[0] || undefined;

/** The build tools node-gyp needs that this machine lacks (empty when it has them all). */
export function missingBuildTools(): string[] {
  const missing: string[] = [];
  if (!onPath('python3') && !onPath('python')) missing.push('python3');
  if (!onPath('make')) missing.push('make');
  const cc = commandOf(process.env['CC']);
  if (cc !== undefined ? !onPath(cc) : !['cc', 'gcc', 'clang'].some(onPath)) missing.push('a C compiler (cc)');
  const cxx = commandOf(process.env['CXX']);
  if (cxx !== undefined ? !onPath(cxx) : !['c++', 'g++', 'clang++'].some(onPath)) missing.push('a C++ compiler (c++)');
  return missing;
}

/** Every file under `relative` (a file or a folder), sorted, relative to the repository root. */
function filesOf(relative: string): string[] {
  const full = path.join(root, relative);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [relative];
  return readdirSync(full, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(relative, name))
    .filter((file) => statSync(path.join(root, file)).isFile())
    .sort();
}

/** A hash of the addon's sources, the Node version and the platform: the name of its test build. */
function sourceHash(): string {
  const hash = createHash('sha256').update(`${process.version} ${process.platform} ${process.arch}\n`);
  for (const file of SOURCES.flatMap(filesOf)) hash.update(`${file}\n`).update(readFileSync(path.join(root, file)));
  return hash.digest('hex').slice(0, 16);
}

/** Builds the addon from a copy of the sources; returns the addon file. Throws when the build fails. */
function buildInTemp(): string {
  const folder = path.join(tmpdir(), `llmdpd-native-test-${sourceHash()}`);
  const built = path.join(folder, ADDON);
  if (existsSync(built)) return built;
  // Build beside the final folder, then rename: a test file running at the same time in another
  // worker either sees no folder or a complete one. When two build at once, the first rename wins.
  const work = `${folder}.${process.pid}-${Date.now()}`;
  for (const item of SOURCES) cpSync(path.join(root, item), path.join(work, item), { recursive: true });
  const result = spawnSync(process.execPath, ['scripts/build-native.mjs'], {
    cwd: work,
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (result.status !== 0 || !existsSync(path.join(work, ADDON))) {
    const log = path.join(work, 'build', 'native-build.log');
    throw new Error(
      `The native addon did not build for the tests although python3, make and the compilers are installed ` +
        `(status ${String(result.status)}): ${`${result.stderr}${result.stdout}`.trim()}` +
        (existsSync(log) ? `\n${readFileSync(log, 'utf8').slice(-4000)}` : ''),
    );
  }
  try {
    renameSync(work, folder);
  } catch {
    rmSync(work, { recursive: true, force: true }); // another worker's build is in place
  }
  if (!existsSync(built)) throw new Error(`The native addon's test build is missing from ${folder}.`);
  return built;
}

/**
 * The addon the tests should use, building it when needed (see the module comment); the engine
 * loads the same file. Call it at the top of a test file, before anything loads the addon.
 * @returns the addon, or why this machine has none (its build tools are missing, or
 *   LLMDPD_NATIVE_ADDON names a file that cannot be used).
 */
export function provideNativeAddon(): NativeAddon | string {
  if (process.env[NATIVE_ADDON_VARIABLE] !== undefined && process.env[NATIVE_ADDON_VARIABLE] !== '') {
    return loadNativeAddon(); // chosen by whoever runs the tests
  }
  const repositoryBuild = loadNativeAddon();
  if (typeof repositoryBuild !== 'string') return repositoryBuild;
  const missing = missingBuildTools();
  if (missing.length > 0) return `this machine cannot build the native addon: ${missing.join(', ')} missing`;
  process.env[NATIVE_ADDON_VARIABLE] = buildInTemp();
  return loadNativeAddon();
}
