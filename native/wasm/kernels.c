/*
 * llmdpd's wasm kernels: the few operations that dominate a diffusion-policy training step on
 * tfjs-backend-wasm, written for WebAssembly SIMD (128-bit) and run on tensors in the backend's
 * own memory (this module imports that memory; it has no data segment and no stack of its own).
 *
 *   gemm          C = op(A)·op(B) (+ bias), op = identity or transpose, B packed once per call
 *   column_sums   Σ over rows, the gradient of a shared bias
 *   mish_forward  y = x·tanh(softplus(x)) in one pass
 *   mish_backward dx = dy·(t + x·σ(x)·(1 − t²)), t = tanh(softplus(x)), in one pass
 *   adam          one Adam step of one tensor: new weights and moments in one pass
 *   sum_squares   Σ x², for global-norm gradient clipping
 *
 * Build: scripts/build-wasm-kernels.sh (clang, wasm32 target). The compiled module ships as
 * assets/wasm/llmdpd-kernels.wasm; src/engine/kernels.ts loads and registers it.
 */
#include <wasm_simd128.h>
#include <stddef.h>

#define MR 4
#define NR 8

/* Version of the exported signatures; src/engine/kernels.ts refuses a module with another one.
 * Bump it whenever an export's parameters change. */
__attribute__((export_name("kernels_abi")))
int kernels_abi(void) { return 3; }

/* ── GEMM ─────────────────────────────────────────────────────────────────────────────────── */

/* Copies B (K×N row-major with row stride ldb, or its transpose stored N×K) into panels of NR
 * columns, each K×NR contiguous, zero-padding the last panel. */
static void pack_b(const float* b, int K, int N, int transB, float* out) {
  int panels = (N + NR - 1) / NR;
  for (int p = 0; p < panels; p++) {
    int n0 = p * NR;
    int nn = N - n0 < NR ? N - n0 : NR;
    float* dst = out + (size_t)p * K * NR;
    if (!transB && nn == NR) {
      for (int k = 0; k < K; k++) {
        const float* src = b + (size_t)k * N + n0;
        wasm_v128_store(dst + k * NR, wasm_v128_load(src));
        wasm_v128_store(dst + k * NR + 4, wasm_v128_load(src + 4));
      }
    } else if (!transB) {
      for (int k = 0; k < K; k++)
        for (int j = 0; j < NR; j++) dst[k * NR + j] = j < nn ? b[(size_t)k * N + n0 + j] : 0.0f;
    } else {
      for (int j = 0; j < NR; j++) {
        if (j < nn) {
          const float* src = b + (size_t)(n0 + j) * K;
          for (int k = 0; k < K; k++) dst[k * NR + j] = src[k];
        } else {
          for (int k = 0; k < K; k++) dst[k * NR + j] = 0.0f;
        }
      }
    }
  }
}

/* Stores a row pair of accumulators: all NR columns, or the first nn through tmp. */
static inline void store_row(float* c, v128_t lo, v128_t hi, int nn, float* tmp) {
  if (nn == NR) {
    wasm_v128_store(c, lo);
    wasm_v128_store(c + 4, hi);
  } else {
    wasm_v128_store(tmp, lo);
    wasm_v128_store(tmp + 4, hi);
    for (int j = 0; j < nn; j++) c[j] = tmp[j];
  }
}

/* C[R×nn] = A[R×K]·P[K×8] (+ bias) for R = 4 (the main tile: 8 accumulators, two B vectors and
 * one broadcast), 2 or 1 (the rows left over). R is a constant at every call, so the loops over
 * rows unroll and the accumulators live in registers (the build script checks no stack is used). */
static inline __attribute__((always_inline)) void kernel_rx8(const int R, int K, const float* a, int lda, const float* bp, float* c, int ldc, const float* bias, int nn, float* tmp) {
  v128_t acc[MR][2];
  for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = wasm_f32x4_splat(0.0f);
  for (int k = 0; k < K; k++) {
    v128_t b0 = wasm_v128_load(bp);
    v128_t b1 = wasm_v128_load(bp + 4);
    bp += NR;
    for (int r = 0; r < R; r++) {
      v128_t x = wasm_v128_load32_splat(a + r * lda + k);
      acc[r][0] = wasm_f32x4_add(acc[r][0], wasm_f32x4_mul(x, b0));
      acc[r][1] = wasm_f32x4_add(acc[r][1], wasm_f32x4_mul(x, b1));
    }
  }
  if (bias) {
    v128_t bb0 = wasm_v128_load(bias), bb1 = wasm_v128_load(bias + 4);
    for (int r = 0; r < R; r++) {
      acc[r][0] = wasm_f32x4_add(acc[r][0], bb0);
      acc[r][1] = wasm_f32x4_add(acc[r][1], bb1);
    }
  }
  for (int r = 0; r < R; r++) store_row(c + r * ldc, acc[r][0], acc[r][1], nn, tmp);
}

