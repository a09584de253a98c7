/**
 * scripts/build-native.mjs (`npx llmdpd build-native`, `npm run build:native`): on a machine where
 * the native kernels cannot be compiled it says why; with --optional it still exits 0 (llmdpd then
 * uses its wasm kernels) and says how to build them later. Runs on a copy of the sources in a
 * temporary directory with a compiler that always fails, so the real build is left alone. Also
 * checks that the package has no install script (npm warns about those; see docs/engine.md).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let copy: string;

beforeAll(() => {
  copy = mkdtempSync(path.join(tmpdir(), 'llmdpd-native-build-'));
  for (const item of ['binding.gyp', 'native/cpu', 'scripts/build-native.mjs']) {
    cpSync(path.join(root, item), path.join(copy, item), { recursive: true });
  }
});

afterAll(() => rmSync(copy, { recursive: true, force: true }));

function build(args: string[]) {
  return spawnSync(process.execPath, ['scripts/build-native.mjs', ...args], {
    cwd: copy,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, CC: 'false', CXX: 'false' },
  });
}

test('--optional succeeds without a working compiler, and says what happened and how to retry', () => {
  const result = build(['--optional']);
  expect(result.status).toBe(0);
  const said = `${result.stdout}${result.stderr}`;
  expect(said).toMatch(/llmdpd: .*(did not build|node-gyp was not found)/);
  expect(said).toMatch(
    /llmdpd will use its WebAssembly kernels instead; to build them later, run 'npx llmdpd build-native'/,
  );
  expect(existsSync(path.join(copy, 'build/Release/llmdpd_native.node'))).toBe(false);
  if (said.includes('did not build')) {
    expect(readFileSync(path.join(copy, 'build/native-build.log'), 'utf8')).toMatch(/node-gyp/);
  }
});

test('without --optional, a failed build exits with status 1', () => {
  const result = build([]);
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/llmdpd: /);
});

test('the package runs no install script, and npm does not add node-gyp for binding.gyp', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
    gypfile?: boolean;
  };
  for (const hook of ['preinstall', 'install', 'postinstall']) expect(pkg.scripts[hook]).toBeUndefined();
  expect(pkg.gypfile).toBe(false);
  expect(pkg.scripts['build:native']).toBe('node scripts/build-native.mjs');
});
