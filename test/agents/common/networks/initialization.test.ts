import { Rng } from '../../../../src/core/rng.js';
import { initEngine } from '../../../../src/engine/index.js';
import { ConditionedMlp } from '../../../../src/agents/common/networks/conditioned-mlp.js';
import { initializeMlp, orthogonalMatrix } from '../../../../src/agents/common/networks/initialization.js';
import { expectClose } from '../../../support/tensors.js';

beforeAll(async () => {
  await initEngine({ backend: 'wasm' });
});

/** M·Mᵀ of a row-major [rows, cols] matrix. */
function gram(m: ArrayLike<number>, rows: number, cols: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < rows; j++) {
      let dot = 0;
      for (let k = 0; k < cols; k++) dot += m[i * cols + k] * m[j * cols + k];
      out.push(dot);
    }
  return out;
}

const identity = (n: number, scale: number) =>
  Array.from({ length: n * n }, (_, i) => (Math.floor(i / n) === i % n ? scale : 0));

test('orthogonalMatrix: orthonormal rows when wide, orthonormal columns when tall, times the gain', () => {
  const wide = orthogonalMatrix(4, 9, 2, new Rng(1));
  expectClose(gram(wide, 4, 9), identity(4, 4), 1e-5);
  const tall = orthogonalMatrix(9, 4, 0.5, new Rng(2));
  const transposed = new Float32Array(36);
  for (let r = 0; r < 9; r++) for (let c = 0; c < 4; c++) transposed[c * 9 + r] = tall[r * 4 + c];
  expectClose(gram(transposed, 4, 9), identity(4, 0.25), 1e-5);
  expect(Array.from(orthogonalMatrix(3, 3, 1, new Rng(7)))).toEqual(Array.from(orthogonalMatrix(3, 3, 1, new Rng(7))));
});

function network(conditionDim: number): ConditionedMlp {
  return new ConditionedMlp({
    inputDim: 5,
    conditionDim,
    hiddenDims: [16, 16],
    outputDim: 3,
    activation: 'relu',
    rng: new Rng(3),
    name: 'q',
    trainable: true,
  });
}

test('orthogonal layers, constant biases; a condition block is drawn as rows of the concatenated kernel', () => {
  const net = network(3);
  initializeMlp(
    net,
    {
      hidden: { kernel: { kind: 'orthogonal', gain: Math.SQRT2 }, bias: { kind: 'constant', value: 0 } },
      output: { kernel: { kind: 'orthogonal', gain: 1e-2 }, bias: { kind: 'constant', value: 0.1 } },
    },
    new Rng(4),
  );
  const [first, second, last] = net.mlp.layers;
  // PyTorch's weight is the kernel's transpose: [out, in] with orthonormal rows when out ≤ in.
  const weight = (kernel: Float32Array, fanIn: number, fanOut: number) => {
    const w = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < fanIn; i++) for (let o = 0; o < fanOut; o++) w[o * fanIn + i] = kernel[i * fanOut + o];
    return w;
  };
  const concatenated = new Float32Array([...first.kernel.dataSync(), ...net.condition!.kernel.dataSync()]);
  // The first layer is [8 → 16]: tall, so its weight has orthonormal columns (Wᵀ has orthonormal rows).
  expectClose(gram(concatenated, 8, 16).slice(0, 64), identity(8, 2), 1e-5);
  expectClose(gram(weight(second.kernel.dataSync() as Float32Array, 16, 16), 16, 16), identity(16, 2), 1e-5);
  expectClose(gram(weight(last.kernel.dataSync() as Float32Array, 16, 3), 3, 16), identity(3, 1e-4), 1e-8);
  expect(Array.from(first.bias.dataSync()).every((b) => b === 0)).toBe(true);
  expect(Array.from(last.bias.dataSync()).every((b) => Math.abs(b - 0.1) < 1e-7)).toBe(true);
  net.dispose();
});

test('uniform and Xavier bounds; default layers keep their draw', () => {
  const net = network(0);
  const before = net.mlp.layers[0].kernel.dataSync().slice();
  initializeMlp(
    net,
    {
      hidden: { kernel: { kind: 'default' }, bias: { kind: 'uniform', bound: 1e-3 } },
      output: { kernel: { kind: 'xavier-uniform', gain: 1e-2 }, bias: { kind: 'constant', value: 0 } },
    },
    new Rng(5),
  );
  expect(Array.from(net.mlp.layers[0].kernel.dataSync())).toEqual(Array.from(before));
  const bias = net.mlp.layers[1].bias.dataSync();
  expect(Math.max(...Array.from(bias, Math.abs))).toBeLessThanOrEqual(1e-3);
  expect(new Set(bias).size).toBeGreaterThan(8);
  const xavier = net.mlp.layers[2].kernel.dataSync();
  const bound = 1e-2 * Math.sqrt(6 / (16 + 3));
  expect(Math.max(...Array.from(xavier, Math.abs))).toBeLessThanOrEqual(bound);
  expect(Math.max(...Array.from(xavier, Math.abs))).toBeGreaterThan(bound / 2);
  net.dispose();
});
