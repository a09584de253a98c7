#!/usr/bin/env node
// Command-line entry point; the commands live in dist/cli (built by `npm run build`).
// `llmdpd build-native` runs scripts/build-native.mjs directly: it must work in an installed
// package whatever state its native build is in.
if (process.argv[2] === 'build-native') {
  await import('../scripts/build-native.mjs');
} else {
  const { main } = await import('../dist/cli/index.js');
  process.exitCode = await main(process.argv.slice(2));
}
