/*
 * CPU feature detection with cpuid and xgetbv. An instruction set counts only when the CPU has it
 * and the operating system saves the registers it uses (XCR0), as the Intel and AMD manuals
 * require before AVX or AVX-512 code runs.
 */
#include "cpu.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long xgetbv0(void) {
  unsigned eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return ((unsigned long long)edx << 32) | eax;
}

void llmdpd_cpu_detect(llmdpd_cpu* out) {
  memset(out, 0, sizeof *out);
  unsigned a, b, c, d, max_leaf = __get_cpuid_max(0, NULL);
  if (max_leaf == 0) return;
  __cpuid(0, a, b, c, d);
  memcpy(out->vendor, &b, 4);
  memcpy(out->vendor + 4, &d, 4);
  memcpy(out->vendor + 8, &c, 4);
  if (__get_cpuid_max(0x80000000, NULL) >= 0x80000004) {
    unsigned regs[12];
    for (unsigned i = 0; i < 3; i++) __cpuid(0x80000002 + i, regs[4 * i], regs[4 * i + 1], regs[4 * i + 2], regs[4 * i + 3]);
    memcpy(out->brand, regs, 48);
  }
  __cpuid(1, a, b, c, d);
  int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
  if (!osxsave || !avx || max_leaf < 7) return;
  unsigned long long xcr0 = xgetbv0();
  int ymm_state = (xcr0 & 0x6) == 0x6;
  int zmm_state = (xcr0 & 0xe6) == 0xe6;
  __cpuid_count(7, 0, a, b, c, d);
  int avx2 = (b >> 5) & 1;
  int avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1, avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
  out->avx2_fma = ymm_state && avx2 && fma;
  out->avx512 = out->avx2_fma && zmm_state && avx512f && avx512dq && avx512bw && avx512vl;
}
#else
void llmdpd_cpu_detect(llmdpd_cpu* out) { memset(out, 0, sizeof *out); }
#endif
