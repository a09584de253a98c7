/*
 * Node-API glue of llmdpd's native kernels (loaded by src/engine/native.ts).
 *
 * The kernels work on the tfjs wasm backend's own memory: JavaScript hands over the wasm
 * Memory's ArrayBuffer (again whenever the memory grows, which replaces that object) and, per
 * call, byte offsets into it. Arguments travel through a Float64Array shared with JavaScript
 * (setArgs), so a call converts no JavaScript values; every offset and size is checked against
 * the memory's length here before any kernel touches memory, so a wrong argument is a RangeError,
 * never a stray write.
 */
#define _GNU_SOURCE /* dladdr */
#define NAPI_VERSION 8
#include <node_api.h>

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "kernels.h"
#include "pool.h"

#define ARG_SLOTS 32

typedef struct {
  const llmdpd_kernel_set* set;
  int threads;
  uint8_t* base;
  size_t length;
  double* args;
  napi_ref args_ref;
} state_t;

static llmdpd_cpu cpu;

/* Kernel sets this build holds and this CPU runs, best first. */
static int available_sets(const llmdpd_kernel_set** out) {
  int n = 0;
#if defined(LLMDPD_X64)
  if (cpu.avx512) out[n++] = &llmdpd_kernels_avx512;
  if (cpu.avx2_fma) out[n++] = &llmdpd_kernels_avx2;
#endif
  out[n++] = &llmdpd_kernels_portable;
  return n;
}

#define CHECK(call)                                                    \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error(env, NULL, "llmdpd native: N-API call failed"); \
      return NULL;                                                     \
    }                                                                  \
  } while (0)

