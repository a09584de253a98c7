/*
 * The native kernels, written once with GCC/Clang vector extensions and compiled once per
 * instruction set: kernels_portable.c (no flags: SSE2 on x86-64, NEON on arm64), kernels_avx2.c
 * (-mavx2 -mfma) and kernels_avx512.c (-mavx512f … -mfma) each define ISA_NAME, VF (floats per
 * vector) and MR (rows of the GEMM register tile), then include this file. addon.c picks one set
 * at run time from the CPU's features.
 *
 * GEMM: Goto-style. op(A) is packed into panels of MR rows and op(B) into panels of NR = 2·VF
 * columns, K in blocks of KC; an MR×NR tile of C lives in 2·MR vector registers while one B
 * panel row and one broadcast A value feed them (12×32 on AVX-512: 24 accumulators). Packing
 * absorbs both transpose modes, so every mode runs the same micro-kernel. Products of 1-4
 * columns (a critic's or actor's output layer) use dot products instead, which waste no lanes.
 * Threads take packing jobs, then tiles of C, from shared counters (a thread slowed by other load
 * simply does fewer), and wait for the packing to be complete before computing. Each element of
 * C is summed in the same order whatever the thread count, so results do not depend on it.
 *
 * Elementwise kernels hand out chunks the same way; reductions (sum of squares) sum fixed-size
 * chunks in a fixed order, so they too give the same bits on any thread count.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels.h"
#include "pool.h"

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, ISA_NAME)

#define NR (2 * VF)
#define KC 384

typedef float vf __attribute__((vector_size(VF * 4)));
typedef float vfu __attribute__((vector_size(VF * 4), aligned(4), may_alias));
typedef int32_t vi __attribute__((vector_size(VF * 4)));
typedef double vd __attribute__((vector_size(VF * 4)));
typedef float vh __attribute__((vector_size(VF * 2)));
typedef float vhu __attribute__((vector_size(VF * 2), aligned(4), may_alias));

#define INLINE static inline __attribute__((always_inline))

INLINE vf splat(float x) { return (vf){0} + x; }
INLINE vf load(const float* p) { return *(const vfu*)p; }
INLINE void store(float* p, vf v) { *(vfu*)p = v; }
INLINE vf select_lt(vf a, vf b, vf if_lt, vf otherwise) {
  vi mask = a < b;
  return (vf)(((vi)if_lt & mask) | ((vi)otherwise & ~mask));
}
INLINE vf vmin(vf a, vf b) { return select_lt(a, b, a, b); }
INLINE vf vmax(vf a, vf b) { return select_lt(a, b, b, a); }
INLINE float hsum(vf v) {
  float s = 0.0f;
  for (int i = 0; i < VF; i++) s += v[i];
  return s;
}

/* Work over [0, count) in chunks taken from a shared counter by every thread of the task. */
typedef struct {
  atomic_long next;
  long count, chunk;
  void (*body)(void* ctx, long begin, long end);
  void* ctx;
} range_job;

static void range_task(void* p, int t, int threads) {
  range_job* job = p;
  for (;;) {
    long begin = atomic_fetch_add_explicit(&job->next, job->chunk, memory_order_relaxed);
    if (begin >= job->count) return;
    job->body(job->ctx, begin, begin + job->chunk < job->count ? begin + job->chunk : job->count);
  }
}

/* Runs body over [0, count): on the caller alone below `parallel_min`, else in chunks of at least
 * `min_chunk` (a multiple of `align`), about four per thread. */
static void parallel_range(long count, long parallel_min, long min_chunk, long align, int threads,
                           void (*body)(void*, long, long), void* ctx) {
  if (count <= 0) return;
  if (threads <= 1 || count < parallel_min) {
    body(ctx, 0, count);
    return;
  }
  long chunk = (count + 4L * threads - 1) / (4L * threads);
  if (chunk < min_chunk) chunk = min_chunk;
  chunk = (chunk + align - 1) / align * align;
  range_job job = {0, count, chunk, body, ctx};
  llmdpd_pool_run(range_task, &job, threads);
}

/* ── Mish pieces ───────────────────────────────────────────────────────────────────────────── */

/* eˣ for x ≤ 88.3 (clamped below at −87.3): 2ⁿ·p(r), x = n·ln2 + r, p of degree 6. n comes from
 * adding 1.5·2²³ (round to nearest), so no rounding instruction is needed. */
INLINE vf vexp(vf x) {
  x = vmax(x, splat(-87.3f));
  const vf magic = splat(12582912.0f);
  vf t = x * splat(1.44269504088896341f) + magic;
  vf n = t - magic;
  vf r = x - n * splat(0.693359375f);
  r = r - n * splat(-2.12194440e-4f);
  vf p = splat(1.0f / 720.0f);
  p = p * r + splat(1.0f / 120.0f);
  p = p * r + splat(1.0f / 24.0f);
  p = p * r + splat(1.0f / 6.0f);
  p = p * r + splat(0.5f);
  p = p * r + splat(1.0f);
  p = p * r + splat(1.0f);
  vi e = ((vi)t - (vi)magic + 127) << 23;
  return p * (vf)e;
}

