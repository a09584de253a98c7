/**
 * The WebAssembly kernel provider: llmdpd's SIMD module (`assets/wasm/llmdpd-kernels.wasm`, built
 * from `native/wasm/kernels.c` by `scripts/build-wasm-kernels.sh`), which imports the tfjs wasm
 * backend's memory and runs the kernels of `engine/kernels.ts` on one thread with 128-bit
 * vectors. Always available: the fall-back when the native addon is not built. See docs/engine.md.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { firstLine } from './backends.js';
import { type KernelProvider, webAssembly } from './kernel-provider.js';
import { activeWasmMemory, installKernels, reenableInstalled, type WasmBackendInternals } from './kernels.js';

/** Exports of the compiled wasm kernel module. Pointers are byte offsets into the backend's memory. */
interface WasmKernelExports {
  kernels_abi(): number;
  gemm_scratch_floats(m: number, n: number, k: number, transA: number): number;
  gemm(
    m: number,
    n: number,
    k: number,
    a: number,
    transA: number,
    b: number,
    transB: number,
    bias: number,
    c: number,
    scratch: number,
  ): void;
  column_sums(x: number, m: number, n: number, out: number): void;
  mish_forward(x: number, y: number, n: number): void;
  mish_backward(dy: number, x: number, dx: number, n: number): void;
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    wOut: number,
    mOut: number,
    vOut: number,
    n: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    stepSize: number,
    epsHat: number,
    gradScale: number,
  ): void;
  sum_squares(x: number, n: number): number;
}

/** Signature version of the wasm module this file calls; `kernels_abi()` must return the same. */
const WASM_KERNEL_ABI = 3;

/** Where the compiled module ships, relative to this file in both `src/engine` and `dist/engine`. */
const MODULE_URL = new URL('../../assets/wasm/llmdpd-kernels.wasm', import.meta.url);

/** The wasm module's provider: scratch space for packed operands comes from the backend's heap. */
function wasmProvider(exports: WasmKernelExports, backend: WasmBackendInternals): KernelProvider {
  let scratch = 0;
  let scratchFloats = 0;
  const scratchFor = (floats: number): number => {
    if (floats > scratchFloats) {
      if (scratch !== 0) backend.wasm._free(scratch);
      const size = Math.max(floats, scratchFloats * 2);
      scratch = backend.wasm._malloc(size * 4 + 16);
      scratchFloats = scratch === 0 ? 0 : size;
      if (scratch === 0)
        throw new Error(
          `llmdpd kernels: the wasm heap cannot hold ${size * 4} bytes of scratch space (4 GiB is the wasm32 limit)`,
        );
    }
    // 16-byte alignment for the packed panels
    return (scratch + 15) & ~15;
  };
  return {
    name: 'wasm',
    threads: 1,
    fusedEpilogue: false,
    gemm: (m, n, k, a, transA, b, transB, bias, c) =>
      exports.gemm(
        m,
        n,
        k,
        a,
        transA ? 1 : 0,
        b,
        transB ? 1 : 0,
        bias < 0 ? 0 : bias,
        c,
        scratchFor(exports.gemm_scratch_floats(m, n, k, transA ? 1 : 0)),
      ),
    columnSums: (x, m, n, out) => exports.column_sums(x, m, n, out),
    mish: (x, y, n) => exports.mish_forward(x, y, n),
    mishGrad: (dy, x, dx, n) => exports.mish_backward(dy, x, dx, n),
    adam: (w, g, m, v, [wOut, mOut, vOut], n, s) =>
      exports.adam(
        w,
        g,
        m,
        v,
        wOut,
        mOut,
        vOut,
        n,
        s.beta1,
        1 - s.beta1,
        s.beta2,
        1 - s.beta2,
        s.stepSize,
        s.epsilonHat,
        s.gradScale,
      ),
    sumSquares: (x, n) => exports.sum_squares(x, n),
    blend: null,
    concat: null,
    denoise: null,
    denoiseGrad: null,
  };
}

/**
 * Loads the wasm kernel module into the active single-threaded wasm backend and turns the
 * kernels on. Called by `initEngine`; safe to call again.
 * @returns null when installed, else why not (the tfjs ops are then used; nothing else changes).
 */
export async function installWasmKernels(): Promise<string | null> {
  const target = activeWasmMemory();
  if (typeof target === 'string') return target;
  if (reenableInstalled('wasm')) return null;
  let exports: WasmKernelExports;
  try {
    const bytes = readFileSync(fileURLToPath(MODULE_URL));
    const { instance } = await webAssembly.instantiate(bytes, { env: { memory: target.memory } });
    exports = instance.exports as unknown as WasmKernelExports;
    const abi = typeof exports.kernels_abi === 'function' ? exports.kernels_abi() : 0;
    if (abi !== WASM_KERNEL_ABI)
      return `${fileURLToPath(MODULE_URL)} has kernel ABI ${abi}, this code needs ${WASM_KERNEL_ABI} (rebuild it with scripts/build-wasm-kernels.sh)`;
  } catch (error) {
    return `could not load ${fileURLToPath(MODULE_URL)}: ${firstLine(error)}`;
  }
  return installKernels(wasmProvider(exports, target.backend as WasmBackendInternals));
}
