/**
 * How initEngine chooses a kernel set: the default order (native, wasm, tfjs), forced sets
 * (option and LLMDPD_KERNELS), and the fall-backs when the native addon is missing, stale (ABI
 * mismatch) or wrong (self-test failure). Fake addons are small CommonJS modules in a temporary
 * directory, loaded through LLMDPD_NATIVE_ADDON exactly as the real one is.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BackendError } from '../../src/core/errors.js';
import { initEngine } from '../../src/engine/index.js';
import { customKernelsActive } from '../../src/engine/kernels.js';
import { NATIVE_ABI, NATIVE_ADDON_VARIABLE, nativeAddonPath } from '../../src/engine/native.js';
import { provideNativeAddon } from '../support/native-addon.js';

const realAddon = provideNativeAddon();
const realPath = nativeAddonPath();
const dir = mkdtempSync(path.join(tmpdir(), 'llmdpd-fake-addon-'));
let fakes = 0;

/** Writes a CommonJS module and returns its path (a new path each time: the loader caches by path). */
function fakeAddon(body: string): string {
  const file = path.join(dir, `addon-${fakes++}.cjs`);
  writeFileSync(file, body);
  return file;
}

async function withAddon<T>(file: string, run: () => Promise<T>): Promise<T> {
  const saved = process.env[NATIVE_ADDON_VARIABLE];
  process.env[NATIVE_ADDON_VARIABLE] = file;
  try {
    return await run();
  } finally {
    if (saved === undefined) delete process.env[NATIVE_ADDON_VARIABLE];
    else process.env[NATIVE_ADDON_VARIABLE] = saved;
  }
}

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await initEngine({ backend: 'wasm' });
});

test('the default is the best available set: native where the addon is built, else wasm', async () => {
  const info = await initEngine({ backend: 'wasm' });
  if (typeof realAddon === 'string') {
    expect(info.kernels).toBe('wasm');
    expect(info.skipped.join(' ')).toMatch(/native kernels: /);
  } else {
    expect(info.kernels).toBe(`native-${realAddon.kernelSets[0]}`);
    expect(info.skipped).toEqual([]);
  }
  expect(customKernelsActive()).toBe(true);
});

test("kernels: 'tfjs' and LLMDPD_KERNELS switch them off; bad values are BackendErrors", async () => {
  const off = await initEngine({ backend: 'wasm', kernels: 'tfjs' });
  expect(off.kernels).toBe('tfjs');
  expect(customKernelsActive()).toBe(false);
  const saved = process.env['LLMDPD_KERNELS'];
  try {
    process.env['LLMDPD_KERNELS'] = 'wasm';
    expect((await initEngine({ backend: 'wasm', kernels: 'tfjs' })).kernels).toBe('wasm');
    process.env['LLMDPD_KERNELS'] = 'tfjs';
    expect((await initEngine({ backend: 'wasm' })).kernels).toBe('tfjs');
    process.env['LLMDPD_KERNELS'] = 'fast';
    await expect(initEngine({ backend: 'wasm' })).rejects.toThrow(BackendError);
    await expect(initEngine({ backend: 'wasm' })).rejects.toThrow(
      /LLMDPD_KERNELS is "fast"; expected one of 'auto', 'native'/,
    );
  } finally {
    if (saved === undefined) delete process.env['LLMDPD_KERNELS'];
    else process.env['LLMDPD_KERNELS'] = saved;
  }
  expect(customKernelsActive()).toBe(false);
  expect((await initEngine({ backend: 'wasm' })).kernels).not.toBe('tfjs');
});

test('a missing addon falls back to the wasm kernels and says how to build it; asking for native is an error', async () => {
  const missing = path.join(dir, 'not-built.node');
  await withAddon(missing, async () => {
    const info = await initEngine({ backend: 'wasm' });
    expect(info.kernels).toBe('wasm');
    expect(info.threads).toBe(1);
    expect(info.skipped.join(' ')).toMatch(/native addon is not built .*npx llmdpd build-native/);
    await expect(initEngine({ backend: 'wasm', kernels: 'native' })).rejects.toThrow(BackendError);
    await expect(initEngine({ backend: 'wasm', kernels: 'native-avx2' })).rejects.toThrow(/not built/);
  });
});

test('an addon with another ABI is refused: auto falls back to wasm, an explicit request throws', async () => {
  const stale = fakeAddon(
    `module.exports = { abi: ${NATIVE_ABI + 1}, kernelSets: ['portable'], cpu: { vendor: '', brand: '', avx2: false, avx512: false } };`,
  );
  await withAddon(stale, async () => {
    const info = await initEngine({ backend: 'wasm' });
    expect(info.kernels).toBe('wasm');
    expect(info.skipped.join(' ')).toMatch(new RegExp(`native ABI ${NATIVE_ABI + 1}, this code needs ${NATIVE_ABI}`));
    await expect(initEngine({ backend: 'wasm', kernels: 'native' })).rejects.toThrow(/native ABI/);
  });
});

test('an addon that fails to load is refused with its error', async () => {
  const broken = fakeAddon(`throw new Error('undefined symbol: napi_something');`);
  await withAddon(broken, async () => {
    const info = await initEngine({ backend: 'wasm' });
    expect(info.kernels).toBe('wasm');
    expect(info.skipped.join(' ')).toMatch(/could not load .*undefined symbol: napi_something/);
  });
});

(typeof realAddon === 'string' ? test.skip : test)(
  `an addon whose products are wrong fails the self-test: auto falls back to wasm, an explicit request throws${typeof realAddon === 'string' ? ` (skipped: ${realAddon})` : ''}`,
  async () => {
    const wrong = fakeAddon(
      `const real = require(${JSON.stringify(realPath)});\n` +
        `module.exports = { ...real, gemm() { /* computes nothing */ } };`,
    );
    await withAddon(wrong, async () => {
      const info = await initEngine({ backend: 'wasm' });
      expect(info.kernels).toBe('wasm');
      expect(info.skipped.join(' ')).toMatch(/native kernels \(\w+\): self-test failed \(matMul 2×2×3/);
      await expect(initEngine({ backend: 'wasm', kernels: 'native' })).rejects.toThrow(/self-test failed/);
      expect(customKernelsActive()).toBe(false);
    });
  },
);

(typeof realAddon === 'string' ? test.skip : test)(
  `a set this CPU lacks is a BackendError naming the available ones${typeof realAddon === 'string' ? ` (skipped: ${realAddon})` : ''}`,
  async () => {
    if (typeof realAddon === 'string') return;
    const sets = ['avx512', 'avx2', 'portable'] as const;
    const lacking = sets.find((s) => !realAddon.kernelSets.includes(s));
    if (lacking === undefined) {
      // This CPU runs every set; a fake addon without AVX-512 stands in for one that lacks it.
      const noAvx512 = fakeAddon(
        `const real = require(${JSON.stringify(realPath)});\nmodule.exports = { ...real, kernelSets: ['avx2', 'portable'] };`,
      );
      await withAddon(noAvx512, async () => {
        await expect(initEngine({ backend: 'wasm', kernels: 'native-avx512' })).rejects.toThrow(
          /'avx512' is not available on this CPU \(available: avx2, portable\)/,
        );
      });
    } else {
      await expect(initEngine({ backend: 'wasm', kernels: `native-${lacking}` })).rejects.toThrow(
        /is not available on this CPU/,
      );
    }
  },
);
