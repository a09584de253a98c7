/**
 * llmdpd's own kernels for the operations that dominate a diffusion-policy training step:
 * matrix products (with either operand transposed, and a bias), column sums, Mish and its
 * gradient, one Adam step, a sum of squares and one reverse-diffusion step. They run on the
 * single-threaded tfjs-backend-wasm, on tensors in the backend's own memory, so no data is
 * copied in or out. Two providers implement them:
 *
 * - the native addon (`native/cpu`, loaded by `engine/native.ts`): AVX-512, AVX2+FMA or portable
 *   C, chosen from the CPU's features, with a pool of threads; it reads and writes the wasm
 *   Memory's ArrayBuffer directly;
 * - a WebAssembly SIMD module (`assets/wasm/llmdpd-kernels.wasm`, built from
 *   `native/wasm/kernels.c`) that imports that memory: 128-bit vectors, one thread, always
 *   available.
 *
 * Why: XNNPACK, which runs tfjs-wasm's products, packs the right-hand operand into a new
 * operator for every new tensor (every weight after an optimiser step, every activation
 * gradient), and tfjs's transposed products fall back to a slow generic loop. Measured on this
 * project's 2-core machine (256×256×256 float32, 1 thread): XNNPACK 1.10 ms for a cached operand,
 * 1.36-1.63 ms for a fresh one, plus 0.12 ms per explicit transpose; the wasm kernels 0.85-0.96
 * ms in every case, packing included; the native AVX-512 kernels about 0.4 ms. Mish is one pass
 * instead of five kernels, Adam one instead of ten.
 *
 * They depend on tfjs-backend-wasm internals (its memory object, tensor table and `makeOutput`),
 * so installing a provider checks its ABI number and runs a self-test on known inputs; if
 * either fails, the next provider (or the stock tfjs ops) is used and `EngineInfo.skipped` says
 * why. See docs/engine.md.
 *
 * The kernels are registered with tfjs under their own names, so they take part in `tidy`,
 * memory accounting and profiling like any other kernel. The exceptions are the in-place
 * updates of variables ({@link wasmAdamInPlace}, {@link wasmBlendInPlace}): they overwrite data
 * that nothing else shares, and create no tensor. Callers check {@link customKernelsActive}
 * and use tfjs ops otherwise (other backends, the threaded wasm build, `kernels: 'tfjs'`).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../core/errors.js';
import { BINARY_KERNELS, type BinaryOpsBackend, binaryKernel } from './binary-ops.js';
import {
  type AdamStepScalars,
  type DenoiseScalars,
  type KernelProvider,
  type KernelSetName,
  type WasmMemory,
  webAssembly,
} from './kernel-provider.js';

export type {
  AdamStepScalars,
  DenoiseScalars,
  GemmEpilogue,
  KernelProvider,
  KernelSetName,
  WasmMemory,
} from './kernel-provider.js';

/** The parts of tfjs-backend-wasm's backend object the kernels use. */
export interface WasmBackendInternals {
  readonly wasm: {
    readonly asm: { readonly memory: WasmMemory };
    readonly HEAPU8: Uint8Array;
    _malloc(bytes: number): number;
    _free(pointer: number): void;
    /** The backend's C++ tensor table (which also keys XNNPACK's cached operators). */
    readonly tfjs: {
      registerTensor(id: number, size: number, memoryOffset: number): void;
      disposeData(id: number): void;
    };
  };
  readonly dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined };
  /** The next id of the C++ tensor table. */
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
  /** How many tensors (and kernel-held views) share this data. */
  refCount(dataId: object): number;
}

/** Kernel names, as registered with tfjs for the `'wasm'` backend. */
export const KERNEL_NAMES = Object.freeze({
  matMul: 'LlmdpdMatMul',
  columnSums: 'LlmdpdColumnSums',
  mish: 'LlmdpdMish',
  mishGrad: 'LlmdpdMishGrad',
  adam: 'LlmdpdAdam',
  blend: 'LlmdpdBlend',
  denoise: 'LlmdpdDenoise',
  denoiseGrad: 'LlmdpdDenoiseGrad',
});

interface Installed {
  readonly provider: KernelProvider;
  readonly backend: WasmBackendInternals;
}

let installed: Installed | null = null;
let enabled = false;
let registered = false;

function offsetOf(backend: WasmBackendInternals, info: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (data === undefined)
    throw new Error(`llmdpd kernels: tensor data ${JSON.stringify(info.dataId)} is not on the wasm backend`);
  return data.memoryOffset;
}

/** The kernels read raw memory: every shape is checked first, so a mistake is an error, not corruption. */
function requireFloat32(name: string, info: tf.TensorInfo, size?: number): void {
  if (info.dtype !== 'float32') throw new ShapeError(`${name}: expected a float32 tensor, got ${info.dtype}.`);
  if (size !== undefined && tf.util.sizeFromShape(info.shape) !== size) {
    throw new ShapeError(`${name}: expected ${size} elements, got shape [${info.shape.join(', ')}].`);
  }
}

