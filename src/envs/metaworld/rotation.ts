/**
 * Rotation helpers for observations. Several Meta-World tasks report an object's orientation as
 * SciPy's `Rotation.from_matrix(R).as_quat()`, which is (x, y, z, w) and whose sign follows
 * from the branch the conversion takes; {@link matrixToQuatXyzw} takes the same branches, so the
 * four numbers match, sign included. Tasks that read MuJoCo's `xquat` report (w, x, y, z) as is.
 *
 * @module
 */

/**
 * Quaternion (x, y, z, w) of the row-major 3×3 rotation matrix `m[offset .. offset + 9)`,
 * written to `out[at .. at + 4)`. The branch is picked by the largest of `m00`, `m11`, `m22` and
 * the trace (ties go to the first), as SciPy does, and the result is normalised; `w` may be
 * negative.
 */
export function matrixToQuatXyzw(m: ArrayLike<number>, offset: number, out: Float64Array, at: number): void {
  const m00 = m[offset];
  const m01 = m[offset + 1];
  const m02 = m[offset + 2];
  const m10 = m[offset + 3];
  const m11 = m[offset + 4];
  const m12 = m[offset + 5];
  const m20 = m[offset + 6];
  const m21 = m[offset + 7];
  const m22 = m[offset + 8];
  const trace = m00 + m11 + m22;
  let x: number;
  let y: number;
  let z: number;
  let w: number;
  let choice = 0;
  let best = m00;
  if (m11 > best) {
    choice = 1;
    best = m11;
  }
  if (m22 > best) {
    choice = 2;
    best = m22;
  }
  if (trace > best) choice = 3;
  if (choice === 0) {
    x = 1 - trace + 2 * m00;
    y = m10 + m01;
    z = m20 + m02;
    w = m21 - m12;
  } else if (choice === 1) {
    y = 1 - trace + 2 * m11;
    z = m21 + m12;
    x = m01 + m10;
    w = m02 - m20;
  } else if (choice === 2) {
    z = 1 - trace + 2 * m22;
    x = m02 + m20;
    y = m12 + m21;
    w = m10 - m01;
  } else {
    x = m21 - m12;
    y = m02 - m20;
    z = m10 - m01;
    w = 1 + trace;
  }
  const n = Math.sqrt(x * x + y * y + z * z + w * w);
  out[at] = x / n;
  out[at + 1] = y / n;
  out[at + 2] = z / n;
  out[at + 3] = w / n;
}
