#!/usr/bin/env node
// Builds llmdpd's native kernels (native/cpu, binding.gyp) into build/Release/llmdpd_native.node
// with node-gyp, the addon builder that ships with npm. Nothing is downloaded by this script: the
// Node headers come from the local Node installation when it has them (Debian's and NodeSource's
// packages, the official tarballs), else from node-gyp's own cache or its usual download.
//
//   npx llmdpd build-native                 (in a project that installed llmdpd)
//   npm run build:native                    (in this repository)
//   node scripts/build-native.mjs           build; exit 1 with the reason when it fails
//   node scripts/build-native.mjs --optional
//                                           never fail (exit 0): say why not and that llmdpd
//                                           keeps its wasm kernels (for CI images that may
//                                           lack a compiler)
//
// The package has no install script on purpose: npm 11 warns about dependency install scripts
// that the consumer has not approved (allowScripts), and later versions skip them; llmdpd works
// without the addon (wasm kernels) and initEngine says how to build it. The build log goes to
// build/native-build.log.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const optional = process.argv.includes('--optional');
const output = path.join(root, 'build', 'Release', 'llmdpd_native.node');
const logFile = path.join(root, 'build', 'native-build.log');
const RETRY = "to build them later, run 'npx llmdpd build-native'";

function finish(ok, message) {
  const line = `llmdpd: ${message}`;
  if (ok) console.log(line);
  else if (optional) console.warn(`${line}; llmdpd will use its WebAssembly kernels instead; ${RETRY}.`);
  else console.error(line);
  process.exit(ok || optional ? 0 : 1);
}

if (!existsSync(path.join(root, 'binding.gyp')))
  finish(false, 'binding.gyp is missing, so the native kernels cannot be built');

/** node-gyp's entry point: the one npm runs scripts with, npm's own copy, or a global install. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  const execDir = path.dirname(process.execPath);
  for (const prefix of [path.join(execDir, '..', 'lib'), execDir]) {
    candidates.push(path.join(prefix, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  try {
    const npmCli = createRequire(import.meta.url).resolve('npm/package.json');
    candidates.push(path.join(path.dirname(npmCli), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  } catch {
    // npm is not resolvable as a package here; the other candidates remain
  }
  return candidates.find((c) => existsSync(c)) ?? null;
}

/** The prefix whose include/node holds headers of exactly this Node version, if any. */
function localHeaders() {
  const [major, minor, patch] = process.versions.node.split('.');
  for (const prefix of [
    process.env.npm_config_nodedir,
    path.resolve(path.dirname(process.execPath), '..'),
    '/usr',
    '/usr/local',
  ]) {
    if (!prefix) continue;
    try {
      const header = readFileSync(path.join(prefix, 'include', 'node', 'node_version.h'), 'utf8');
      const value = (name) => header.match(new RegExp(`#define ${name} (\\d+)`))?.[1];
      if (
        value('NODE_MAJOR_VERSION') === major &&
        value('NODE_MINOR_VERSION') === minor &&
        value('NODE_PATCH_VERSION') === patch
      ) {
        return prefix;
      }
    } catch {
      // no headers under this prefix
    }
  }
  return null;
}

const nodeGyp = findNodeGyp();
if (nodeGyp === null) finish(false, 'node-gyp was not found (it ships with npm)');
const nodedir = localHeaders();
const args = [nodeGyp, 'rebuild', '--release', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
mkdirSync(path.dirname(logFile), { recursive: true });
const started = Date.now();
const result = spawnSync(process.execPath, args, {
  cwd: root,
  encoding: 'utf8',
  timeout: 300_000,
  env: { ...process.env, npm_config_loglevel: 'warn' },
});
const log = `$ node ${args.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? `\n${result.error.message}` : ''}`;
mkdirSync(path.dirname(logFile), { recursive: true });
writeFileSync(logFile, log);
if (result.status !== 0 || !existsSync(output)) {
  const lines = `${result.stderr ?? ''}${result.stdout ?? ''}`
    .split('\n')
    .filter((l) => /error|not found|No such|gyp ERR! stack Error/i.test(l));
  const why = result.error ? result.error.message : (lines[0]?.trim() ?? `node-gyp exited with ${result.status}`);
  finish(false, `the native kernels did not build (${why}; full log in ${logFile})`);
}

// Load it in a separate process: a broken build must not take this one down.
const check = spawnSync(
  process.execPath,
  ['-e', `const a = require(${JSON.stringify(output)}); console.log(a.abi + ' ' + a.kernelSets.join(','))`],
  { encoding: 'utf8', timeout: 60_000 },
);
if (check.status !== 0)
  finish(false, `the native kernels built but do not load: ${(check.stderr || '').split('\n')[0]}`);
const [abi, sets] = check.stdout.trim().split(' ');
finish(
  true,
  `native kernels built in ${((Date.now() - started) / 1000).toFixed(1)} s (ABI ${abi}; kernel sets on this CPU: ${sets})`,
);