/** An Adam step's operands: float32, `size` values each. */
function requireAdamOperands(
  kernel: string,
  operands: Record<'w' | 'g' | 'm' | 'v', tf.TensorInfo>,
  size: number,
): void {
  for (const [name, t] of Object.entries(operands)) requireFloat32(`${kernel} ${name}`, t, size);
}

function current(): Installed {
  if (installed === null) throw new Error('llmdpd kernels are not installed; call initEngine() first');
  return installed;
}

/** What a kernel body gets: the provider, its inputs and attributes, and a pointer lookup. */
interface KernelCall {
  readonly provider: KernelProvider;
  readonly inputs: Record<string, tf.TensorInfo>;
  readonly attrs: Readonly<Record<string, unknown>>;
  /** Byte offset of a tensor's data in the backend's memory. */
  readonly at: (info: tf.TensorInfo) => number;
  /** A new float32 output of this shape, allocated by the backend. */
  readonly output: (shape: readonly number[]) => tf.TensorInfo;
}

function register(kernelName: string, body: (call: KernelCall) => tf.TensorInfo | tf.TensorInfo[]): void {
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const state = current();
      return body({
        provider: state.provider,
        inputs: inputs as Record<string, tf.TensorInfo>,
        attrs: attrs ?? {},
        at: (info) => offsetOf(state.backend, info),
        output: (shape) => state.backend.makeOutput([...shape], 'float32'),
      });
    },
  });
}

function registerKernels(): void {
  if (registered) return;
  registered = true;
  const N = KERNEL_NAMES;
  register(N.matMul, ({ provider, inputs: { a, b, bias }, attrs, at, output }) => {
    const transposeA = attrs['transposeA'] === true;
    const transposeB = attrs['transposeB'] === true;
    const mish = attrs['activation'] === 'mish';
    const keepPre = mish && attrs['keepPreActivation'] === true;
    const sums = attrs['columnSumsOfB'] === true;
    if (a.shape.length !== 2 || b.shape.length !== 2) {
      throw new ShapeError(
        `${N.matMul}: expected 2-D operands, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}].`,
      );
    }
    const [aRows, aCols] = a.shape as [number, number];
    const [bRows, bCols] = b.shape as [number, number];
    const m = transposeA ? aCols : aRows;
    const k = transposeA ? aRows : aCols;
    const n = transposeB ? bRows : bCols;
    if ((transposeB ? bCols : bRows) !== k) {
      throw new ShapeError(
        `${N.matMul}: inner sizes differ: op(A) is [${m}, ${k}], op(B) is [${transposeB ? bCols : bRows}, ${n}].`,
      );
    }
    if (sums && transposeB) throw new ShapeError(`${N.matMul}: column sums of B need transposeB false.`);
    requireFloat32(N.matMul, a);
    requireFloat32(N.matMul, b);
    if (bias !== undefined) {
      requireFloat32(`${N.matMul} bias`, bias, n);
      if (bias.shape.length !== 1)
        throw new ShapeError(`${N.matMul}: the bias must be [${n}], got [${bias.shape.join(', ')}].`);
    }
    const out = output([m, n]);
    const pre = keepPre ? output([m, n]) : null;
    const columnSums = sums ? output([n]) : null;
    const biasAt = bias === undefined ? -1 : at(bias);
    if (provider.fusedEpilogue) {
      provider.gemm(m, n, k, at(a), transposeA, at(b), transposeB, biasAt, at(out), {
        mish,
        pre: pre === null ? -1 : at(pre),
        bColumnSums: columnSums === null ? -1 : at(columnSums),
      });
    } else {
      // The same results from separate passes: the product, then Mish, then the sums.
      if (mish) {
        const z = pre ?? output([m, n]);
        provider.gemm(m, n, k, at(a), transposeA, at(b), transposeB, biasAt, at(z));
        provider.mish(at(z), at(out), m * n);
        if (pre === null) current().backend.disposeData(z.dataId);
      } else {
        provider.gemm(m, n, k, at(a), transposeA, at(b), transposeB, biasAt, at(out));
      }
      if (columnSums !== null) provider.columnSums(at(b), k, n, at(columnSums));
    }
    if (pre === null && columnSums === null) return out;
    return [out, ...(pre === null ? [] : [pre]), ...(columnSums === null ? [] : [columnSums])];
  });
  register(N.columnSums, ({ provider, inputs: { x }, at, output }) => {
    requireFloat32(N.columnSums, x);
    if (x.shape.length !== 2)
      throw new ShapeError(`${N.columnSums}: expected a 2-D tensor, got [${x.shape.join(', ')}].`);
    const [m, n] = x.shape as [number, number];
    const out = output([n]);
    provider.columnSums(at(x), m, n, at(out));
    return out;
  });
  register(N.mish, ({ provider, inputs: { x }, at, output }) => {
    requireFloat32(N.mish, x);
    const out = output(x.shape);
    provider.mish(at(x), at(out), tf.util.sizeFromShape(x.shape));
    return out;
  });
  register(N.mishGrad, ({ provider, inputs: { dy, x }, at, output }) => {
    const size = tf.util.sizeFromShape(x.shape);
    requireFloat32(N.mishGrad, x);
    requireFloat32(`${N.mishGrad} dy`, dy, size);
    const out = output(x.shape);
    provider.mishGrad(at(dy), at(x), at(out), size);
    return out;
  });
  register(N.adam, ({ provider, inputs: { w, g, m, v }, attrs, at, output }) => {
    const size = tf.util.sizeFromShape(w.shape);
    requireAdamOperands(N.adam, { w, g, m, v }, size);
    const outs = [output(w.shape), output(w.shape), output(w.shape)] as const;
    const num = (key: string) => attrs[key] as number;
    provider.adam(at(w), at(g), at(m), at(v), [at(outs[0]), at(outs[1]), at(outs[2])], size, {
      beta1: num('beta1'),
      beta2: num('beta2'),
      stepSize: num('stepSize'),
      epsilonHat: num('epsilonHat'),
      gradScale: num('gradScale'),
    });
    return [...outs];
  });
  register(N.blend, ({ provider, inputs, attrs, at, output }) => {
    const blend = provider.blend;
    if (blend === null) throw new Error(`${N.blend}: the '${provider.name}' kernels have no blend`);
    const count = attrs['count'] as number;
    const outs: tf.TensorInfo[] = [];
    for (let i = 0; i < count; i++) {
      const x = inputs[`x${i}`];
      const y = inputs[`y${i}`];
      const size = tf.util.sizeFromShape(x.shape);
      requireFloat32(`${N.blend} x${i}`, x);
      requireFloat32(`${N.blend} y${i}`, y, size);
      const out = output(x.shape);
      blend(at(x), at(y), at(out), size, attrs['a'] as number, attrs['b'] as number);
      outs.push(out);
    }
    return outs;
  });
  register(N.denoise, ({ provider, inputs: { x, eps, noise }, attrs, at, output }) => {
    const size = tf.util.sizeFromShape(x.shape);
    requireFloat32(`${N.denoise} x`, x);
    requireFloat32(`${N.denoise} eps`, eps, size);
    if (noise !== undefined) requireFloat32(`${N.denoise} noise`, noise, size);
    const out = output(x.shape);
    denoiseOf(provider)(at(x), at(eps), noise === undefined ? -1 : at(noise), at(out), size, denoiseScalars(attrs));
    return out;
  });
  register(N.denoiseGrad, ({ provider, inputs: { x, eps, dy }, attrs, at, output }) => {
    const size = tf.util.sizeFromShape(x.shape);
    requireFloat32(`${N.denoiseGrad} x`, x);
    requireFloat32(`${N.denoiseGrad} eps`, eps, size);
    requireFloat32(`${N.denoiseGrad} dy`, dy, size);
    const dx = output(x.shape);
    const dEps = output(x.shape);
    const grad = provider.denoiseGrad;
    if (grad === null) throw new Error(`${N.denoiseGrad}: the '${provider.name}' kernels have no fused denoise step`);
    grad(at(x), at(eps), at(dy), at(dx), at(dEps), size, denoiseScalars(attrs));
    return [dx, dEps];
  });
}