/* t = tanh(softplus(x)) and σ(x) from u = e^min(x, 20): t = u(u+2) / (u(u+2) + 2), σ = u / (1 + u). */
INLINE vf mish_t(vf x, vf* sigma) {
  vf u = vexp(vmin(x, splat(20.0f)));
  vf n = u * (u + 2.0f);
  if (sigma) *sigma = u / (u + 1.0f);
  return n / (n + 2.0f);
}

INLINE vf mish_derivative(vf x) {
  vf s, t = mish_t(x, &s);
  return t + x * s * (1.0f - t * t);
}

/* ── GEMM ──────────────────────────────────────────────────────────────────────────────────── */

/* 8×8 transposes for packing transposed operands: rows of 8 floats in, columns out. GCC 12+ and
 * Clang have __builtin_shufflevector; older compilers use the scalar loop. */
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
#define HAVE_TRANSPOSE8 1
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));

/* dst[c·dst_stride + r] = src[r·src_stride + c] for r, c < 8. */
INLINE void transpose8(const float* src, size_t src_stride, float* dst, size_t dst_stride) {
  v8 r0 = *(const v8u*)(src), r1 = *(const v8u*)(src + src_stride), r2 = *(const v8u*)(src + 2 * src_stride),
     r3 = *(const v8u*)(src + 3 * src_stride), r4 = *(const v8u*)(src + 4 * src_stride),
     r5 = *(const v8u*)(src + 5 * src_stride), r6 = *(const v8u*)(src + 6 * src_stride),
     r7 = *(const v8u*)(src + 7 * src_stride);
  v8 t0 = __builtin_shufflevector(r0, r1, 0, 8, 1, 9, 4, 12, 5, 13);
  v8 t1 = __builtin_shufflevector(r0, r1, 2, 10, 3, 11, 6, 14, 7, 15);
  v8 t2 = __builtin_shufflevector(r2, r3, 0, 8, 1, 9, 4, 12, 5, 13);
  v8 t3 = __builtin_shufflevector(r2, r3, 2, 10, 3, 11, 6, 14, 7, 15);
  v8 t4 = __builtin_shufflevector(r4, r5, 0, 8, 1, 9, 4, 12, 5, 13);
  v8 t5 = __builtin_shufflevector(r4, r5, 2, 10, 3, 11, 6, 14, 7, 15);
  v8 t6 = __builtin_shufflevector(r6, r7, 0, 8, 1, 9, 4, 12, 5, 13);
  v8 t7 = __builtin_shufflevector(r6, r7, 2, 10, 3, 11, 6, 14, 7, 15);
  v8 u0 = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);
  v8 u1 = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);
  v8 u2 = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);
  v8 u3 = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);
  v8 u4 = __builtin_shufflevector(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13);
  v8 u5 = __builtin_shufflevector(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);
  v8 u6 = __builtin_shufflevector(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13);
  v8 u7 = __builtin_shufflevector(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);
  *(v8u*)(dst) = __builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11);
  *(v8u*)(dst + dst_stride) = __builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11);
  *(v8u*)(dst + 2 * dst_stride) = __builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11);
  *(v8u*)(dst + 3 * dst_stride) = __builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11);
  *(v8u*)(dst + 4 * dst_stride) = __builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15);
  *(v8u*)(dst + 5 * dst_stride) = __builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15);
  *(v8u*)(dst + 6 * dst_stride) = __builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15);
  *(v8u*)(dst + 7 * dst_stride) = __builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15);
}
#endif

/* dst[k·width + r] = src[r·stride + k] for r < rows, k < kc, and zeros for rows ≤ r < width: the
 * packing of an operand whose packed dimension runs along its rows in memory. */
static void pack_transposed(const float* src, size_t stride, int rows, int kc, float* dst, int width) {
  int r = 0;
#if HAVE_TRANSPOSE8
  for (; r + 8 <= rows; r += 8) {
    int k = 0;
    for (; k + 8 <= kc; k += 8) transpose8(src + (size_t)r * stride + k, stride, dst + (size_t)k * width + r, width);
    for (; k < kc; k++)
      for (int i = 0; i < 8; i++) dst[(size_t)k * width + r + i] = src[(size_t)(r + i) * stride + k];
  }
#endif
  for (; r < width; r++) {
    if (r < rows) {
      const float* row = src + (size_t)r * stride;
      for (int k = 0; k < kc; k++) dst[(size_t)k * width + r] = row[k];
    } else {
      for (int k = 0; k < kc; k++) dst[(size_t)k * width + r] = 0.0f;
    }
  }
}

