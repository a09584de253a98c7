# llmdpd's native kernels (native/cpu), built by node-gyp through scripts/build-native.mjs.
# The AVX2 and AVX-512 variants are static libraries of their own so that only they are compiled
# with those instruction sets; native/cpu/cpu.c decides at run time which variant runs.
{
  "variables": {
    "llmdpd_cflags": ["-O3", "-std=gnu11", "-fno-math-errno", "-ffp-contract=fast", "-fPIC", "-fvisibility=hidden", "-Wall", "-Wno-unused-parameter", "-Wno-unused-function"],
  },
  "targets": [
    {
      "target_name": "llmdpd_native",
      "sources": ["native/cpu/addon.c", "native/cpu/pool.c", "native/cpu/cpu.c", "native/cpu/kernels_portable.c"],
      "cflags": ["<@(llmdpd_cflags)"],
      "cflags!": ["-O2"],
      "ldflags": ["-pthread", "-ldl"],
      "xcode_settings": {"OTHER_CFLAGS": ["<@(llmdpd_cflags)"], "MACOSX_DEPLOYMENT_TARGET": "11.0"},
      "conditions": [
        ["target_arch=='x64'", {"defines": ["LLMDPD_X64=1"], "dependencies": ["llmdpd_avx2", "llmdpd_avx512"]}],
      ],
    },
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "llmdpd_avx2",
          "type": "static_library",
          "sources": ["native/cpu/kernels_avx2.c"],
          "defines": ["LLMDPD_X64=1"],
          "cflags": ["<@(llmdpd_cflags)", "-mavx2", "-mfma"],
          "cflags!": ["-O2"],
          "xcode_settings": {"OTHER_CFLAGS": ["<@(llmdpd_cflags)", "-mavx2", "-mfma"]},
        },
        {
          "target_name": "llmdpd_avx512",
          "type": "static_library",
          "sources": ["native/cpu/kernels_avx512.c"],
          "defines": ["LLMDPD_X64=1"],
          "cflags": ["<@(llmdpd_cflags)", "-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mfma", "-mavx2", "-mprefer-vector-width=512"],
          "cflags!": ["-O2"],
          "xcode_settings": {"OTHER_CFLAGS": ["<@(llmdpd_cflags)", "-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mfma", "-mavx2", "-mprefer-vector-width=512"]},
        },
      ],
    }],
  ],
}
