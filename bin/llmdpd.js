#!/usr/bin/env node
// Command-line entry point; the commands live in dist/cli (built by `npm run build`).
import { main } from '../dist/cli/index.js';

process.exitCode = await main(process.argv.slice(2));