/* Element (row, col) of op(X) for X stored row-major with `cols` columns before the transpose. */
#define OP(x, trans, rows_op, cols_op, r, c) ((trans) ? (x)[(size_t)(c) * (rows_op) + (r)] : (x)[(size_t)(r) * (cols_op) + (c)])

/* Packs rows [i0, i0 + rows) × k [k0, k0 + kc) of op(A) as dst[k·MR + r], zero rows up to MR. */
static void pack_a(const llmdpd_gemm_args* g, int i0, int rows, int k0, int kc, float* dst) {
  const int M = g->m, K = g->k;
  if (g->trans_a) {
    for (int k = 0; k < kc; k++) {
      const float* src = g->a + (size_t)(k0 + k) * M + i0;
      float* d = dst + (size_t)k * MR;
      int r = 0;
      for (; r < rows; r++) d[r] = src[r];
      for (; r < MR; r++) d[r] = 0.0f;
    }
  } else {
    pack_transposed(g->a + (size_t)i0 * K + k0, (size_t)K, rows, kc, dst, MR);
  }
}

/* Packs columns [j0, j0 + cols) × k [k0, k0 + kc) of op(B) as dst[k·NR + j], zero columns up to NR;
 * adds their sums over these k to g->b_column_sums when asked (k0 = 0 starts the sums). */
static void pack_b(const llmdpd_gemm_args* g, int j0, int cols, int k0, int kc, float* dst) {
  const int N = g->n, K = g->k;
  if (g->b_column_sums && g->trans_b) {
    float* sums = g->b_column_sums + j0;
    for (int j = 0; j < cols; j++) {
      float s = 0.0f;
      for (int k = 0; k < kc; k++) s += g->b[(size_t)(j0 + j) * K + k0 + k];
      sums[j] = k0 == 0 ? s : sums[j] + s;
    }
  }
  if (g->b_column_sums && !g->trans_b) {
    /* summed row by row, as the panel is copied */
    vf s0 = splat(0.0f), s1 = splat(0.0f);
    for (int k = 0; k < kc; k++) {
      const float* src = g->b + (size_t)(k0 + k) * N + j0;
      float* d = dst + (size_t)k * NR;
      vf r0, r1;
      if (cols == NR) {
        r0 = load(src);
        r1 = load(src + VF);
      } else {
        float tmp[NR] = {0};
        for (int j = 0; j < cols; j++) tmp[j] = src[j];
        r0 = load(tmp);
        r1 = load(tmp + VF);
      }
      store(d, r0);
      store(d + VF, r1);
      s0 += r0;
      s1 += r1;
    }
    float tmp[NR];
    store(tmp, s0);
    store(tmp + VF, s1);
    float* sums = g->b_column_sums + j0;
    for (int j = 0; j < cols; j++) sums[j] = k0 == 0 ? tmp[j] : sums[j] + tmp[j];
    return;
  }
  if (!g->trans_b) {
    for (int k = 0; k < kc; k++) {
      const float* src = g->b + (size_t)(k0 + k) * N + j0;
      float* d = dst + (size_t)k * NR;
      if (cols == NR) {
        store(d, load(src));
        store(d + VF, load(src + VF));
      } else {
        int j = 0;
        for (; j < cols; j++) d[j] = src[j];
        for (; j < NR; j++) d[j] = 0.0f;
      }
    }
  } else {
    pack_transposed(g->b + (size_t)j0 * K + k0, (size_t)K, cols, kc, dst, NR);
  }
}

/* What a tile does with its sums: the first K block starts from the bias (or zero), later ones
 * from C; the last one applies the activation (keeping the value before it in `pre`). */
typedef struct {
  const float* bias; /* at the tile's first column, or NULL */
  float* pre;        /* at the tile's first element, or NULL */
  int first, last, mish;
} epilogue;

INLINE void finish_row(vf v0, vf v1, float* row, float* pre_row, int cols, const epilogue* e) {
  if (!e->first) {
    if (cols == NR) {
      v0 += load(row);
      v1 += load(row + VF);
    } else {
      float tmp[NR] = {0};
      for (int j = 0; j < cols; j++) tmp[j] = row[j];
      v0 += load(tmp);
      v1 += load(tmp + VF);
    }
  }
  if (e->last && e->mish) {
    if (pre_row) {
      if (cols == NR) {
        store(pre_row, v0);
        store(pre_row + VF, v1);
      } else {
        float tmp[NR];
        store(tmp, v0);
        store(tmp + VF, v1);
        for (int j = 0; j < cols; j++) pre_row[j] = tmp[j];
      }
    }
    v0 = v0 * mish_t(v0, NULL);
    v1 = v1 * mish_t(v1, NULL);
  }
  if (cols == NR) {
    store(row, v0);
    store(row + VF, v1);
  } else {
    float tmp[NR];
    store(tmp, v0);
    store(tmp + VF, v1);
    for (int j = 0; j < cols; j++) row[j] = tmp[j];
  }
}

