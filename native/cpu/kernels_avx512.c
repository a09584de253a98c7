/* The AVX-512 kernel set (compiled with -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma; used only
 * when cpu.c finds AVX-512F/DQ/BW/VL and the OS saves the ZMM state). */
#define ISA_NAME avx512
#define ISA_LABEL "avx512"
#define VF 16
#define MR 12
#include "kernels_simd.h"
