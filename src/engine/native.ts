/**
 * The native kernel provider: llmdpd's Node-API addon (`native/cpu`, built by node-gyp into
 * `build/Release/llmdpd_native.node` with `npx llmdpd build-native`, which runs
 * `scripts/build-native.mjs`), running the kernels of `engine/kernels.ts` on the tfjs wasm
 * backend's own memory with AVX-512, AVX2+FMA or portable C and a pool of threads.
 *
 * How it reaches the tensors: the addon is handed the wasm Memory's ArrayBuffer (again whenever
 * the memory grows, which replaces that object; every call checks) and per call byte offsets
 * into it, written into a Float64Array the addon shares, so a call converts no JavaScript values.
 * The addon checks every offset against the memory's length before touching it.
 *
 * The addon is optional: without a compiler the build is skipped, {@link loadNativeAddon} says
 * why, and the engine uses the wasm kernels. A build from another version of these sources is
 * refused by its ABI number. See docs/engine.md.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BackendError } from '../core/errors.js';
import { firstLine } from './backends.js';
import type { KernelProvider, WasmMemory } from './kernel-provider.js';

/** Interface version of the addon this file calls (`LLMDPD_NATIVE_ABI` in native/cpu/kernels.h). */
export const NATIVE_ABI = 2;

/** A native kernel set: AVX-512, AVX2 with FMA, or the portable baseline. */
export type NativeKernelSet = 'avx512' | 'avx2' | 'portable';

/** What the addon reports about the CPU it runs on. */
export interface NativeCpu {
  /** cpuid vendor string, e.g. `AuthenticAMD`. */
  readonly vendor: string;
  /** cpuid brand string (may be empty). */
  readonly brand: string;
  /** AVX2 and FMA3 usable (CPU and OS). */
  readonly avx2: boolean;
  /** AVX-512 F/DQ/BW/VL usable (CPU and OS). */
  readonly avx512: boolean;
}

/** The addon's exports (see native/cpu/addon.c). Kernel arguments travel through {@link NativeAddon.setArgs}. */
export interface NativeAddon {
  /** Interface version, compared with {@link NATIVE_ABI}. */
  readonly abi: number;
  /** Sets this build holds and this CPU runs, best first. */
  readonly kernelSets: readonly NativeKernelSet[];
  /** CPU facts. */
  readonly cpu: NativeCpu;
  /** Chooses the set and the thread count of this context; returns the threads granted. */
  configure(set: NativeKernelSet, threads: number): number;
  /** Binds the wasm memory's current ArrayBuffer. */
  setMemory(buffer: ArrayBuffer): void;
  /** Binds the argument block (a Float64Array of at least 32 values). */
  setArgs(args: Float64Array): void;
  /** args [m, n, k, a, transA, b, transB, bias | −1, c, mish, pre | −1, bColumnSums | −1] */
  gemm(): void;
  /** args [x, m, n, out] */
  columnSums(): void;
  /** args [x, y, n] */
  mish(): void;
  /** args [dy, x, dx, n] */
  mishGrad(): void;
  /** args [w, g, m, v, wOut, mOut, vOut, n, β1, 1−β1, β2, 1−β2, stepSize, epsHat, gradScale] */
  adam(): void;
  /** args [x, n]; returns Σx² */
  sumSquares(): number;
  /** args [x, y, out, n, a, b]: out = a·x + b·y */
  blend(): void;
  /** args [out, outer, count, (input, inner) × count] */
  concat(): void;
  /** args [x, eps, z | −1, out, n, inputScale, noiseScale, meanFromClean, meanFromInput, sigma, clip] */
  denoise(): void;
  /** args [x, eps, dOut, dX, dEps, n, inputScale, noiseScale, meanFromClean, meanFromInput, clip] */
  denoiseGrad(): void;
  /** Measured fp32 FLOP/s of independent FMAs (or multiply-adds for the portable set). */
  fmaPeak(set: NativeKernelSet, seconds: number, threads: number): number;
  /** How long idle pool threads spin before sleeping, in microseconds. */
  setSpin(microseconds: number): void;
}