/* C[R×cols] = epilogue(Ap[kc×MR]ᵀ·Bp[kc×NR]) for a compile-time R ≤ MR, on V = 1 or 2 vectors of
 * columns (V = 1 when cols ≤ VF: the panel's zero half is skipped). */
INLINE void tile(const int R, const int V, int kc, const float* restrict ap, const float* restrict bp, float* c, int ldc,
                 int cols, const epilogue* e) {
  vf acc[MR][2];
  for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = splat(0.0f);
  for (int k = 0; k < kc; k++) {
    vf b0 = *(const vf*)bp, b1 = V == 2 ? *(const vf*)(bp + VF) : splat(0.0f);
#pragma GCC unroll 16
    for (int r = 0; r < R; r++) {
      float x = ap[r];
      acc[r][0] += b0 * x;
      if (V == 2) acc[r][1] += b1 * x;
    }
    ap += MR;
    bp += NR;
  }
  vf bias0 = splat(0.0f), bias1 = splat(0.0f);
  if (e->first && e->bias) {
    if (cols == NR) {
      bias0 = load(e->bias);
      bias1 = load(e->bias + VF);
    } else {
      float tmp[NR] = {0};
      for (int j = 0; j < cols; j++) tmp[j] = e->bias[j];
      bias0 = load(tmp);
      bias1 = load(tmp + VF);
    }
  }
  for (int r = 0; r < R; r++)
    finish_row(acc[r][0] + bias0, acc[r][1] + bias1, c + (size_t)r * ldc, e->pre ? e->pre + (size_t)r * ldc : NULL, cols, e);
}

static void tile_rows(int rows, int kc, const float* ap, const float* bp, float* c, int ldc, int cols, const epilogue* e) {
  const int wide = cols > VF;
  switch (rows) {
#define CASE(R)                                            \
  case R:                                                  \
    if (wide) tile(R, 2, kc, ap, bp, c, ldc, cols, e);     \
    else tile(R, 1, kc, ap, bp, c, ldc, cols, e);          \
    break;
    CASE(1) CASE(2) CASE(3) CASE(4)
#if MR > 4
    CASE(5) CASE(6)
#endif
#if MR > 6
    CASE(7) CASE(8) CASE(9) CASE(10) CASE(11) CASE(12)
#endif
#if MR > 12
#error MR above 12 needs more cases
#endif
#undef CASE
    default: break;
  }
}

typedef struct {
  atomic_int pack_next, pack_done, tile_next, tile_done;
} gemm_block_counters;

typedef struct {
  const llmdpd_gemm_args* g;
  float* pa; /* packed op(A): row blocks × KC × MR */
  float* pb; /* packed op(B): panels × KC × NR */
  int row_blocks, panels, groups, group_size, k_blocks;
  gemm_block_counters* counters; /* one set per K block */
} gemm_job;

static void gemm_task(void* p, int t, int threads) {
  gemm_job* job = p;
  const llmdpd_gemm_args* g = job->g;
  const int M = g->m, N = g->n, K = g->k;
  /* With one tile per row block (tall products, or one thread) no two tiles share an A block:
   * each tile packs its own into this thread's buffer, where it stays in L1, instead of all of
   * op(A) being packed up front and read back from memory. */
  static __thread float a_block[MR * KC] __attribute__((aligned(64)));
  const int lazy_a = job->pa == NULL;
  const int a_items = lazy_a ? 0 : job->row_blocks;
  const int pack_items = a_items + job->panels, tiles = job->row_blocks * job->groups;
  for (int kb = 0; kb < job->k_blocks; kb++) {
    gemm_block_counters* n = &job->counters[kb];
    const int k0 = kb * KC, kc = K - k0 < KC ? K - k0 : KC;
    /* The previous block's tiles read the packed buffers this block overwrites. */
    if (kb > 0) llmdpd_wait_for(&job->counters[kb - 1].tile_done, tiles);
    for (int i; (i = atomic_fetch_add_explicit(&n->pack_next, 1, memory_order_relaxed)) < pack_items;) {
      if (i < a_items) {
        int i0 = i * MR;
        pack_a(g, i0, M - i0 < MR ? M - i0 : MR, k0, kc, job->pa + (size_t)i * KC * MR);
      } else {
        int q = i - a_items, j0 = q * NR;
        pack_b(g, j0, N - j0 < NR ? N - j0 : NR, k0, kc, job->pb + (size_t)q * KC * NR);
      }
      atomic_fetch_add_explicit(&n->pack_done, 1, memory_order_release);
    }
    llmdpd_wait_for(&n->pack_done, pack_items);
    for (int i; (i = atomic_fetch_add_explicit(&n->tile_next, 1, memory_order_relaxed)) < tiles;) {
      int rb = i / job->groups, grp = i % job->groups;
      int i0 = rb * MR, rows = M - i0 < MR ? M - i0 : MR;
      if (lazy_a) pack_a(g, i0, rows, k0, kc, a_block);
      const float* ap = lazy_a ? a_block : job->pa + (size_t)rb * KC * MR;
      int q_end = (grp + 1) * job->group_size < job->panels ? (grp + 1) * job->group_size : job->panels;
      for (int q = grp * job->group_size; q < q_end; q++) {
        int j0 = q * NR, cols = N - j0 < NR ? N - j0 : NR;
        epilogue e = {g->bias ? g->bias + j0 : NULL, g->pre ? g->pre + (size_t)i0 * N + j0 : NULL, kb == 0,
                      kb == job->k_blocks - 1, g->mish};
        tile_rows(rows, kc, ap, job->pb + (size_t)q * KC * NR, g->c + (size_t)i0 * N + j0, N, cols, &e);
      }
      atomic_fetch_add_explicit(&n->tile_done, 1, memory_order_release);
    }
  }
}