static state_t* state_of(napi_env env) {
  void* data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

static napi_value throw_range(napi_env env, const char* message) {
  napi_throw_range_error(env, NULL, message);
  return NULL;
}

static napi_value number(napi_env env, double value) {
  napi_value out;
  napi_create_double(env, value, &out);
  return out;
}

static napi_value undefined(napi_env env) {
  napi_value out;
  napi_get_undefined(env, &out);
  return out;
}

/* Checked argument access: errors are recorded in `bad` and reported once by the caller. */
typedef struct {
  state_t* s;
  const char* bad;
} reader;

static int size_arg(reader* r, int slot) {
  double v = r->s->args[slot];
  if (!(v >= 0 && v <= 2147483647.0 && v == floor(v))) {
    r->bad = "a size is not an integer in [0, 2^31)";
    return 0;
  }
  return (int)v;
}

/* A float pointer from the byte offset in `slot`, for `floats` values; NULL when the slot is −1
 * and `optional`. */
static float* ptr_arg(reader* r, int slot, double floats, int optional) {
  double off = r->s->args[slot];
  if (optional && off == -1) return NULL;
  if (r->s->base == NULL) {
    r->bad = "no memory bound (call setMemory first)";
    return NULL;
  }
  if (!(off >= 0 && off == floor(off) && fmod(off, 4.0) == 0.0)) {
    r->bad = "an offset is not a non-negative multiple of 4";
    return NULL;
  }
  if (off + floats * 4.0 > (double)r->s->length) {
    r->bad = "an operand reaches past the end of the memory";
    return NULL;
  }
  return (float*)(r->s->base + (size_t)off);
}

static int overlaps(const float* a, double a_len, const float* b, double b_len) {
  if (!a || !b) return 0;
  return a < b + (size_t)b_len && b < a + (size_t)a_len;
}

/* For kernels that may run in place: an output overlaps an input other than by being it. */
static int overlaps_unless_same(const float* out, const float* in, double n) {
  return out != in && overlaps(out, n, in, n);
}

static state_t* ready(napi_env env) {
  state_t* s = state_of(env);
  if (!s || !s->args || !s->set) {
    napi_throw_error(env, NULL, "llmdpd native: configure and setArgs must be called first");
    return NULL;
  }
  return s;
}

/* gemm(): args [m, n, k, a, transA, b, transB, bias | −1, c, mish, pre | −1, bColumnSums | −1] */
static napi_value js_gemm(napi_env env, napi_callback_info info) {
  state_t* s = ready(env);
  if (!s) return NULL;
  reader r = {s, NULL};
  llmdpd_gemm_args g;
  g.m = size_arg(&r, 0);
  g.n = size_arg(&r, 1);
  g.k = size_arg(&r, 2);
  g.trans_a = s->args[4] != 0;
  g.trans_b = s->args[6] != 0;
  double mk = (double)g.m * g.k, kn = (double)g.k * g.n, mn = (double)g.m * g.n;
  if (r.bad) return throw_range(env, r.bad);
  g.a = ptr_arg(&r, 3, mk, 0);
  g.b = ptr_arg(&r, 5, kn, 0);
  g.bias = ptr_arg(&r, 7, g.n, 1);
  g.c = ptr_arg(&r, 8, mn, 0);
  g.mish = s->args[9] != 0;
  g.pre = ptr_arg(&r, 10, mn, 1);
  g.b_column_sums = ptr_arg(&r, 11, g.n, 1);
  if (r.bad) return throw_range(env, r.bad);
  const float* outs[3] = {g.c, g.pre, g.b_column_sums};
  const double out_len[3] = {mn, mn, g.n};
  for (int i = 0; i < 3; i++) {
    if (overlaps(outs[i], out_len[i], g.a, mk) || overlaps(outs[i], out_len[i], g.b, kn) ||
        overlaps(outs[i], out_len[i], g.bias, g.n))
      return throw_range(env, "an output overlaps an input");
    for (int j = i + 1; j < 3; j++)
      if (overlaps(outs[i], out_len[i], outs[j], out_len[j])) return throw_range(env, "two outputs overlap");
  }
  s->set->gemm(&g, s->threads);
  return undefined(env);
}

/* columnSums(): args [x, m, n, out] */
static napi_value js_column_sums(napi_env env, napi_callback_info info) {
  state_t* s = ready(env);
  if (!s) return NULL;
  reader r = {s, NULL};
  int m = size_arg(&r, 1), n = size_arg(&r, 2);
  if (r.bad) return throw_range(env, r.bad);
  const float* x = ptr_arg(&r, 0, (double)m * n, 0);
  float* out = ptr_arg(&r, 3, n, 0);
  if (r.bad) return throw_range(env, r.bad);
  if (overlaps(out, n, x, (double)m * n)) return throw_range(env, "the output overlaps an input");
  s->set->column_sums(x, m, n, out, s->threads);
  return undefined(env);
}

/* mish(): args [x, y, n] */
static napi_value js_mish(napi_env env, napi_callback_info info) {
  state_t* s = ready(env);
  if (!s) return NULL;
  reader r = {s, NULL};
  int n = size_arg(&r, 2);
  if (r.bad) return throw_range(env, r.bad);
  const float* x = ptr_arg(&r, 0, n, 0);
  float* y = ptr_arg(&r, 1, n, 0);
  if (r.bad) return throw_range(env, r.bad);
  s->set->mish_forward(x, y, (size_t)n, s->threads);
  return undefined(env);
}

/* mishGrad(): args [dy, x, dx, n] */
static napi_value js_mish_grad(napi_env env, napi_callback_info info) {
  state_t* s = ready(env);
  if (!s) return NULL;
  reader r = {s, NULL};
  int n = size_arg(&r, 3);
  if (r.bad) return throw_range(env, r.bad);
  const float* dy = ptr_arg(&r, 0, n, 0);
  const float* x = ptr_arg(&r, 1, n, 0);
  float* dx = ptr_arg(&r, 2, n, 0);
  if (r.bad) return throw_range(env, r.bad);
  s->set->mish_backward(dy, x, dx, (size_t)n, s->threads);
  return undefined(env);
}

/* adam(): args [w, g, m, v, wOut, mOut, vOut, n, β1, 1−β1, β2, 1−β2, stepSize, epsHat, gradScale];
 * wOut may be w, mOut m and vOut v (in place). */
static napi_value js_adam(napi_env env, napi_callback_info info) {
  state_t* s = ready(env);
  if (!s) return NULL;
  reader r = {s, NULL};
  int n = size_arg(&r, 7);
  if (r.bad) return throw_range(env, r.bad);
  llmdpd_adam_args a;
  a.w = ptr_arg(&r, 0, n, 0);
  a.g = ptr_arg(&r, 1, n, 0);
  a.m = ptr_arg(&r, 2, n, 0);
  a.v = ptr_arg(&r, 3, n, 0);
  a.w_out = ptr_arg(&r, 4, n, 0);
  a.m_out = ptr_arg(&r, 5, n, 0);
  a.v_out = ptr_arg(&r, 6, n, 0);
  if (r.bad) return throw_range(env, r.bad);
  /* Each output may be its own input (in place), but must not touch the other operands. */
  const float* ins[4] = {a.w, a.g, a.m, a.v};
  const float* outs[3] = {a.w_out, a.m_out, a.v_out};
  const int own[3] = {0, 2, 3};
  for (int i = 0; i < 3; i++) {
    for (int j = 0; j < 4; j++) {
      if (j == own[i] ? overlaps_unless_same(outs[i], ins[j], n) : overlaps(outs[i], n, ins[j], n))
        return throw_range(env, "an output overlaps an input other than its own");
    }
    for (int j = 0; j < i; j++)
      if (overlaps(outs[i], n, outs[j], n)) return throw_range(env, "two outputs overlap");
  }
  a.n = (size_t)n;
  const double* v = s->args;
  a.beta1 = (float)v[8];
  a.one_minus_beta1 = (float)v[9];
  a.beta2 = (float)v[10];
  a.one_minus_beta2 = (float)v[11];
  a.step_size = (float)v[12];
  a.eps_hat = (float)v[13];
  a.grad_scale = (float)v[14];
  s->set->adam(&a, s->threads);
  return undefined(env);
}

/* sumSquares(): args [x, n] → Σ x² (summed in double) */
static napi_value js_sum_squares(napi_env env, napi_callback_info info) {
  state_t* s = ready(env);
  if (!s) return NULL;
  reader r = {s, NULL};
  int n = size_arg(&r, 1);
  if (r.bad) return throw_range(env, r.bad);
  const float* x = ptr_arg(&r, 0, n, 0);
  if (r.bad) return throw_range(env, r.bad);
  return number(env, s->set->sum_squares(x, (size_t)n, s->threads));
}

/* blend(): args [x, y, out, n, a, b]: out = a·x + b·y; out may be y (in place). */
static napi_value js_blend(napi_env env, napi_callback_info info) {
  state_t* s = ready(env);
  if (!s) return NULL;
  reader r = {s, NULL};
  int n = size_arg(&r, 3);
  if (r.bad) return throw_range(env, r.bad);
  const float* x = ptr_arg(&r, 0, n, 0);
  const float* y = ptr_arg(&r, 1, n, 0);
  float* out = ptr_arg(&r, 2, n, 0);
  if (r.bad) return throw_range(env, r.bad);
  if (overlaps(out, n, x, n) || overlaps_unless_same(out, y, n))
    return throw_range(env, "the output overlaps x, or y other than by being it");
  s->set->blend(x, y, out, (size_t)n, (float)s->args[4], (float)s->args[5]);
  return undefined(env);
}

/* concat(): args [out, outer, count, (input, inner) × count], count ≤ 14 */
static napi_value js_concat(napi_env env, napi_callback_info info) {
  state_t* s = ready(env);
  if (!s) return NULL;
  reader r = {s, NULL};
  int outer = size_arg(&r, 1), count = size_arg(&r, 2);
  if (r.bad) return throw_range(env, r.bad);
  if (count < 1 || count > 14) return throw_range(env, "concat takes 1 to 14 inputs");
  const float* inputs[14];
  size_t inner[14];
  double total = 0;
  for (int i = 0; i < count; i++) {
    inner[i] = (size_t)size_arg(&r, 4 + 2 * i);
    if (r.bad) return throw_range(env, r.bad);
    inputs[i] = ptr_arg(&r, 3 + 2 * i, (double)outer * inner[i], 0);
    total += (double)inner[i];
  }
  float* out = ptr_arg(&r, 0, (double)outer * total, 0);
  if (r.bad) return throw_range(env, r.bad);
  for (int i = 0; i < count; i++)
    if (overlaps(out, (double)outer * total, inputs[i], (double)outer * inner[i])) return throw_range(env, "the output overlaps an input");
  s->set->concat(inputs, inner, count, (size_t)outer, out);
  return undefined(env);
}

/* denoise(): args [x, eps, z | −1, out, n, ca, ce, c1, c2, sigma, clip] */
static napi_value js_denoise(napi_env env, napi_callback_info info) {
  state_t* s = ready(env);
  if (!s) return NULL;
  reader r = {s, NULL};
  int n = size_arg(&r, 4);
  if (r.bad) return throw_range(env, r.bad);
  llmdpd_denoise_args a;
  memset(&a, 0, sizeof a);
  a.x = ptr_arg(&r, 0, n, 0);
  a.eps = ptr_arg(&r, 1, n, 0);
  a.z = ptr_arg(&r, 2, n, 1);
  a.out = ptr_arg(&r, 3, n, 0);
  if (r.bad) return throw_range(env, r.bad);
  const double* v = s->args;
  a.n = (size_t)n;
  a.ca = (float)v[5];
  a.ce = (float)v[6];
  a.c1 = (float)v[7];
  a.c2 = (float)v[8];
  a.sigma = (float)v[9];
  a.clip = (float)v[10];
  s->set->denoise_forward(&a);
  return undefined(env);
}

/* denoiseGrad(): args [x, eps, dOut, dX, dEps, n, ca, ce, c1, c2, clip] */
static napi_value js_denoise_grad(napi_env env, napi_callback_info info) {
  state_t* s = ready(env);
  if (!s) return NULL;
  reader r = {s, NULL};
  int n = size_arg(&r, 5);
  if (r.bad) return throw_range(env, r.bad);
  llmdpd_denoise_args a;
  memset(&a, 0, sizeof a);
  a.x = ptr_arg(&r, 0, n, 0);
  a.eps = ptr_arg(&r, 1, n, 0);
  a.d_out = ptr_arg(&r, 2, n, 0);
  a.d_x = ptr_arg(&r, 3, n, 0);
  a.d_eps = ptr_arg(&r, 4, n, 0);
  if (r.bad) return throw_range(env, r.bad);
  const double* v = s->args;
  a.n = (size_t)n;
  a.ca = (float)v[6];
  a.ce = (float)v[7];
  a.c1 = (float)v[8];
  a.c2 = (float)v[9];
  a.clip = (float)v[10];
  s->set->denoise_backward(&a);
  return undefined(env);
}

/* setMemory(arrayBuffer) */
static napi_value js_set_memory(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool is_ab = false;
  if (argc < 1 || napi_is_arraybuffer(env, argv[0], &is_ab) != napi_ok || !is_ab) {
    napi_throw_type_error(env, NULL, "setMemory expects the wasm memory's ArrayBuffer");
    return NULL;
  }
  state_t* s = state_of(env);
  void* data = NULL;
  size_t length = 0;
  CHECK(napi_get_arraybuffer_info(env, argv[0], &data, &length));
  s->base = data;
  s->length = data ? length : 0;
  return undefined(env);
}

/* setArgs(float64Array of at least 32 values): the argument block of every kernel call */
static napi_value js_set_args(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool is_ta = false;
  napi_typedarray_type type;
  size_t length = 0;
  void* data = NULL;
  if (argc < 1 || napi_is_typedarray(env, argv[0], &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_float64_array || length < ARG_SLOTS) {
    napi_throw_type_error(env, NULL, "setArgs expects a Float64Array of at least 32 values");
    return NULL;
  }
  state_t* s = state_of(env);
  if (s->args_ref) napi_delete_reference(env, s->args_ref);
  CHECK(napi_create_reference(env, argv[0], 1, &s->args_ref));
  s->args = data;
  return undefined(env);
}

static int read_string(napi_env env, napi_value v, char* out, size_t size) {
  size_t len = 0;
  return napi_get_value_string_utf8(env, v, out, size, &len) == napi_ok;
}

static const llmdpd_kernel_set* find_set(const char* name) {
  const llmdpd_kernel_set* sets[4];
  int n = available_sets(sets);
  for (int i = 0; i < n; i++)
    if (strcmp(sets[i]->name, name) == 0) return sets[i];
  return NULL;
}

/* configure(setName, threads): chooses the kernel set and the thread count of this context */
static napi_value js_configure(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[32] = {0};
  int32_t threads = 0;
  if (argc < 2 || !read_string(env, argv[0], name, sizeof name) || napi_get_value_int32(env, argv[1], &threads) != napi_ok) {
    napi_throw_type_error(env, NULL, "configure expects (setName: string, threads: number)");
    return NULL;
  }
  const llmdpd_kernel_set* set = find_set(name);
  if (!set) return throw_range(env, "this kernel set is not available on this CPU or in this build");
  if (threads < 1 || threads > 256) return throw_range(env, "threads must be 1 to 256");
  if (llmdpd_pool_size() < threads) llmdpd_pool_resize(threads);
  state_t* s = state_of(env);
  s->set = set;
  s->threads = threads < llmdpd_pool_size() ? threads : llmdpd_pool_size();
  return number(env, s->threads);
}

/* fmaPeak(setName, seconds, threads) → measured fp32 FLOP/s of independent FMAs */
static napi_value js_fma_peak(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[32] = {0};
  double seconds = 0;
  int32_t threads = 1;
  if (argc < 3 || !read_string(env, argv[0], name, sizeof name) || napi_get_value_double(env, argv[1], &seconds) != napi_ok ||
      napi_get_value_int32(env, argv[2], &threads) != napi_ok) {
    napi_throw_type_error(env, NULL, "fmaPeak expects (setName: string, seconds: number, threads: number)");
    return NULL;
  }
  const llmdpd_kernel_set* set = find_set(name);
  if (!set) return throw_range(env, "this kernel set is not available on this CPU or in this build");
  if (!(seconds > 0 && seconds <= 10) || threads < 1 || threads > 256) return throw_range(env, "seconds must be in (0, 10], threads 1 to 256");
  if (llmdpd_pool_size() < threads) llmdpd_pool_resize(threads);
  return number(env, set->fma_peak(seconds, threads));
}

/* setSpin(microseconds): how long idle workers spin before sleeping */
static napi_value js_set_spin(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t us = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, argv[0], &us) != napi_ok || us < 0) {
    napi_throw_type_error(env, NULL, "setSpin expects a number of microseconds >= 0");
    return NULL;
  }
  llmdpd_pool_set_spin_us(us);
  return undefined(env);
}