/* Floats of scratch gemm needs for these sizes. */
__attribute__((export_name("gemm_scratch_floats")))
int gemm_scratch_floats(int M, int N, int K, int transA) {
  int panels = (N + NR - 1) / NR;
  return panels * NR * K + (transA ? M * K : 0) + 2 * NR + 4;
}

/* C[M,N] = op(A)·op(B) (+ bias[N] when bias is not null). A is [M,K] row-major, or [K,M] when
 * transA; B is [K,N], or [N,K] when transB. scratch holds gemm_scratch_floats(M, N, K, transA)
 * floats, 16-byte aligned. C must not overlap A, B or bias. */
__attribute__((export_name("gemm")))
void gemm(int M, int N, int K, const float* a, int transA, const float* b, int transB, const float* bias, float* c, float* scratch) {
  int panels = (N + NR - 1) / NR;
  float* packed = scratch;
  pack_b(b, K, N, transB, packed);
  float* next = packed + (size_t)panels * NR * K;
  const float* arows = a;
  if (transA) {
    float* at = next;
    next += (size_t)M * K;
    for (int k = 0; k < K; k++) {
      const float* src = a + (size_t)k * M;
      for (int i = 0; i < M; i++) at[(size_t)i * K + k] = src[i];
    }
    arows = at;
  }
  float* biasPad = next;
  float* tmp = next + NR;
  for (int p = 0; p < panels; p++) {
    int n0 = p * NR;
    int nn = N - n0 < NR ? N - n0 : NR;
    const float* pb = 0;
    if (bias) {
      if (nn == NR) {
        pb = bias + n0;
      } else {
        for (int j = 0; j < NR; j++) biasPad[j] = j < nn ? bias[n0 + j] : 0.0f;
        pb = biasPad;
      }
    }
    const float* panel = packed + (size_t)p * NR * K;
    int i = 0;
    for (; i + MR <= M; i += MR) kernel_rx8(MR, K, arows + (size_t)i * K, K, panel, c + (size_t)i * N + n0, N, pb, nn, tmp);
    if (i + 2 <= M) {
      kernel_rx8(2, K, arows + (size_t)i * K, K, panel, c + (size_t)i * N + n0, N, pb, nn, tmp);
      i += 2;
    }
    if (i < M) kernel_rx8(1, K, arows + (size_t)i * K, K, panel, c + (size_t)i * N + n0, N, pb, nn, tmp);
  }
}

/* out[j] = Σ_i x[i·N + j] for an M×N row-major x: the gradient of a bias shared by all rows. */
__attribute__((export_name("column_sums")))
void column_sums(const float* x, int M, int N, float* out) {
  int j = 0;
  for (; j + 4 <= N; j += 4) {
    v128_t acc = wasm_f32x4_splat(0.0f);
    for (int i = 0; i < M; i++) acc = wasm_f32x4_add(acc, wasm_v128_load(x + (size_t)i * N + j));
    wasm_v128_store(out + j, acc);
  }
  for (; j < N; j++) {
    float acc = 0.0f;
    for (int i = 0; i < M; i++) acc += x[(size_t)i * N + j];
    out[j] = acc;
  }
}

/* ── Mish ─────────────────────────────────────────────────────────────────────────────────── */

/* eˣ for x in [−87.3, 88.3] (clamped), 4 lanes: 2ⁿ·p(r), x = n·ln2 + r, |r| ≤ ln2/2, p of
 * degree 6 (relative error below 2e-7). */
static inline v128_t exp4(v128_t x) {
  x = wasm_f32x4_pmin(wasm_f32x4_splat(88.3f), wasm_f32x4_pmax(wasm_f32x4_splat(-87.3f), x));
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.0f / 720.0f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 120.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 24.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 6.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(0.5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  v128_t scale = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, scale);
}

/* tanh(softplus(x)) and σ(x) from u = e^min(x, 20): t = u(u+2) / (u(u+2) + 2), σ = u / (1 + u).
 * Above 20, t is 1 to float precision; far below 0, t ≈ u keeps full relative precision. */
static inline void mish_parts(v128_t x, v128_t* t, v128_t* s) {
  v128_t u = exp4(wasm_f32x4_pmin(wasm_f32x4_splat(20.0f), x));
  v128_t n = wasm_f32x4_mul(u, wasm_f32x4_add(u, wasm_f32x4_splat(2.0f)));
  *t = wasm_f32x4_div(n, wasm_f32x4_add(n, wasm_f32x4_splat(2.0f)));
  if (s) *s = wasm_f32x4_div(u, wasm_f32x4_add(u, wasm_f32x4_splat(1.0f)));
}

