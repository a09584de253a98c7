/**
 * tfjs-backend-wasm's element-wise binary kernels (`Add`, `Multiply`, `GreaterEqual`, …) called
 * without their per-call garbage.
 *
 * Why: the stock kernel hands the two operand shapes to its C function as byte arrays, built
 * with `new Uint8Array(new Int32Array(shape).buffer)`. Reading `.buffer` of a small typed array
 * makes V8 give it an off-heap backing store, so every call allocates two ArrayBuffers (plus
 * Emscripten's `ccall` copies) that V8 must track, sweep and free on its helper threads. In a
 * small Diffusion-QL or LLMDPD training step (about 100 binary ops), `perf` attributed most of
 * the helper threads' ArrayBuffer work (about 2% of the process's CPU) to this one line; on a
 * 2-core machine running two runs at once, that work competes with the runs.
 *
 * The replacement calls the same compiled C function (`asm.Add` …), with the shapes written
 * into a small scratch area of the backend's heap that is reused for every call: the same
 * arithmetic, so results are identical to the bit (`test/engine/binary-ops.test.ts`). Shapes of
 * rank above {@link MAX_RANK}, dtypes the C side does not take, and a backend without the
 * function fall back to the stock kernel.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/** The kernels replaced, with their output dtype: `'bool'` for comparisons, else the first input's. */
export const BINARY_KERNELS: Readonly<Record<string, 'bool' | null>> = Object.freeze({
  Add: null,
  Sub: null,
  Multiply: null,
  RealDiv: null,
  Maximum: null,
  Minimum: null,
  SquaredDifference: null,
  Pow: null,
  Equal: 'bool',
  NotEqual: 'bool',
  Greater: 'bool',
  GreaterEqual: 'bool',
  Less: 'bool',
  LessEqual: 'bool',
  LogicalAnd: 'bool',
  LogicalOr: 'bool',
});

/** Highest operand rank passed through the scratch area (higher ranks use the stock kernel). */
export const MAX_RANK = 8;

/** tfjs-backend-wasm's dtype codes (its `CppDType`). */
const DTYPE_CODES: Readonly<Partial<Record<tf.DataType, number>>> = { float32: 0, int32: 1, bool: 2 };

/** The parts of tfjs-backend-wasm's backend object the binary kernels use. */
export interface BinaryOpsBackend {
  readonly wasm: {
    /** The module's raw exports, the kernels' C functions among them. */
    readonly asm: Readonly<Record<string, unknown>>;
    /** A view of the heap that Emscripten renews when the memory grows. */
    readonly HEAP32: Int32Array;
    _malloc(bytes: number): number;
  };
  readonly dataIdMap: { get(dataId: object): { id: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

type BinaryFunction = (
  aId: number,
  aShape: number,
  aRank: number,
  bId: number,
  bShape: number,
  bRank: number,
  dtype: number,
  outId: number,
) => void;

/** Byte offset of each backend's scratch area: two shapes of up to {@link MAX_RANK} int32 each. */
const scratchAreas = new WeakMap<BinaryOpsBackend, number>();

function scratchOf(backend: BinaryOpsBackend): number {
  let at = scratchAreas.get(backend);
  if (at === undefined) {
    at = backend.wasm._malloc(2 * MAX_RANK * 4);
    scratchAreas.set(backend, at);
  }
  return at;
}

/**
 * The kernel function that replaces the stock `kernelName` on the wasm backend.
 * @param backendOf - the backend the kernels were installed on, or null when they are off.
 * @param stockOf - the stock kernel, for the cases handed back to it.
 */
export function binaryKernel(
  kernelName: string,
  backendOf: () => BinaryOpsBackend | null,
  stockOf: () => tf.KernelConfig | undefined,
): tf.KernelFunc {
  const outputDtype = BINARY_KERNELS[kernelName];
  if (outputDtype === undefined) throw new Error(`${kernelName} is not one of the binary kernels replaced here.`);
  return (args) => {
    const backend = backendOf();
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const run = backend?.wasm.asm[kernelName];
    const dtype = DTYPE_CODES[a.dtype];
    const aData = backend?.dataIdMap.get(a.dataId);
    const bData = backend?.dataIdMap.get(b.dataId);
    if (
      backend === null ||
      typeof run !== 'function' ||
      dtype === undefined ||
      aData === undefined ||
      bData === undefined ||
      a.shape.length > MAX_RANK ||
      b.shape.length > MAX_RANK
    ) {
      const stock = stockOf();
      if (stock === undefined) throw new Error(`The wasm backend's own ${kernelName} kernel is missing.`);
      return stock.kernelFunc(args);
    }
    const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const out = backend.makeOutput(shape, outputDtype ?? a.dtype);
    if (tf.util.sizeFromShape(shape) === 0) return out;
    const scratch = scratchOf(backend);
    const heap = backend.wasm.HEAP32;
    const first = scratch >> 2;
    for (let i = 0; i < a.shape.length; i++) heap[first + i] = a.shape[i];
    for (let i = 0; i < b.shape.length; i++) heap[first + MAX_RANK + i] = b.shape[i];
    (run as BinaryFunction)(
      aData.id,
      scratch,
      a.shape.length,
      bData.id,
      scratch + MAX_RANK * 4,
      b.shape.length,
      dtype,
      backend.dataIdMap.get(out.dataId)!.id,
    );
    return out;
  };
}