/** The environment variable that points the engine at another addon file (tests, custom builds). */
export const NATIVE_ADDON_VARIABLE = 'LLMDPD_NATIVE_ADDON';

/** Where `node-gyp` puts the addon, relative to this file in both `src/engine` and `dist/engine`. */
const DEFAULT_ADDON_URL = new URL('../../build/Release/llmdpd_native.node', import.meta.url);

/** The addon file the engine loads: {@link NATIVE_ADDON_VARIABLE} when set, else the package's build. */
export function nativeAddonPath(): string {
  const fromEnv = process.env[NATIVE_ADDON_VARIABLE];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : fileURLToPath(DEFAULT_ADDON_URL);
}

const cache = new Map<string, NativeAddon | string>();

/** The provider whose arguments, set and memory the addon holds now (see {@link nativeProvider}). */
let boundProvider: object | null = null;
let boundBuffer: ArrayBuffer | SharedArrayBuffer | null = null;

/**
 * Loads the addon (once per path) and checks its ABI.
 * @returns the addon, or why it cannot be used (not built, built for another Node, stale).
 */
export function loadNativeAddon(): NativeAddon | string {
  const path = nativeAddonPath();
  const known = cache.get(path);
  if (known !== undefined) return known;
  let result: NativeAddon | string;
  if (!existsSync(path)) {
    result = `the native addon is not built (${path} is missing; run 'npx llmdpd build-native', which needs python3, make and a C compiler)`;
  } else {
    try {
      const addon = createRequire(import.meta.url)(path) as Partial<NativeAddon>;
      result =
        addon.abi === NATIVE_ABI
          ? (addon as NativeAddon)
          : `${path} has native ABI ${String(addon.abi)}, this code needs ${NATIVE_ABI} (rebuild it with 'node scripts/build-native.mjs')`;
    } catch (error) {
      result = `could not load ${path}: ${firstLine(error)}`;
    }
  }
  cache.set(path, result);
  return result;
}

/** Native sets this machine can run (empty when the addon is not available). */
export function nativeKernelSets(): readonly NativeKernelSet[] {
  const addon = loadNativeAddon();
  return typeof addon === 'string' ? [] : addon.kernelSets;
}

/** The thread count native kernels use by default: every core the process may use. */
export function defaultNativeThreads(): number {
  return availableParallelism();
}

/**
 * Picks the set for a request: the best available one for `'best'`, else exactly the one named.
 * @throws {@link BackendError} when a named set is not available here, saying which are.
 */
export function chooseNativeSet(addon: NativeAddon, request: NativeKernelSet | 'best'): NativeKernelSet {
  if (request === 'best') return addon.kernelSets[0] ?? 'portable';
  if (!addon.kernelSets.includes(request)) {
    throw new BackendError(
      `The native kernel set '${request}' is not available on this CPU (available: ${addon.kernelSets.join(', ')}).`,
    );
  }
  return request;
}

/**
 * A {@link KernelProvider} running `set` on `threads` threads over `memory`.
 * @remarks Each call rebinds the memory's ArrayBuffer when it changed (the wasm heap grew).
 */