function denoiseOf(provider: KernelProvider): NonNullable<KernelProvider['denoise']> {
  if (provider.denoise === null)
    throw new Error(`${KERNEL_NAMES.denoise}: the '${provider.name}' kernels have no fused denoise step`);
  return provider.denoise;
}

function denoiseScalars(attrs: Readonly<Record<string, unknown>>): DenoiseScalars {
  const num = (key: keyof DenoiseScalars) => attrs[key] as number;
  return {
    inputScale: num('inputScale'),
    noiseScale: num('noiseScale'),
    meanFromClean: num('meanFromClean'),
    meanFromInput: num('meanFromInput'),
    sigma: num('sigma'),
    clip: num('clip'),
  };
}

/**
 * tfjs-backend-wasm's own kernels that llmdpd's kernels replace while they are on (see
 * {@link overrideStockKernels}), by name.
 *
 * `Identity`: tfjs clones every tensor a custom gradient saves, and the wasm backend's Identity
 * copies the data, about 240 copies per Diffusion-QL training step, most of them 256×256.
 * Tensors are immutable (no kernel writes into its inputs; `Variable.assign` swaps data ids), so
 * the clone may share the data and count a reference instead, exactly as the backend's own
 * `Reshape` does and as tfjs's cpu and webgl backends' `Identity` do.
 *
 * `Concat`: the wasm backend concatenates with one JavaScript slice per row and input (27 µs for
 * two `[256, 3]` tensors); providers with a native concatenation do it in one call. Other
 * dtypes, shapes and input counts go to the stock kernel.
 *
 * The element-wise binary kernels (`Add`, `Multiply`, comparisons, …; see `engine/binary-ops.ts`):
 * the same C functions, called without the two ArrayBuffers the stock kernels allocate per call.
 */