static void free_state(napi_env env, void* data, void* hint) {
  state_t* s = data;
  if (s->args_ref) napi_delete_reference(env, s->args_ref);
  free(s);
}

static napi_value set_string(napi_env env, napi_value obj, const char* key, const char* value) {
  napi_value v;
  napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, key, v);
  return obj;
}

static napi_value set_bool(napi_env env, napi_value obj, const char* key, int value) {
  napi_value v;
  napi_get_boolean(env, value != 0, &v);
  napi_set_named_property(env, obj, key, v);
  return obj;
}

/*
 * Runs once per process, whichever thread loads the addon first. Node closes an addon when the
 * last environment that loaded it ends (a worker thread exiting, say), and the system would then
 * unmap this library while the pool's threads still run its code and sleep on its mutexes: a
 * later load mapped it afresh, with a new, empty pool beside the old threads, which crashed or
 * deadlocked the process. Opening the library once more with RTLD_NODELETE keeps it mapped, with
 * its pool, for the life of the process.
 */
static void load_once(void) {
  llmdpd_cpu_detect(&cpu);
  Dl_info self;
  if (dladdr((void*)&load_once, &self) && self.dli_fname) dlopen(self.dli_fname, RTLD_NOW | RTLD_NODELETE);
}

NAPI_MODULE_INIT() {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, load_once);
  state_t* s = calloc(1, sizeof *s);
  if (!s) return NULL;
  napi_set_instance_data(env, s, free_state, NULL);

  napi_property_descriptor fns[] = {
      {"gemm", NULL, js_gemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"columnSums", NULL, js_column_sums, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mish", NULL, js_mish, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mishGrad", NULL, js_mish_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"adam", NULL, js_adam, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sumSquares", NULL, js_sum_squares, NULL, NULL, NULL, napi_enumerable, NULL},
      {"blend", NULL, js_blend, NULL, NULL, NULL, napi_enumerable, NULL},
      {"concat", NULL, js_concat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"denoise", NULL, js_denoise, NULL, NULL, NULL, napi_enumerable, NULL},
      {"denoiseGrad", NULL, js_denoise_grad, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setMemory", NULL, js_set_memory, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setArgs", NULL, js_set_args, NULL, NULL, NULL, napi_enumerable, NULL},
      {"configure", NULL, js_configure, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fmaPeak", NULL, js_fma_peak, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setSpin", NULL, js_set_spin, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);

  napi_value abi, sets, cpu_obj;
  napi_create_int32(env, LLMDPD_NATIVE_ABI, &abi);
  napi_set_named_property(env, exports, "abi", abi);
  const llmdpd_kernel_set* list[4];
  int n = available_sets(list);
  napi_create_array_with_length(env, n, &sets);
  for (int i = 0; i < n; i++) {
    napi_value name;
    napi_create_string_utf8(env, list[i]->name, NAPI_AUTO_LENGTH, &name);
    napi_set_element(env, sets, i, name);
  }
  napi_set_named_property(env, exports, "kernelSets", sets);
  napi_create_object(env, &cpu_obj);
  set_string(env, cpu_obj, "vendor", cpu.vendor);
  set_string(env, cpu_obj, "brand", cpu.brand);
  set_bool(env, cpu_obj, "avx2", cpu.avx2_fma);
  set_bool(env, cpu_obj, "avx512", cpu.avx512);
  napi_set_named_property(env, exports, "cpu", cpu_obj);
  return exports;
}
