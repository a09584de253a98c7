/*
 * llmdpd's native CPU kernels: the interface shared by the instruction-set variants
 * (kernels_portable.c, kernels_avx2.c, kernels_avx512.c, each an instantiation of kernels_simd.h
 * compiled with its own flags), the thread pool (pool.c) and the Node-API glue (addon.c).
 *
 * Every pointer is a plain host pointer: addon.c turns byte offsets into the tfjs wasm backend's
 * memory into pointers after checking the bounds, so nothing here sees JavaScript values.
 */
#ifndef LLMDPD_KERNELS_H
#define LLMDPD_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Version of the interface addon.c exposes to src/engine/native.ts: bump it whenever a kernel's
 * arguments or meaning change, so that a stale build is refused there instead of misread. */
#define LLMDPD_NATIVE_ABI 2

/* C[M,N] = act(op(A)·op(B) + bias[N]), op = identity or transpose, act = identity or Mish. A is
 * [M,K] row-major ([K,M] when transA), B is [K,N] ([N,K] when transB). Optional extras, written
 * in the same pass: `pre` receives the product before the activation (what Mish's gradient
 * needs), `b_column_sums` receives Σ_k op(B)[k, j] (a bias gradient, when B holds the output
 * gradients of a layer). Outputs must not overlap the inputs or each other. */
typedef struct {
  int m, n, k;
  const float* a;
  int trans_a;
  const float* b;
  int trans_b;
  const float* bias;    /* may be NULL */
  float* c;
  int mish;             /* apply Mish to C */
  float* pre;           /* may be NULL: C before the activation */
  float* b_column_sums; /* may be NULL: [N] */
} llmdpd_gemm_args;

/* One Adam step over n values with the bias corrections folded into step_size and eps_hat and
 * the gradient scaled by grad_scale first (global-norm clipping); see native/wasm/kernels.c. */
typedef struct {
  const float *w, *g, *m, *v;
  float *w_out, *m_out, *v_out;
  size_t n;
  float beta1, one_minus_beta1, beta2, one_minus_beta2, step_size, eps_hat, grad_scale;
} llmdpd_adam_args;

/* One reverse-diffusion step of a [rows, cols] action block (the clipped DDPM posterior mean):
 *   x0 = clip(ca·x − ce·eps, ±clip),  out = c1·x0 + c2·x + sigma·z   (z may be NULL: no noise)
 * Backward, from d_out: d_x0 = c1·d_out masked to where x0 was not clipped,
 *   d_x = c2·d_out + ca·d_x0,  d_eps = −ce·d_x0. */
typedef struct {
  const float *x, *eps, *z, *d_out;
  float *out, *d_x, *d_eps;
  size_t n;
  float ca, ce, c1, c2, sigma, clip;
} llmdpd_denoise_args;

/* A variant's kernels; `threads` is how many pool threads a call may use (1: the caller only). */
typedef struct {
  const char* name;   /* "avx512", "avx2" or "portable" */
  int vector_floats;  /* SIMD width in floats */
  int mr, nr;         /* GEMM register tile */
  void (*gemm)(const llmdpd_gemm_args* args, int threads);
  void (*column_sums)(const float* x, int m, int n, float* out, int threads);
  void (*mish_forward)(const float* x, float* y, size_t n, int threads);
  void (*mish_backward)(const float* dy, const float* x, float* dx, size_t n, int threads);
  void (*adam)(const llmdpd_adam_args* args, int threads);
  double (*sum_squares)(const float* x, size_t n, int threads);
  /* out = a·x + b·y over n values (Polyak and EMA averaging). */
  void (*blend)(const float* x, const float* y, float* out, size_t n, float a, float b);
  /* Concatenation along an axis: `outer` blocks, each the inputs' `inner[i]` values in turn. */
  void (*concat)(const float* const* inputs, const size_t* inner, int count, size_t outer, float* out);
  void (*denoise_forward)(const llmdpd_denoise_args* args);
  void (*denoise_backward)(const llmdpd_denoise_args* args);
  /* Measured fp32 FLOP/s of independent FMAs on `threads` threads for about `seconds`. */
  double (*fma_peak)(double seconds, int threads);
} llmdpd_kernel_set;

extern const llmdpd_kernel_set llmdpd_kernels_portable;
#if defined(LLMDPD_X64)
extern const llmdpd_kernel_set llmdpd_kernels_avx2;
extern const llmdpd_kernel_set llmdpd_kernels_avx512;
#endif

#endif