/* y[i] = x[i]·tanh(softplus(x[i])), i < n. Tails shorter than 4 go through a zero-padded vector. */
__attribute__((export_name("mish_forward")))
void mish_forward(const float* x, float* y, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i), t;
    mish_parts(v, &t, 0);
    wasm_v128_store(y + i, wasm_f32x4_mul(v, t));
  }
  for (; i < n; i++) {
    v128_t v = wasm_f32x4_splat(x[i]), t;
    mish_parts(v, &t, 0);
    y[i] = wasm_f32x4_extract_lane(wasm_f32x4_mul(v, t), 0);
  }
}

/* dx[i] = dy[i]·(t + x·σ(x)·(1 − t²)) at x[i], i < n. */
__attribute__((export_name("mish_backward")))
void mish_backward(const float* dy, const float* x, float* dx, int n) {
  v128_t one = wasm_f32x4_splat(1.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i), t, s;
    mish_parts(v, &t, &s);
    v128_t d = wasm_f32x4_add(t, wasm_f32x4_mul(wasm_f32x4_mul(v, s), wasm_f32x4_sub(one, wasm_f32x4_mul(t, t))));
    wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_v128_load(dy + i), d));
  }
  for (; i < n; i++) {
    v128_t v = wasm_f32x4_splat(x[i]), t, s;
    mish_parts(v, &t, &s);
    v128_t d = wasm_f32x4_add(t, wasm_f32x4_mul(wasm_f32x4_mul(v, s), wasm_f32x4_sub(one, wasm_f32x4_mul(t, t))));
    dx[i] = dy[i] * wasm_f32x4_extract_lane(d, 0);
  }
}

/* ── Optimiser helpers ────────────────────────────────────────────────────────────────────── */

/* One Adam step with the bias corrections folded into stepSize and epsHat, and the gradient
 * scaled by gradScale first (global-norm clipping):
 *   g' = gradScale·g,  m' = β₁m + (1−β₁)g',  v' = β₂v + (1−β₂)g'²,  w' = w − stepSize·m'/(√v' + epsHat)
 * 1−β₁ and 1−β₂ come in as arguments, rounded once from double (1.0f − 0.9f is not 0.1f). */
__attribute__((export_name("adam")))
void adam(const float* w, const float* g, const float* m, const float* v, float* wOut, float* mOut, float* vOut, int n,
          float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float stepSize, float epsHat, float gradScale) {
  v128_t b1 = wasm_f32x4_splat(beta1), c1 = wasm_f32x4_splat(oneMinusBeta1);
  v128_t b2 = wasm_f32x4_splat(beta2), c2 = wasm_f32x4_splat(oneMinusBeta2);
  v128_t lr = wasm_f32x4_splat(stepSize), eps = wasm_f32x4_splat(epsHat), gs = wasm_f32x4_splat(gradScale);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t gi = wasm_f32x4_mul(wasm_v128_load(g + i), gs);
    v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), b1), wasm_f32x4_mul(gi, c1));
    v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), b2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), c2));
    v128_t step = wasm_f32x4_div(mi, wasm_f32x4_add(wasm_f32x4_sqrt(vi), eps));
    wasm_v128_store(wOut + i, wasm_f32x4_sub(wasm_v128_load(w + i), wasm_f32x4_mul(step, lr)));
    wasm_v128_store(mOut + i, mi);
    wasm_v128_store(vOut + i, vi);
  }
  for (; i < n; i++) {
    float gi = g[i] * gradScale;
    float mi = m[i] * beta1 + gi * oneMinusBeta1;
    float vi = v[i] * beta2 + gi * gi * oneMinusBeta2;
    wOut[i] = w[i] - (mi / (__builtin_sqrtf(vi) + epsHat)) * stepSize;
    mOut[i] = mi;
    vOut[i] = vi;
  }
}

/* Σ x[i]², i < n, accumulated in four float lanes then summed in double. */
__attribute__((export_name("sum_squares")))
double sum_squares(const float* x, int n) {
  v128_t acc0 = wasm_f64x2_splat(0.0), acc1 = acc0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    v128_t sq = wasm_f32x4_mul(v, v);
    acc0 = wasm_f64x2_add(acc0, wasm_f64x2_promote_low_f32x4(sq));
    acc1 = wasm_f64x2_add(acc1, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(sq, sq, 2, 3, 0, 1)));
  }
  double total = wasm_f64x2_extract_lane(acc0, 0) + wasm_f64x2_extract_lane(acc0, 1) + wasm_f64x2_extract_lane(acc1, 0) + wasm_f64x2_extract_lane(acc1, 1);
  for (; i < n; i++) total += (double)x[i] * (double)x[i];
  return total;
}