const stockKernels = new Map<string, tf.KernelConfig>();

function sharingIdentity({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const x = inputs['x'] as tf.TensorInfo;
  (backend as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function nativeConcat(args: {
  inputs: tf.NamedTensorInfoMap;
  attrs?: tf.NamedAttrMap;
  backend: unknown;
}): tf.TensorInfo {
  const stock = stockKernels.get('Concat')!;
  const state = customKernelsActive() ? installed : null;
  const concat = state?.provider.concat ?? null;
  const tensors = Object.values(args.inputs) as tf.TensorInfo[];
  const rank = tensors[0]?.shape.length ?? 0;
  if (concat === null || state === null || tensors.length < 1 || tensors.length > 14 || rank === 0)
    return stock.kernelFunc(args as never) as tf.TensorInfo;
  const axis = tf.util.parseAxisParam(args.attrs?.['axis'] as number, tensors[0].shape)[0];
  const shape = [...tensors[0].shape];
  shape[axis] = 0;
  for (const t of tensors) {
    const sameOtherDims = t.shape.length === rank && t.shape.every((d, i) => i === axis || d === tensors[0].shape[i]);
    if (t.dtype !== 'float32' || !sameOtherDims) return stock.kernelFunc(args as never) as tf.TensorInfo;
    shape[axis] += t.shape[axis];
  }
  const outer = tf.util.sizeFromShape(shape.slice(0, axis));
  const out = state.backend.makeOutput(shape, 'float32');
  const at = (info: tf.TensorInfo) => offsetOf(state.backend, info);
  concat(
    tensors.map(at),
    tensors.map((t) => tf.util.sizeFromShape(t.shape.slice(axis))),
    outer,
    at(out),
  );
  return out;
}

/** Replaces (on) or restores (off) the stock wasm kernels listed at {@link stockKernels}. */
function overrideStockKernels(on: boolean, provider: KernelProvider | null): void {
  const replacements: [string, tf.KernelFunc | null][] = [
    ['Identity', sharingIdentity],
    ['Concat', provider?.concat ? nativeConcat : null],
    ...Object.keys(BINARY_KERNELS).map((name): [string, tf.KernelFunc] => [
      name,
      binaryKernel(
        name,
        () => (installed?.backend ?? null) as BinaryOpsBackend | null,
        () => stockKernels.get(name),
      ),
    ]),
  ];
  for (const [kernelName, kernelFunc] of replacements) {
    const want = on && kernelFunc !== null;
    const stock = stockKernels.get(kernelName);
    if (want && stock === undefined) {
      const original = tf.getKernel(kernelName, 'wasm');
      if (original === undefined) continue;
      stockKernels.set(kernelName, original);
      tf.unregisterKernel(kernelName, 'wasm');
      tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc });
    } else if (!want && stock !== undefined) {
      tf.unregisterKernel(kernelName, 'wasm');
      tf.registerKernel(stock);
      stockKernels.delete(kernelName);
    }
  }
}

/** The active backend's wasm memory, when it is the single-threaded tfjs-backend-wasm, else why not. */
export function activeWasmMemory(): { readonly memory: WasmMemory; readonly backend: object } | string {
  const backend = tf.backend() as unknown as Partial<WasmBackendInternals>;
  if (tf.getBackend() !== 'wasm') return `the active backend is '${tf.getBackend()}', not 'wasm'`;
  if (typeof SharedArrayBuffer !== 'undefined' && backend.wasm?.HEAPU8?.buffer instanceof SharedArrayBuffer) {
    return 'the threaded wasm build is active (its XNNPACK pool is used instead)';
  }
  const memory = backend.wasm?.asm?.memory;
  if (
    !(memory instanceof webAssembly.Memory) ||
    typeof backend.makeOutput !== 'function' ||
    backend.dataIdMap === undefined
  ) {
    return 'this tfjs-backend-wasm build does not expose its memory';
  }
  return { memory, backend };
}

/**
 * Turns the installed kernels back on when they belong to the active backend and are of the
 * set `name` (a repeated `initEngine` with the same choice).
 * @returns whether they were.
 */
export function reenableInstalled(name: KernelSetName): boolean {
  const target = activeWasmMemory();
  if (typeof target === 'string' || installed?.backend !== target.backend || installed.provider.name !== name)
    return false;
  enabled = true;
  overrideStockKernels(true, installed.provider);
  return true;
}

/**
 * Installs a kernel provider on the active single-threaded wasm backend, registers the kernels
 * (once) and runs the self-test.
 * @returns null when installed and verified, else why not (the kernels are then off).
 */
export function installKernels(provider: KernelProvider): string | null {
  const target = activeWasmMemory();
  if (typeof target === 'string') return target;
  const previous = installed;
  installed = { provider, backend: target.backend as WasmBackendInternals };
  registerKernels();
  enabled = true;
  const failure = selfTest();
  if (failure !== null) {
    enabled = false;
    overrideStockKernels(false, null);
    installed = previous;
    return `self-test failed (${failure}); this tfjs-backend-wasm version may lay out its tensors differently`;
  }
  overrideStockKernels(true, provider);
  return null;
}

/** op(A)·op(B) + bias in float64 for the self-test, row-major. */
function referenceProduct(
  a: readonly number[],
  b: readonly number[],
  [m, n, k]: readonly [number, number, number],
  transposeA: boolean,
  transposeB: boolean,
  bias: readonly number[],
): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias[j];
      for (let p = 0; p < k; p++)
        s += (transposeA ? a[p * m + i] : a[i * k + p]) * (transposeB ? b[j * k + p] : b[p * n + j]);
      out.push(s);
    }
  }
  return out;
}