/* Scratch of the calling thread, grown on demand and kept (64-byte aligned). */
static float* scratch(size_t floats) {
  static __thread float* buffer = NULL;
  static __thread size_t capacity = 0;
  if (floats > capacity) {
    free(buffer);
    size_t size = floats + floats / 2;
    buffer = aligned_alloc(64, ((size * sizeof(float)) + 63) & ~(size_t)63);
    capacity = buffer ? size : 0;
  }
  return buffer;
}

/* Products with 1-4 columns: dot products along K (A rows) or axpy along M (A transposed). */
typedef struct {
  const llmdpd_gemm_args* g;
  const float* bt; /* op(B)ᵀ: N rows of K */
} narrow_job;

/* Stores one element of C (bias added): with Mish, keeps the value first when asked. */
static inline void store_element(const llmdpd_gemm_args* g, size_t at, int j, float v) {
  v += g->bias ? g->bias[j] : 0.0f;
  if (g->mish) {
    if (g->pre) g->pre[at] = v;
    vf x = splat(v);
    v = (x * mish_t(x, NULL))[0];
  }
  g->c[at] = v;
}

static void narrow_rows(void* p, long begin, long end) {
  narrow_job* job = p;
  const llmdpd_gemm_args* g = job->g;
  const int M = g->m, N = g->n, K = g->k;
  if (!g->trans_a) {
    for (long i = begin; i < end; i++) {
      const float* row = g->a + (size_t)i * K;
      for (int j = 0; j < N; j++) {
        const float* col = job->bt + (size_t)j * K;
        vf s0 = splat(0.0f), s1 = splat(0.0f);
        int k = 0;
        for (; k + 2 * VF <= K; k += 2 * VF) {
          s0 += load(row + k) * load(col + k);
          s1 += load(row + k + VF) * load(col + k + VF);
        }
        float s = hsum(s0 + s1);
        for (; k < K; k++) s += row[k] * col[k];
        store_element(g, (size_t)i * N + j, j, s);
      }
    }
  } else {
    long i = begin;
    for (; i + VF <= end; i += VF) {
      vf acc[4] = {splat(0.0f), splat(0.0f), splat(0.0f), splat(0.0f)};
      for (int k = 0; k < K; k++) {
        vf x = load(g->a + (size_t)k * M + i);
        for (int j = 0; j < N; j++) acc[j] += x * job->bt[(size_t)j * K + k];
      }
      for (int j = 0; j < N; j++)
        for (int l = 0; l < VF; l++) store_element(g, (size_t)(i + l) * N + j, j, acc[j][l]);
    }
    for (; i < end; i++) {
      for (int j = 0; j < N; j++) {
        float s = 0.0f;
        for (int k = 0; k < K; k++) s += g->a[(size_t)k * M + i] * job->bt[(size_t)j * K + k];
        store_element(g, (size_t)i * N + j, j, s);
      }
    }
  }
}

/* Below this many multiply-adds a product runs on the calling thread only. */
#define GEMM_THREAD_MIN_MACS (1L << 18)

