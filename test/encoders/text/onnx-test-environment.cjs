/**
 * Jest environment for tests that run ONNX Runtime (onnxruntime-node, through transformers.js).
 *
 * Jest evaluates test code and its imports in a separate V8 realm (a vm context) with its own
 * typed-array constructors, while the onnxruntime-node native binding creates its output arrays
 * in Node's main realm. onnxruntime-common then checks `data instanceof Float32Array` against
 * the vm realm's constructor and throws "A float32 tensor's data must be type of function
 * Float32Array()". Plain Node (production) has a single realm and never sees this.
 *
 * The fix is to give the test realm the main realm's typed-array constructors, so arrays made
 * on either side are instances of the same classes. Select it per file with the docblock
 * `@jest-environment ./test/encoders/text/onnx-test-environment.cjs`.
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OnnxTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) {
      if (name in globalThis) this.global[name] = globalThis[name];
    }
  }
}

module.exports = OnnxTestEnvironment;
