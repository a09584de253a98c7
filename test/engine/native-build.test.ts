/**
 * scripts/build-native.mjs, the package's install script: on a machine where the native kernels
 * cannot be compiled it must not fail the install (llmdpd then uses its wasm kernels), and it
 * must say how to build them later. Runs on a copy of the sources in a temporary directory with a
 * compiler that always fails, so the real build is left alone.
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

test('--install succeeds without a working compiler, and says what happened and how to retry', () => {
  const result = build(['--install']);
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

test('without --install, a failed build exits with status 1', () => {
  const result = build([]);
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/llmdpd: /);
});

test('LLMDPD_SKIP_NATIVE=1 skips the build at install', () => {
  const result = spawnSync(process.execPath, ['scripts/build-native.mjs', '--install'], {
    cwd: copy,
    encoding: 'utf8',
    env: { ...process.env, LLMDPD_SKIP_NATIVE: '1' },
  });
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/native kernels skipped/);
});
