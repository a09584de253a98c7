#!/usr/bin/env bash
# Builds assets/wasm/llmdpd-kernels.wasm from native/wasm/kernels.c (clang with the wasm32
# target and lld: `apt-get install clang lld`). The module imports the tfjs wasm backend's
# memory, so it must have no data segment and never touch a stack: the check below fails the
# build if either appears.
set -euo pipefail
cd "$(dirname "$0")/.."
out=assets/wasm/llmdpd-kernels.wasm
clang --target=wasm32 -O3 -msimd128 -nostdlib -fno-builtin \
  -Wl,--no-entry -Wl,--import-memory -Wl,-z,stack-size=0 -Wl,--strip-debug \
  -o "$out" native/wasm/kernels.c
node --input-type=module -e "
import { readFileSync } from 'node:fs';
const mod = new WebAssembly.Module(readFileSync('$out'));
const imports = WebAssembly.Module.imports(mod).map((i) => i.module + '.' + i.name + ':' + i.kind);
if (imports.join() !== 'env.memory:memory') throw new Error('unexpected imports ' + imports.join());
const exports = WebAssembly.Module.exports(mod).map((e) => e.name).sort();
console.log('$out', readFileSync('$out').length, 'bytes; exports', exports.join(', '));
"
if command -v wasm-objdump >/dev/null; then
  if wasm-objdump -x "$out" | grep -q '^Data\['; then echo 'kernels.wasm has a data segment' >&2; exit 1; fi
  if wasm-objdump -d "$out" | grep -q 'global.get'; then echo 'kernels.wasm uses the stack pointer' >&2; exit 1; fi
fi
# Record which source the binary was built from; test/engine/kernels.test.ts checks it.
sha256sum native/wasm/kernels.c | cut -d' ' -f1 > assets/wasm/llmdpd-kernels.source.sha256
