/* The AVX2 + FMA kernel set (compiled with -mavx2 -mfma; used only when cpu.c finds both). */
#define ISA_NAME avx2
#define ISA_LABEL "avx2"
#define VF 8
#define MR 6
#include "kernels_simd.h"
