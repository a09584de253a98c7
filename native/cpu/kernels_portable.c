/* The portable kernel set: baseline vectors of the target (SSE2 on x86-64, NEON on arm64). */
#define ISA_NAME portable
#define ISA_LABEL "portable"
#define VF 4
#define MR 4
#include "kernels_simd.h"