static void FN(gemm)(const llmdpd_gemm_args* g, int threads) {
  const int M = g->m, N = g->n, K = g->k;
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) store_element(g, (size_t)i * N + j, j, 0.0f);
    if (g->b_column_sums)
      for (int j = 0; j < N; j++) g->b_column_sums[j] = 0.0f;
    return;
  }
  long macs = (long)M * N * K;
  if (macs < GEMM_THREAD_MIN_MACS) threads = 1;
  if (N <= 4) {
    narrow_job job = {g, g->b};
    if (!g->trans_b) {
      float* bt = scratch((size_t)N * K);
      if (!bt) abort();
      for (int k = 0; k < K; k++)
        for (int j = 0; j < N; j++) bt[(size_t)j * K + k] = g->b[(size_t)k * N + j];
      job.bt = bt;
    }
    if (g->b_column_sums) {
      for (int j = 0; j < N; j++) {
        float sum = 0.0f;
        for (int k = 0; k < K; k++) sum += job.bt[(size_t)j * K + k];
        g->b_column_sums[j] = sum;
      }
    }
    parallel_range(M, macs >= 4 * GEMM_THREAD_MIN_MACS ? 0 : M + 1, VF, VF, threads, narrow_rows, &job);
    return;
  }
  gemm_job job;
  memset(&job, 0, sizeof job);
  job.g = g;
  job.row_blocks = (M + MR - 1) / MR;
  job.panels = (N + NR - 1) / NR;
  job.k_blocks = (K + KC - 1) / KC;
  job.groups = 1;
  if (threads > 1) {
    int want = (4 * threads + job.row_blocks - 1) / job.row_blocks;
    job.groups = want < 1 ? 1 : want > job.panels ? job.panels : want;
  }
  job.group_size = (job.panels + job.groups - 1) / job.groups;
  job.groups = (job.panels + job.group_size - 1) / job.group_size;
  /* Tiles that share a row block (groups > 1) need op(A) packed once for all; see gemm_task. */
  size_t a_floats = job.groups > 1 ? (size_t)job.row_blocks * KC * MR : 0, b_floats = (size_t)job.panels * KC * NR;
  float* buffer = scratch(a_floats + b_floats);
  if (!buffer) abort();
  job.pa = a_floats > 0 ? buffer : NULL;
  job.pb = buffer + a_floats;
  gemm_block_counters small_counters[4];
  gemm_block_counters* counters =
      job.k_blocks <= 4 ? small_counters : malloc(sizeof(gemm_block_counters) * (size_t)job.k_blocks);
  if (!counters) abort();
  for (int i = 0; i < job.k_blocks; i++) {
    atomic_init(&counters[i].pack_next, 0);
    atomic_init(&counters[i].pack_done, 0);
    atomic_init(&counters[i].tile_next, 0);
    atomic_init(&counters[i].tile_done, 0);
  }
  job.counters = counters;
  llmdpd_pool_run(gemm_task, &job, threads);
  if (counters != small_counters) free(counters);
}

/* ── Column sums ───────────────────────────────────────────────────────────────────────────── */

typedef struct {
  const float* x;
  int m, n;
  float* out;
} colsum_job;

static void colsum_columns(void* p, long begin, long end) {
  colsum_job* job = p;
  long j = begin;
  for (; j + NR <= end; j += NR) {
    vf a0 = splat(0.0f), a1 = splat(0.0f);
    for (int i = 0; i < job->m; i++) {
      const float* row = job->x + (size_t)i * job->n + j;
      a0 += load(row);
      a1 += load(row + VF);
    }
    store(job->out + j, a0);
    store(job->out + j + VF, a1);
  }
  for (; j < end; j++) {
    float s = 0.0f;
    for (int i = 0; i < job->m; i++) s += job->x[(size_t)i * job->n + j];
    job->out[j] = s;
  }
}

static void FN(column_sums)(const float* x, int m, int n, float* out, int threads) {
  colsum_job job = {x, m, n, out};
  parallel_range(n, (long)m * n < (1L << 16) ? (long)n + 1 : 2 * NR, NR, NR, threads, colsum_columns, &job);
}

/* ── Mish ──────────────────────────────────────────────────────────────────────────────────── */

typedef struct {
  const float *x, *dy;
  float* out;
} unary_job;

/* Tails shorter than a vector go through zero-padded buffers. */
static void mish_forward_range(void* p, long begin, long end) {
  unary_job* job = p;
  long i = begin;
  for (; i + VF <= end; i += VF) {
    vf x = load(job->x + i);
    store(job->out + i, x * mish_t(x, NULL));
  }
  if (i < end) {
    float tmp[VF] = {0};
    for (long l = i; l < end; l++) tmp[l - i] = job->x[l];
    vf x = load(tmp);
    store(tmp, x * mish_t(x, NULL));
    for (long l = i; l < end; l++) job->out[l] = tmp[l - i];
  }
}

