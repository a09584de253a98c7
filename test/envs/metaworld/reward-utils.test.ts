/**
 * The shaping functions and the rotation conversion of the Meta-World envs, against numbers
 * computed from their formulas.
 */
import { EnvError } from '../../../src/core/errors.js';
import { hamacherProduct, tolerance } from '../../../src/envs/metaworld/reward-utils.js';
import { matrixToQuatXyzw } from '../../../src/envs/metaworld/rotation.js';

test('tolerance: 1 in the band, long-tail 1/(9 d² + 1) outside (0.1 at one margin), 0 outside with no margin', () => {
  expect(tolerance(0.03, 0, 0.05, 0.2)).toBe(1);
  expect(tolerance(0, 0, 0.05, 0.2)).toBe(1);
  expect(tolerance(0.25, 0, 0.05, 0.2)).toBeCloseTo(0.1, 12); // exactly one margin beyond
  const d = (0.15 - 0.05) / 0.2;
  expect(tolerance(0.15, 0, 0.05, 0.2)).toBeCloseTo(1 / (9 * d * d + 1), 12);
  expect(tolerance(-0.1, 0, 0.05, 0.5)).toBeCloseTo(1 / (9 * 0.04 + 1), 12);
  expect(tolerance(0.06, 0, 0.05, 0)).toBe(0);
  expect(() => tolerance(0.1, 0.2, 0.1, 1)).toThrow(EnvError);
  expect(() => tolerance(0.1, 0, 0.1, -1)).toThrow(EnvError);
});

test('hamacherProduct: ab / (a + b - ab), 0 when both are 0, rejects values outside [0, 1]', () => {
  expect(hamacherProduct(1, 1)).toBe(1);
  expect(hamacherProduct(0, 0)).toBe(0);
  expect(hamacherProduct(0.5, 0.5)).toBeCloseTo(0.25 / 0.75, 12);
  expect(hamacherProduct(1, 0.3)).toBeCloseTo(0.3, 12);
  expect(() => hamacherProduct(1.1, 0.5)).toThrow(EnvError);
  expect(() => hamacherProduct(Number.NaN, 0.5)).toThrow(EnvError);
});

/** Row-major rotation matrix of angle `a` about unit axis `u`. */
function axisAngle(u: [number, number, number], a: number): number[] {
  const [x, y, z] = u;
  const c = Math.cos(a);
  const s = Math.sin(a);
  const t = 1 - c;
  return [
    t * x * x + c,
    t * x * y - s * z,
    t * x * z + s * y,
    t * x * y + s * z,
    t * y * y + c,
    t * y * z - s * x,
    t * x * z - s * y,
    t * y * z + s * x,
    t * z * z + c,
  ];
}

test('matrixToQuatXyzw: (x, y, z, w) with the sign of the branch SciPy takes', () => {
  const q = new Float64Array(4);
  matrixToQuatXyzw([1, 0, 0, 0, 1, 0, 0, 0, 1], 0, q, 0);
  expect(Array.from(q)).toEqual([0, 0, 0, 1]); // trace branch
  matrixToQuatXyzw([1, 0, 0, 0, -1, 0, 0, 0, -1], 0, q, 0); // 180° about x: the m00 branch gives +x
  expect(Array.from(q)).toEqual([1, 0, 0, 0]);
  matrixToQuatXyzw([-1, 0, 0, 0, -1, 0, 0, 0, 1], 0, q, 0); // 180° about z: the m22 branch gives +z
  expect(Array.from(q)).toEqual([0, 0, 1, 0]);
  // 90° about z: the trace branch, w = cos 45°, z = sin 45°.
  matrixToQuatXyzw(axisAngle([0, 0, 1], Math.PI / 2), 0, q, 0);
  expect(q[2]).toBeCloseTo(Math.SQRT1_2, 12);
  expect(q[3]).toBeCloseTo(Math.SQRT1_2, 12);
  // 170° about y: the m11 branch, which keeps y positive and may give a negative w.
  const m = axisAngle([0, 1, 0], (-170 * Math.PI) / 180);
  matrixToQuatXyzw(m, 0, q, 0);
  expect(q[1]).toBeCloseTo(Math.sin((170 * Math.PI) / 360), 12);
  expect(q[3]).toBeCloseTo(-Math.cos((170 * Math.PI) / 360), 12);
  // Reads at an offset and writes at an offset.
  const out = new Float64Array(6);
  matrixToQuatXyzw([9, 9, ...[1, 0, 0, 0, 1, 0, 0, 0, 1]], 2, out, 2);
  expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 1]);
});
