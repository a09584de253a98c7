/* Run-time CPU feature detection for choosing a kernel set (cpu.c). */
#ifndef LLMDPD_CPU_H
#define LLMDPD_CPU_H

typedef struct {
  int avx2_fma; /* AVX2 and FMA3, with the OS saving YMM state */
  int avx512;   /* AVX-512 F, DQ, BW and VL, with the OS saving ZMM state */
  char vendor[13];
  char brand[49];
} llmdpd_cpu;

void llmdpd_cpu_detect(llmdpd_cpu* out);

#endif