static void mish_backward_range(void* p, long begin, long end) {
  unary_job* job = p;
  long i = begin;
  for (; i + VF <= end; i += VF) store(job->out + i, load(job->dy + i) * mish_derivative(load(job->x + i)));
  if (i < end) {
    float tx[VF] = {0}, tdy[VF] = {0};
    for (long l = i; l < end; l++) tx[l - i] = job->x[l], tdy[l - i] = job->dy[l];
    store(tx, load(tdy) * mish_derivative(load(tx)));
    for (long l = i; l < end; l++) job->out[l] = tx[l - i];
  }
}

/* Elementwise work is split across threads from this many elements, in chunks of at least 2048. */
#define ELEMENTWISE_THREAD_MIN 16384
#define ELEMENTWISE_CHUNK_MIN 2048

static void FN(mish_forward)(const float* x, float* y, size_t n, int threads) {
  unary_job job = {x, NULL, y};
  parallel_range((long)n, ELEMENTWISE_THREAD_MIN, ELEMENTWISE_CHUNK_MIN, VF, threads, mish_forward_range, &job);
}

static void FN(mish_backward)(const float* dy, const float* x, float* dx, size_t n, int threads) {
  unary_job job = {x, dy, dx};
  parallel_range((long)n, ELEMENTWISE_THREAD_MIN, ELEMENTWISE_CHUNK_MIN, VF, threads, mish_backward_range, &job);
}

/* ── Adam, sum of squares ──────────────────────────────────────────────────────────────────── */

/* Loops whose outputs may be their inputs (in place: the same address, never a shifted one)
 * read every element before writing it and no element after writing another, so they carry no
 * dependence between iterations; this says so, keeping them vectorised without the overlap
 * test (and scalar fallback) the compiler adds to loops over pointers that may alias. */
#ifndef LLMDPD_IN_PLACE_LOOP
#if defined(__clang__)
#define LLMDPD_IN_PLACE_LOOP _Pragma("clang loop vectorize(assume_safety)")
#else
#define LLMDPD_IN_PLACE_LOOP _Pragma("GCC ivdep")
#endif
#endif

/* A plain loop: the compiler vectorises it (sqrt included, with -fno-math-errno). In place is
 * allowed: w_out may be w, m_out m and v_out v. */
static void adam_range(void* p, long begin, long end) {
  const llmdpd_adam_args* a = p;
  const float b1 = a->beta1, c1 = a->one_minus_beta1, b2 = a->beta2, c2 = a->one_minus_beta2;
  const float lr = a->step_size, eps = a->eps_hat, gs = a->grad_scale;
  const float *w = a->w, *restrict gr = a->g, *mo = a->m, *vo = a->v;
  float *w_out = a->w_out, *m_out = a->m_out, *v_out = a->v_out;
  LLMDPD_IN_PLACE_LOOP
  for (long i = begin; i < end; i++) {
    float g = gr[i] * gs;
    float m = mo[i] * b1 + g * c1;
    float v = vo[i] * b2 + (g * g) * c2;
    w_out[i] = w[i] - (m / (__builtin_sqrtf(v) + eps)) * lr;
    m_out[i] = m;
    v_out[i] = v;
  }
}

static void FN(adam)(const llmdpd_adam_args* a, int threads) {
  parallel_range((long)a->n, 4 * ELEMENTWISE_THREAD_MIN, 4 * ELEMENTWISE_CHUNK_MIN, VF, threads, adam_range, (void*)a);
}

#define SQUARES_CHUNK 4096

typedef struct {
  const float* x;
  size_t n;
  double* partial; /* one per chunk */
} squares_job;

static double squares_chunk(const float* x, long n) {
  vd acc0 = {0}, acc1 = {0};
  long i = 0;
  for (; i + VF <= n; i += VF) {
    vf v = load(x + i);
    vf sq = v * v;
    vh lo, hi;
    memcpy(&lo, &sq, sizeof lo);
    memcpy(&hi, (const char*)&sq + sizeof lo, sizeof hi);
    acc0 += __builtin_convertvector(lo, vd);
    acc1 += __builtin_convertvector(hi, vd);
  }
  double total = 0.0;
  for (int l = 0; l < VF / 2; l++) total += acc0[l] + acc1[l];
  for (; i < n; i++) total += (double)x[i] * (double)x[i];
  return total;
}

static void squares_chunks(void* p, long begin, long end) {
  squares_job* job = p;
  for (long c = begin; c < end; c++) {
    long start = c * SQUARES_CHUNK, len = (long)job->n - start < SQUARES_CHUNK ? (long)job->n - start : SQUARES_CHUNK;
    job->partial[c] = squares_chunk(job->x + start, len);
  }
}