function differs(got: ArrayLike<number>, want: readonly number[], tolerance: number): boolean {
  return want.some((w, i) => !(Math.abs(got[i] - w) <= tolerance * (1 + Math.abs(w))));
}

/**
 * The in-place updates use more of the backend's internals (reference counts and the C++ tensor
 * table): an Adam step in place on a stock matMul's operand must change what the product gives.
 */
function inPlaceSelfTest(): string | null {
  const backend = current().backend;
  if (
    typeof backend.refCount !== 'function' ||
    typeof backend.dataIdNextNumber !== 'number' ||
    typeof backend.wasm.tfjs?.registerTensor !== 'function' ||
    typeof backend.wasm.tfjs?.disposeData !== 'function'
  )
    return 'the backend has no reference counts or tensor table for the in-place updates';
  const [table, m, v] = tf.tidy(() => [
    tf.variable(tf.tensor2d([1, 2, 3, 4], [2, 2]), false),
    tf.variable(tf.zeros([2, 2]), false),
    tf.variable(tf.ones([2, 2]), false),
  ]);
  try {
    const identity = tf.tensor2d([1, 0, 0, 1], [2, 2]);
    tf.matMul(identity, table).dataSync(); // the stock kernel caches the packed table
    const scalars = { beta1: 0, beta2: 0, stepSize: 1, epsilonHat: 0, gradScale: 1 }; // w − sign(g)
    if (!wasmAdamInPlace(table, tf.tensor2d([1, 1, -1, -1], [2, 2]), m, v, scalars))
      return 'an unshared variable was not updated in place';
    const got = tf.matMul(identity, table).dataSync();
    if (differs(got, [0, 1, 4, 5], 0)) return `a product after an in-place update gave [${Array.from(got).join(', ')}]`;
    return null;
  } finally {
    tf.dispose([table, m, v]);
  }
}

/**
 * Runs every kernel once on small known inputs and compares with plain JavaScript arithmetic:
 * the kernels read tfjs-backend-wasm's internal tensor table, and the native ones are compiled
 * on the user's machine, so a backend version that changed the table, or a miscompiled build,
 * must turn them off rather than compute garbage. The products cover both GEMM paths of the
 * native kernels (1-4 columns, and the tiled one) in all four transpose modes; their integer
 * inputs make every result exact.
 * @returns null on success, else what differed.
 */