export function nativeProvider(
  addon: NativeAddon,
  memory: WasmMemory,
  set: NativeKernelSet,
  threads: number,
): KernelProvider {
  const args = new Float64Array(32);
  const self = {};
  const granted = addon.configure(set, threads);
  boundProvider = null; // configure changed the addon's set: whoever calls next rebinds
  const bind = (): void => {
    // The addon keeps one argument block, set and memory per Node context: rebind them when
    // another provider (another engine configuration) used it last.
    if (boundProvider !== self) {
      addon.setArgs(args);
      addon.configure(set, threads);
      boundProvider = self;
      boundBuffer = null;
    }
    const buffer = memory.buffer;
    if (buffer !== boundBuffer) {
      addon.setMemory(buffer as ArrayBuffer);
      boundBuffer = buffer;
    }
  };
  return {
    name: `native-${set}`,
    threads: granted,
    fusedEpilogue: true,
    gemm(m, n, k, a, transA, b, transB, bias, c, epilogue) {
      bind();
      args[0] = m;
      args[1] = n;
      args[2] = k;
      args[3] = a;
      args[4] = transA ? 1 : 0;
      args[5] = b;
      args[6] = transB ? 1 : 0;
      args[7] = bias;
      args[8] = c;
      args[9] = epilogue?.mish === true ? 1 : 0;
      args[10] = epilogue?.pre ?? -1;
      args[11] = epilogue?.bColumnSums ?? -1;
      addon.gemm();
    },
    columnSums(x, m, n, out) {
      bind();
      args[0] = x;
      args[1] = m;
      args[2] = n;
      args[3] = out;
      addon.columnSums();
    },
    mish(x, y, n) {
      bind();
      args[0] = x;
      args[1] = y;
      args[2] = n;
      addon.mish();
    },
    mishGrad(dy, x, dx, n) {
      bind();
      args[0] = dy;
      args[1] = x;
      args[2] = dx;
      args[3] = n;
      addon.mishGrad();
    },
    adam(w, g, m, v, [wOut, mOut, vOut], n, s) {
      bind();
      args[0] = w;
      args[1] = g;
      args[2] = m;
      args[3] = v;
      args[4] = wOut;
      args[5] = mOut;
      args[6] = vOut;
      args[7] = n;
      args[8] = s.beta1;
      args[9] = 1 - s.beta1;
      args[10] = s.beta2;
      args[11] = 1 - s.beta2;
      args[12] = s.stepSize;
      args[13] = s.epsilonHat;
      args[14] = s.gradScale;
      addon.adam();
    },
    sumSquares(x, n) {
      bind();
      args[0] = x;
      args[1] = n;
      return addon.sumSquares();
    },
    blend(x, y, out, n, a, b) {
      bind();
      args[0] = x;
      args[1] = y;
      args[2] = out;
      args[3] = n;
      args[4] = a;
      args[5] = b;
      addon.blend();
    },
    concat(inputs, inner, outer, out) {
      bind();
      args[0] = out;
      args[1] = outer;
      args[2] = inputs.length;
      for (let i = 0; i < inputs.length; i++) {
        args[3 + 2 * i] = inputs[i];
        args[4 + 2 * i] = inner[i];
      }
      addon.concat();
    },
    denoise(x, eps, noise, out, n, s) {
      bind();
      args[0] = x;
      args[1] = eps;
      args[2] = noise;
      args[3] = out;
      args[4] = n;
      args[5] = s.inputScale;
      args[6] = s.noiseScale;
      args[7] = s.meanFromClean;
      args[8] = s.meanFromInput;
      args[9] = s.sigma;
      args[10] = s.clip;
      addon.denoise();
    },
    denoiseGrad(x, eps, dOut, dx, dEps, n, s) {
      bind();
      args[0] = x;
      args[1] = eps;
      args[2] = dOut;
      args[3] = dx;
      args[4] = dEps;
      args[5] = n;
      args[6] = s.inputScale;
      args[7] = s.noiseScale;
      args[8] = s.meanFromClean;
      args[9] = s.meanFromInput;
      args[10] = s.clip;
      addon.denoiseGrad();
    },
  };
}

/**
 * Measures the fp32 peak of this machine with the addon's FMA micro-benchmark (independent
 * fused multiply-adds on registers, `set`'s vector width) on `threads` threads: the best of three
 * runs of `seconds` each, so that a moment of other load on a shared machine does not lower it.
 * @returns GFLOP/s, or null when the addon is not available.
 */
export function measureFmaPeak(set: NativeKernelSet, threads: number, seconds = 0.2): number | null {
  const addon = loadNativeAddon();
  if (typeof addon === 'string') return null;
  let best = 0;
  for (let i = 0; i < 3; i++) best = Math.max(best, addon.fmaPeak(set, seconds, threads));
  return best / 1e9;
}
