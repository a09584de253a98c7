/**
 * llmdpd's own wasm kernels for the operations that dominate a diffusion-policy training step:
 * matrix products (with either operand transposed, and a bias), column sums, Mish and its
 * gradient, one Adam step and a sum of squares. They run on the single-threaded
 * tfjs-backend-wasm, on tensors in the backend's own memory: the module
 * (`assets/wasm/llmdpd-kernels.wasm`, built from `native/wasm/kernels.c`) imports that memory,
 * so no data is copied in or out.
 *
 * Why: XNNPACK, which runs tfjs-wasm's products, packs the right-hand operand into a new
 * operator for every new tensor (every weight after an optimiser step, every activation
 * gradient), and tfjs's transposed products fall back to a slow generic loop. Measured on this
 * project's 2-core machine (256×256×256 float32, 1 thread): XNNPACK 1.10 ms for a cached operand,
 * 1.36-1.63 ms for a fresh one, plus 0.12 ms per explicit transpose; these kernels 0.85-0.96 ms
 * in every case, packing included. Mish is one pass instead of five kernels, Adam one instead of
 * ten.
 *
 * They depend on tfjs-backend-wasm internals (its memory object, tensor table and `makeOutput`),
 * so installing them checks the module's ABI number and runs a self-test on known inputs; if
 * either fails, the stock tfjs ops are used and `EngineInfo.skipped` says why.
 *
 * The kernels are registered with tfjs under their own names, so they take part in `tidy`,
 * memory accounting and profiling like any other kernel. Callers check {@link customKernelsActive}
 * and use tfjs ops otherwise (other backends, the threaded wasm build, `kernels: 'tfjs'`).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ShapeError } from '../core/errors.js';
import { firstLine } from './backends.js';

/** The WebAssembly API this module needs (the project compiles without the DOM typings). */
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WasmApi {
  readonly Memory: abstract new (...args: never[]) => WasmMemory;
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: object } }>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Exports of the compiled kernel module. Pointers are byte offsets into the backend's memory. */
interface KernelExports {
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

/** The parts of tfjs-backend-wasm's backend object the kernels use. */
interface WasmBackendInternals {
  readonly wasm: {
    readonly asm: { readonly memory: WasmMemory };
    readonly HEAPU8: Uint8Array;
    _malloc(bytes: number): number;
    _free(pointer: number): void;
  };
  readonly dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** Kernel names, as registered with tfjs for the `'wasm'` backend. */
export const KERNEL_NAMES = Object.freeze({
  matMul: 'LlmdpdMatMul',
  columnSums: 'LlmdpdColumnSums',
  mish: 'LlmdpdMish',
  mishGrad: 'LlmdpdMishGrad',
  adam: 'LlmdpdAdam',
});

/** Signature version this file calls; `kernels_abi()` of the module must return the same. */
const KERNEL_ABI = 3;

/** Where the compiled module ships, relative to this file in both `src/engine` and `dist/engine`. */
const MODULE_URL = new URL('../../assets/wasm/llmdpd-kernels.wasm', import.meta.url);

interface Installed {
  readonly exports: KernelExports;
  readonly backend: WasmBackendInternals;
  scratch: number;
  scratchFloats: number;
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

function scratchFor(state: Installed, floats: number): number {
  if (floats > state.scratchFloats) {
    if (state.scratch !== 0) state.backend.wasm._free(state.scratch);
    const size = Math.max(floats, state.scratchFloats * 2);
    state.scratch = state.backend.wasm._malloc(size * 4 + 16);
    state.scratchFloats = state.scratch === 0 ? 0 : size;
    if (state.scratch === 0)
      throw new Error(
        `llmdpd kernels: the wasm heap cannot hold ${size * 4} bytes of scratch space (4 GiB is the wasm32 limit)`,
      );
  }
  // 16-byte alignment for the packed panels
  return (state.scratch + 15) & ~15;
}

/** The kernels read raw memory: every shape is checked first, so a mistake is an error, not corruption. */
function requireFloat32(name: string, info: tf.TensorInfo, size?: number): void {
  if (info.dtype !== 'float32') throw new ShapeError(`${name}: expected a float32 tensor, got ${info.dtype}.`);
  if (size !== undefined && tf.util.sizeFromShape(info.shape) !== size) {
    throw new ShapeError(`${name}: expected ${size} elements, got shape [${info.shape.join(', ')}].`);
  }
}

function current(): Installed {
  if (installed === null) throw new Error('llmdpd kernels are not installed; call initEngine() first');
  return installed;
}

/** What a kernel body gets: the installed module, its inputs and attributes, and a pointer lookup. */
interface KernelCall {
  readonly state: Installed;
  readonly inputs: Record<string, tf.TensorInfo>;
  readonly attrs: Readonly<Record<string, unknown>>;
  /** Byte offset of a tensor's data in the backend's memory. */
  at(info: tf.TensorInfo): number;
  /** A new float32 output of this shape, allocated by the backend. */
  output(shape: readonly number[]): tf.TensorInfo;
}

function register(kernelName: string, body: (call: KernelCall) => tf.TensorInfo | tf.TensorInfo[]): void {
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const state = current();
      return body({
        state,
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
  register(N.matMul, ({ state, inputs: { a, b, bias }, attrs, at, output }) => {
    const transposeA = attrs['transposeA'] === true;
    const transposeB = attrs['transposeB'] === true;
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
    requireFloat32(N.matMul, a);
    requireFloat32(N.matMul, b);
    if (bias !== undefined) {
      requireFloat32(`${N.matMul} bias`, bias, n);
      if (bias.shape.length !== 1)
        throw new ShapeError(`${N.matMul}: the bias must be [${n}], got [${bias.shape.join(', ')}].`);
    }
    const out = output([m, n]);
    const scratch = scratchFor(state, state.exports.gemm_scratch_floats(m, n, k, transposeA ? 1 : 0));
    state.exports.gemm(
      m,
      n,
      k,
      at(a),
      transposeA ? 1 : 0,
      at(b),
      transposeB ? 1 : 0,
      bias === undefined ? 0 : at(bias),
      at(out),
      scratch,
    );
    return out;
  });
  register(N.columnSums, ({ state, inputs: { x }, at, output }) => {
    requireFloat32(N.columnSums, x);
    if (x.shape.length !== 2)
      throw new ShapeError(`${N.columnSums}: expected a 2-D tensor, got [${x.shape.join(', ')}].`);
    const [m, n] = x.shape as [number, number];
    const out = output([n]);
    state.exports.column_sums(at(x), m, n, at(out));
    return out;
  });
  register(N.mish, ({ state, inputs: { x }, at, output }) => {
    requireFloat32(N.mish, x);
    const out = output(x.shape);
    state.exports.mish_forward(at(x), at(out), tf.util.sizeFromShape(x.shape));
    return out;
  });
  register(N.mishGrad, ({ state, inputs: { dy, x }, at, output }) => {
    const size = tf.util.sizeFromShape(x.shape);
    requireFloat32(N.mishGrad, x);
    requireFloat32(`${N.mishGrad} dy`, dy, size);
    const out = output(x.shape);
    state.exports.mish_backward(at(dy), at(x), at(out), size);
    return out;
  });
  register(N.adam, ({ state, inputs: { w, g, m, v }, attrs, at, output }) => {
    const size = tf.util.sizeFromShape(w.shape);
    for (const [name, t] of [
      ['w', w],
      ['g', g],
      ['m', m],
      ['v', v],
    ] as const)
      requireFloat32(`${N.adam} ${name}`, t, size);
    const outs = [output(w.shape), output(w.shape), output(w.shape)] as const;
    const num = (key: string) => attrs[key] as number;
    const [b1, b2] = [num('beta1'), num('beta2')];
    state.exports.adam(
      at(w),
      at(g),
      at(m),
      at(v),
      at(outs[0]),
      at(outs[1]),
      at(outs[2]),
      size,
      b1,
      1 - b1,
      b2,
      1 - b2,
      num('stepSize'),
      num('epsilonHat'),
      num('gradScale'),
    );
    return [...outs];
  });
}

/**
 * Loads the kernel module into the active single-threaded wasm backend and turns the kernels on.
 * Called by `initEngine`; safe to call again.
 * @returns null when installed, else why not (the tfjs ops are then used; nothing else changes).
 */
export async function installWasmKernels(): Promise<string | null> {
  const backend = tf.backend() as unknown as Partial<WasmBackendInternals>;
  if (tf.getBackend() !== 'wasm') return `the active backend is '${tf.getBackend()}', not 'wasm'`;
  if (typeof SharedArrayBuffer !== 'undefined' && backend.wasm?.HEAPU8?.buffer instanceof SharedArrayBuffer) {
    return 'the threaded wasm build is active (its XNNPACK pool is used instead)';
  }
  const memory = backend.wasm?.asm?.memory;
  if (
    !(memory instanceof wasmApi.Memory) ||
    typeof backend.makeOutput !== 'function' ||
    backend.dataIdMap === undefined
  ) {
    return 'this tfjs-backend-wasm build does not expose its memory';
  }
  if (installed?.backend === backend) {
    enabled = true;
    return null;
  }
  try {
    const bytes = readFileSync(fileURLToPath(MODULE_URL));
    const { instance } = await wasmApi.instantiate(bytes, { env: { memory } });
    const exports = instance.exports as unknown as KernelExports;
    const abi = typeof exports.kernels_abi === 'function' ? exports.kernels_abi() : 0;
    if (abi !== KERNEL_ABI)
      return `${fileURLToPath(MODULE_URL)} has kernel ABI ${abi}, this code needs ${KERNEL_ABI} (rebuild it with scripts/build-wasm-kernels.sh)`;
    installed = { exports, backend: backend as WasmBackendInternals, scratch: 0, scratchFloats: 0 };
  } catch (error) {
    return `could not load ${fileURLToPath(MODULE_URL)}: ${firstLine(error)}`;
  }
  registerKernels();
  enabled = true;
  const failure = selfTest();
  if (failure !== null) {
    enabled = false;
    return `self-test failed (${failure}); this tfjs-backend-wasm version may lay out its tensors differently`;
  }
  return null;
}

/**
 * Runs each kernel once on small known inputs and compares with plain JavaScript arithmetic:
 * the kernels read tfjs-backend-wasm's internal tensor table, so a backend version that changed
 * it must turn them off rather than compute garbage.
 * @returns null on success, else what differed.
 */
function selfTest(): string | null {
  tf.engine().startScope();
  try {
    const a = [1, 2, 3, 4, 5, 6]; // [2, 3]
    const b = [1, -1, 0.5, 2, 0, 1]; // [3, 2]
    const product = Array.from(
      wasmMatMul(tf.tensor2d(a, [2, 3]), tf.tensor2d(b, [3, 2]), false, false, tf.tensor1d([0.25, -0.25])).dataSync(),
    );
    const want = [1 + 1 + 0 + 0.25, -1 + 4 + 3 - 0.25, 4 + 2.5 + 0 + 0.25, -4 + 10 + 6 - 0.25];
    if (product.some((v, i) => Math.abs(v - want[i]) > 1e-5))
      return `matMul gave [${product.join(', ')}], expected [${want.join(', ')}]`;
    const mish = wasmMish(tf.tensor1d([1])).dataSync()[0];
    if (Math.abs(mish - Math.tanh(Math.log1p(Math.E))) > 1e-5) return `Mish(1) gave ${mish}`;
    return null;
  } finally {
    tf.engine().endScope();
  }
}

/** Turns the kernels off (the tfjs ops are used); {@link installWasmKernels} turns them on again. */
export function disableWasmKernels(): void {
  enabled = false;
}

/** True when the llmdpd wasm kernels run the operations below on the active backend. */
export function customKernelsActive(): boolean {
  return enabled && installed !== null && tf.backend() === (installed.backend as unknown);
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
  return tf.engine().runKernel(KERNEL_NAMES.matMul, inputs, { transposeA, transposeB }) as tf.Tensor2D;
}

/** Column sums of a 2-D tensor, `[n]` (a shared bias's gradient). Requires {@link customKernelsActive}. */
export function wasmColumnSums(x: tf.Tensor2D): tf.Tensor1D {
  return tf.engine().runKernel(KERNEL_NAMES.columnSums, { x }) as tf.Tensor1D;
}

/** Mish(x) in one pass. Requires {@link customKernelsActive}; not differentiable by itself. */
export function wasmMish<T extends tf.Tensor>(x: T): T {
  return tf.engine().runKernel(KERNEL_NAMES.mish, { x }) as T;
}

/** dy · Mish′(x) in one pass. Requires {@link customKernelsActive}. */
export function wasmMishGrad<T extends tf.Tensor>(dy: T, x: T): T {
  return tf.engine().runKernel(KERNEL_NAMES.mishGrad, { dy, x }) as T;
}

/** Scalars of one {@link wasmAdam} step. */
export interface AdamStepScalars {
  /** β₁. */
  readonly beta1: number;
  /** β₂. */
  readonly beta2: number;
  /** lr·√(1−β₂ᵗ)/(1−β₁ᵗ): the learning rate with both bias corrections folded in. */
  readonly stepSize: number;
  /** ε·√(1−β₂ᵗ). */
  readonly epsilonHat: number;
  /** Factor applied to the gradient first (global-norm clipping; 1 for none). */
  readonly gradScale: number;
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

/**
 * Σx² over the tensor, summed in float64, read synchronously (the wasm backend computes on the
 * calling thread, so this costs no device round trip). Requires {@link customKernelsActive}.
 */
export function wasmSumOfSquares(x: tf.Tensor): number {
  const state = current();
  return state.exports.sum_squares(offsetOf(state.backend, x), x.size);
}