function selfTest(): string | null {
  tf.engine().startScope();
  try {
    for (const [m, n, k] of [
      [2, 2, 3],
      [5, 9, 7],
    ] as const) {
      const a = Array.from({ length: m * k }, (_, i) => ((i * 7) % 11) - 5);
      const b = Array.from({ length: k * n }, (_, i) => ((i * 5) % 9) - 4);
      const bias = Array.from({ length: n }, (_, j) => j - 1);
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          const got = wasmMatMul(
            tf.tensor2d(a, transposeA ? [k, m] : [m, k]),
            tf.tensor2d(b, transposeB ? [n, k] : [k, n]),
            transposeA,
            transposeB,
            tf.tensor1d(bias),
          ).dataSync();
          const want = referenceProduct(a, b, [m, n, k], transposeA, transposeB, bias);
          if (differs(got, want, 0))
            return `matMul ${m}×${n}×${k} (transposeA ${transposeA}, transposeB ${transposeB}) gave [${Array.from(got).join(', ')}], expected [${want.join(', ')}]`;
        }
      }
    }
    const sums = wasmColumnSums(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2])).dataSync();
    if (differs(sums, [9, 12], 0)) return `column sums gave [${Array.from(sums).join(', ')}], expected [9, 12]`;
    const xs = [-3, -0.5, 0, 1, 2.5];
    const mishRef = xs.map((x) => x * Math.tanh(Math.log1p(Math.exp(x))));
    const mishGot = wasmMish(tf.tensor1d(xs)).dataSync();
    if (differs(mishGot, mishRef, 1e-5)) return `Mish gave [${Array.from(mishGot).join(', ')}]`;
    const gradRef = xs.map((x) => {
      const t = Math.tanh(Math.log1p(Math.exp(x)));
      return 2 * (t + (x / (1 + Math.exp(-x))) * (1 - t * t));
    });
    const gradGot = wasmMishGrad(tf.fill([5], 2), tf.tensor1d(xs)).dataSync();
    if (differs(gradGot, gradRef, 1e-5)) return `the Mish gradient gave [${Array.from(gradGot).join(', ')}]`;
    const [w, m, v] = wasmAdam(
      tf.tensor1d([1, -1]),
      tf.tensor1d([0.5, 2]),
      tf.tensor1d([0, 0.25]),
      tf.tensor1d([1, 0]),
      {
        beta1: 0.5,
        beta2: 0.75,
        stepSize: 0.5,
        epsilonHat: 0,
        gradScale: 2,
      },
    ).map((t) => t.dataSync());
    // g' = [1, 4]; m' = [0.5, 2.125]; v' = [1, 4]; w' = w − 0.5·m'/√v'
    if (differs(m, [0.5, 2.125], 1e-6) || differs(v, [1, 4], 1e-6) || differs(w, [0.75, -1.53125], 1e-6))
      return `Adam gave w [${Array.from(w).join(', ')}], m [${Array.from(m).join(', ')}], v [${Array.from(v).join(', ')}]`;
    const squares = wasmSumOfSquares(tf.tensor1d([1, 2, 3, 4, 5]));
    if (squares !== 55) return `the sum of squares gave ${squares}, expected 55`;
    return inPlaceSelfTest() ?? denoiseSelfTest();
  } finally {
    tf.engine().endScope();
  }
}

function denoiseSelfTest(): string | null {
  if (!fusedDenoiseActive()) return null;
  const s: DenoiseScalars = {
    inputScale: 2,
    noiseScale: 0.5,
    meanFromClean: 0.25,
    meanFromInput: 0.5,
    sigma: 0.125,
    clip: 1,
  };
  const x = tf.tensor1d([0.25, 1, -1]);
  const eps = tf.tensor1d([0, 1, 2]);
  // x0 = clip(2x − ε/2) = [0.5, 1, −1] (the last two clipped); out = x0/4 + x/2 + z/8
  const out = wasmDenoise(x, eps, tf.tensor1d([8, 0, -8]), s).dataSync();
  if (differs(out, [1.25, 0.75, -1.75], 1e-6)) return `the denoise step gave [${Array.from(out).join(', ')}]`;
  const [dx, dEps] = wasmDenoiseGrad(x, eps, tf.tensor1d([1, 1, 1]), s).map((t) => t.dataSync());
  if (differs(dx, [1, 0.5, 0.5], 1e-6) || differs(dEps, [-0.125, 0, 0], 1e-6))
    return `the denoise gradient gave dx [${Array.from(dx).join(', ')}], dε [${Array.from(dEps).join(', ')}]`;
  return null;
}

/**
 * Turns the kernels off (the tfjs ops are used, and the wasm backend's own `Identity` and `Concat`);
 * {@link installKernels} turns them on again.
 */
export function disableWasmKernels(): void {
  enabled = false;
  overrideStockKernels(false, null);
}

/** True when llmdpd's kernels run the operations below on the active backend. */
export function customKernelsActive(): boolean {
  return enabled && installed !== null && tf.backend() === (installed.backend as unknown);
}

/** The kernel set in use on the active backend: a native set, `'wasm'`, or `'tfjs'` when they are off. */
export function activeKernelSet(): KernelSetName {
  return customKernelsActive() ? installed!.provider.name : 'tfjs';
}

/** True when the active kernels include the fused reverse-diffusion step ({@link wasmDenoise}). */
export function fusedDenoiseActive(): boolean {
  return customKernelsActive() && installed!.provider.denoise !== null;
}

/**
 * op(A)·op(B) (+ bias) in one kernel, where op transposes when asked; A and B are 2-D, the bias
 * is `[n]`. Requires {@link customKernelsActive}. Not differentiable by itself: use it inside
 * `tf.customGrad` functions, as the dense layers do.
 * @remarks Returns a new tensor; the caller owns it.
 */
export function wasmMatMul(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  transposeA = false,
  transposeB = false,
  bias?: tf.Tensor1D,
): tf.Tensor2D {
  const inputs: tf.NamedTensorMap = bias === undefined ? { a, b } : { a, b, bias };
  return tf.engine().runKernel<tf.Tensor2D>(KERNEL_NAMES.matMul, inputs, { transposeA, transposeB });
}

/**
 * A dense layer's forward product in one kernel: `act(x·W + bias)`; with Mish, also the value
 * before it (what Mish's gradient needs), as `[y, z]`. Requires {@link customKernelsActive}.
 * @remarks Returns new tensors; the caller owns them.
 */