/* Σ x² in double: fixed chunks summed in order, so the result does not depend on the threads. */
static double FN(sum_squares)(const float* x, size_t n, int threads) {
  long chunks = (long)((n + SQUARES_CHUNK - 1) / SQUARES_CHUNK);
  double small[64];
  double* partial = chunks <= 64 ? small : malloc(sizeof(double) * (size_t)chunks);
  if (!partial) abort();
  squares_job job = {x, n, partial};
  parallel_range(chunks, 16, 4, 1, threads, squares_chunks, &job);
  double total = 0.0;
  for (long c = 0; c < chunks; c++) total += partial[c];
  if (partial != small) free(partial);
  return total;
}

/* ── Blend, concatenation ──────────────────────────────────────────────────────────────────── */

/* out may be y (in place: a target network's variable averaged towards its source). */
static void FN(blend)(const float* x, const float* y, float* out, size_t n, float a, float b) {
  LLMDPD_IN_PLACE_LOOP
  for (size_t i = 0; i < n; i++) out[i] = a * x[i] + b * y[i];
}

static void FN(concat)(const float* const* inputs, const size_t* inner, int count, size_t outer, float* out) {
  for (size_t o = 0; o < outer; o++) {
    for (int i = 0; i < count; i++) {
      memcpy(out, inputs[i] + o * inner[i], inner[i] * sizeof(float));
      out += inner[i];
    }
  }
}

/* ── Reverse-diffusion step ────────────────────────────────────────────────────────────────── */

static void FN(denoise_forward)(const llmdpd_denoise_args* a) {
  for (size_t i = 0; i < a->n; i++) {
    float x0 = a->ca * a->x[i] - a->ce * a->eps[i];
    x0 = x0 < -a->clip ? -a->clip : x0 > a->clip ? a->clip : x0;
    float out = a->c1 * x0 + a->c2 * a->x[i];
    a->out[i] = a->z ? out + a->sigma * a->z[i] : out;
  }
}

static void FN(denoise_backward)(const llmdpd_denoise_args* a) {
  for (size_t i = 0; i < a->n; i++) {
    float x0 = a->ca * a->x[i] - a->ce * a->eps[i];
    float d_x0 = (x0 < -a->clip || x0 > a->clip) ? 0.0f : a->c1 * a->d_out[i];
    a->d_x[i] = a->c2 * a->d_out[i] + a->ca * d_x0;
    a->d_eps[i] = -a->ce * d_x0;
  }
}

/* ── FMA peak ──────────────────────────────────────────────────────────────────────────────── */

typedef struct {
  double seconds;
  atomic_int started;
  double flops[256];
} peak_job;

static double seconds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* 12 independent accumulators hide the FMA latency on every core this targets; the inputs are
 * read through volatile variables so the compiler cannot fold the loop. */
static void peak_task(void* p, int t, int threads) {
  peak_job* job = p;
  /* Start together (for at most 0.1 s), so that the threads' timed windows overlap. */
  atomic_fetch_add(&job->started, 1);
  for (double until = seconds_now() + 0.1; atomic_load(&job->started) < threads && seconds_now() < until;) {
  }
  volatile float one = 1.0f, decay = 0.999999f;
  vf a = splat(one), b = splat(decay);
  vf acc[12];
  for (int i = 0; i < 12; i++) acc[i] = splat((float)i);
  const long inner = 1 << 14;
  long rounds = 0;
  double start = seconds_now(), elapsed;
  do {
    for (long r = 0; r < inner; r++) {
#pragma GCC unroll 12
      for (int i = 0; i < 12; i++) acc[i] = acc[i] * b + a;
    }
    rounds++;
    elapsed = seconds_now() - start;
  } while (elapsed < job->seconds);
  vf sum = splat(0.0f);
  for (int i = 0; i < 12; i++) sum += acc[i];
  volatile float sink = hsum(sum);
  (void)sink;
  job->flops[t] = (double)rounds * inner * 12 * VF * 2 / elapsed;
}

static double FN(fma_peak)(double seconds, int threads) {
  peak_job job;
  memset(&job, 0, sizeof job);
  atomic_init(&job.started, 0);
  job.seconds = seconds;
  if (threads > 256) threads = 256;
  llmdpd_pool_run(peak_task, &job, threads);
  double total = 0.0;
  for (int i = 0; i < threads; i++) total += job.flops[i];
  return total;
}

const llmdpd_kernel_set CAT(llmdpd_kernels, ISA_NAME) = {
    .name = ISA_LABEL,
    .vector_floats = VF,
    .mr = MR,
    .nr = NR,
    .gemm = FN(gemm),
    .column_sums = FN(column_sums),
    .mish_forward = FN(mish_forward),
    .mish_backward = FN(mish_backward),
    .adam = FN(adam),
    .sum_squares = FN(sum_squares),
    .blend = FN(blend),
    .concat = FN(concat),
    .denoise_forward = FN(denoise_forward),
    .denoise_backward = FN(denoise_backward),
    .fma_peak = FN(fma_peak),
};
