/**
 * The CLI run from TypeScript sources, for tests that start `llmdpd worker` processes:
 * `node --import ./test/support/ts-register.mjs test/compare/support/cli.ts worker --queue ...`.
 */
import { main } from '../../../src/cli/index.js';

process.exitCode = await main(process.argv.slice(2));