export function wasmDenseForward(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D | undefined,
  activation: 'linear' | 'mish',
): { y: tf.Tensor2D; z: tf.Tensor2D | null } {
  const inputs: tf.NamedTensorMap = bias === undefined ? { a: x, b: kernel } : { a: x, b: kernel, bias };
  const attrs = { transposeA: false, transposeB: false, activation, keepPreActivation: activation === 'mish' };
  if (activation === 'linear')
    return { y: tf.engine().runKernel<tf.Tensor2D>(KERNEL_NAMES.matMul, inputs, attrs), z: null };
  const [y, z] = tf.engine().runKernel(KERNEL_NAMES.matMul, inputs, attrs) as unknown as [tf.Tensor2D, tf.Tensor2D];
  return { y, z };
}

/**
 * op(A)·B together with the column sums of B in one kernel: a dense layer's weight gradient
 * `xᵀ·dz` and bias gradient `1ᵀ·dz`. Requires {@link customKernelsActive}.
 * @remarks Returns new tensors `[product, sums]`; the caller owns them.
 */
export function wasmMatMulWithColumnSums(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  transposeA = false,
): [tf.Tensor2D, tf.Tensor1D] {
  return tf
    .engine()
    .runKernel(KERNEL_NAMES.matMul, { a, b }, { transposeA, transposeB: false, columnSumsOfB: true }) as unknown as [
    tf.Tensor2D,
    tf.Tensor1D,
  ];
}

/** Column sums of a 2-D tensor, `[n]` (a shared bias's gradient). Requires {@link customKernelsActive}. */
export function wasmColumnSums(x: tf.Tensor2D): tf.Tensor1D {
  return tf.engine().runKernel<tf.Tensor1D>(KERNEL_NAMES.columnSums, { x });
}

/** Mish(x) in one pass. Requires {@link customKernelsActive}; not differentiable by itself. */
export function wasmMish<T extends tf.Tensor>(x: T): T {
  return tf.engine().runKernel<T>(KERNEL_NAMES.mish, { x });
}

/** dy · Mish′(x) in one pass. Requires {@link customKernelsActive}. */
export function wasmMishGrad<T extends tf.Tensor>(dy: T, x: T): T {
  return tf.engine().runKernel<T>(KERNEL_NAMES.mishGrad, { dy, x });
}

/**
 * One Adam step of one tensor in one pass: returns the new weights and moments
 * `[w′, m′, v′]`. Requires {@link customKernelsActive}.
 * @remarks Returns new tensors; the caller owns them.
 */
export function wasmAdam(
  w: tf.Tensor,
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  scalars: AdamStepScalars,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(KERNEL_NAMES.adam, { w, g, m, v }, { ...scalars }) as unknown as [
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
  ];
}

/** A fresh object per in-place write, keyed by the data written: see {@link valuesVersion}. */
const inPlaceVersions = new WeakMap<object, object>();

/**
 * An object that stays the same exactly as long as the tensor's values do: its data id, or,
 * once its data has been overwritten in place ({@link wasmAdamInPlace}, {@link wasmBlendInPlace}),
 * a new object per overwrite. Caches of values computed from variables compare it by identity
 * (`Variable.assign` gives a variable a new data id; an in-place update keeps the id).
 */
export function valuesVersion(t: tf.Tensor): object {
  return inPlaceVersions.get(t.dataId) ?? t.dataId;
}

/**
 * Records that `t`'s data was overwritten in place. Our caches see a new {@link valuesVersion};
 * the backend's C++ side sees a new tensor id for the same memory, because XNNPACK caches the
 * packed weights of a stock `BatchMatMul` (or convolution) operand by that id and would
 * otherwise keep multiplying by the old values.
 */
function markOverwritten(backend: WasmBackendInternals, t: tf.Tensor): void {
  inPlaceVersions.set(t.dataId, {});
  const data = backend.dataIdMap.get(t.dataId)!;
  const id = backend.dataIdNextNumber++;
  backend.wasm.tfjs.registerTensor(id, t.size, data.memoryOffset);
  backend.wasm.tfjs.disposeData(data.id); // drops the old id's table entry and cached operators; frees no memory
  data.id = id;
}

/**
 * Whether every tensor's data is referenced by that tensor alone: no clone (tfjs's `Identity`
 * shares data here), reshaped view or variable assigned from it shares it, so overwriting it
 * changes no other tensor.
 */
function soleOwners(backend: WasmBackendInternals, tensors: readonly tf.Tensor[]): boolean {
  return tensors.every((t) => backend.refCount(t.dataId) === 1);
}

/**
 * One Adam step of one variable in place: the data of `w`, `m` and `v` is overwritten with w′, m′
 * and v′, the numbers {@link wasmAdam} returns, to the bit, with no new tensor and no kernel call
 * through tfjs (so it is neither taped nor profiled). Requires {@link customKernelsActive}.
 * @returns false, with nothing changed, when the data of `w`, `m` or `v` is shared with another
 * tensor (a clone, a reshaped view, a variable assigned from it, as `hardUpdate` does), which
 * overwriting would change too: the caller then uses {@link wasmAdam} and `assign`.
 * @throws {@link ShapeError} for a tensor that is not float32 or a size that differs from w's.
 */
