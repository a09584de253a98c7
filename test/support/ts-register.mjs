/**
 * `node --import ./test/support/ts-register.mjs file.ts`: runs TypeScript sources of this
 * repository without a build (see ts-hooks.mjs). Tests pass it to the worker threads and
 * processes they start.
 */
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