export function wasmAdamInPlace(
  w: tf.Tensor,
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  scalars: AdamStepScalars,
): boolean {
  const state = current();
  const size = w.size;
  requireAdamOperands('wasmAdamInPlace', { w, g, m, v }, size);
  // (g sharing data with w, m or v would count for that one; it is checked anyway, as the native
  // kernels refuse an output that overlaps another input.)
  if (!soleOwners(state.backend, [w, m, v]) || [w, m, v].some((t) => t.dataId === g.dataId)) return false;
  const [wAt, mAt, vAt] = [w, m, v].map((t) => offsetOf(state.backend, t));
  state.provider.adam(wAt, offsetOf(state.backend, g), mAt, vAt, [wAt, mAt, vAt], size, scalars);
  for (const t of [w, m, v]) markOverwritten(state.backend, t);
  return true;
}

/**
 * Σx² over the tensor, summed in float64, read synchronously (the wasm backend computes on the
 * calling thread, so this costs no device round trip). Requires {@link customKernelsActive}.
 * @throws {@link ShapeError} for a tensor that is not float32.
 */
export function wasmSumOfSquares(x: tf.Tensor): number {
  const state = current();
  requireFloat32('wasmSumOfSquares', x);
  return state.provider.sumSquares(offsetOf(state.backend, x), x.size);
}

/** True when the active kernels include {@link wasmBlend}. */
export function fusedBlendActive(): boolean {
  return customKernelsActive() && installed!.provider.blend !== null;
}

/**
 * `a·x_i + b·y_i` for every pair, in one kernel (Polyak and EMA averaging of a network's
 * variables). Requires {@link fusedBlendActive}.
 * @remarks Returns new tensors, one per pair; the caller owns them.
 */
export function wasmBlend(xs: readonly tf.Tensor[], ys: readonly tf.Tensor[], a: number, b: number): tf.Tensor[] {
  const inputs: tf.NamedTensorMap = {};
  xs.forEach((x, i) => {
    inputs[`x${i}`] = x;
    inputs[`y${i}`] = ys[i];
  });
  return tf.engine().runKernel<tf.Tensor[]>(KERNEL_NAMES.blend, inputs, { a, b, count: xs.length });
}

/**
 * `target ← a·source + b·target` in place, the numbers of {@link wasmBlend} to the bit, with no
 * new tensor (Polyak and EMA averaging into a target network's variable). Requires
 * {@link fusedBlendActive}.
 * @returns false, with nothing changed, when the target's data is shared with another tensor
 * (for example the source, right after a hard copy) or is the source's: the caller then uses
 * {@link wasmBlend} and `assign`.
 * @throws {@link ShapeError} for a tensor that is not float32 or sizes that differ.
 */
export function wasmBlendInPlace(target: tf.Tensor, source: tf.Tensor, a: number, b: number): boolean {
  const state = current();
  const blend = state.provider.blend;
  if (blend === null) throw new Error(`wasmBlendInPlace: the '${state.provider.name}' kernels have no blend`);
  requireFloat32('wasmBlendInPlace target', target);
  requireFloat32('wasmBlendInPlace source', source, target.size);
  if (!soleOwners(state.backend, [target]) || target.dataId === source.dataId) return false;
  const targetAt = offsetOf(state.backend, target);
  blend(offsetOf(state.backend, source), targetAt, targetAt, target.size, a, b);
  markOverwritten(state.backend, target);
  return true;
}

/**
 * One reverse-diffusion step in one pass (see {@link DenoiseScalars}); `noise` (z) may be
 * omitted for the last step. Requires {@link fusedDenoiseActive}; not differentiable by itself
 * (`nets/denoise-step.ts` wraps it with its gradient).
 * @remarks Returns a new tensor; the caller owns it.
 */
export function wasmDenoise<T extends tf.Tensor>(x: T, eps: T, noise: T | undefined, scalars: DenoiseScalars): T {
  const inputs: tf.NamedTensorMap = noise === undefined ? { x, eps } : { x, eps, noise };
  return tf.engine().runKernel<T>(KERNEL_NAMES.denoise, inputs, { ...scalars });
}

/**
 * Gradients of {@link wasmDenoise} with respect to x and ε, given the upstream gradient dy:
 * `[dx, dε]` (the clipped entries of x̂₀ pass no gradient). Requires {@link fusedDenoiseActive}.
 * @remarks Returns new tensors; the caller owns them.
 */
export function wasmDenoiseGrad<T extends tf.Tensor>(x: T, eps: T, dy: T, scalars: DenoiseScalars): [T, T] {
  return tf.engine().runKernel(KERNEL_NAMES.denoiseGrad, { x, eps, dy }, { ...scalars }) as unknown as [T, T];
}
