// Lets a child Node process run the TypeScript sources directly, for the tests that need a
// parent process of their own (node --import ./register-ts.mjs script.ts). See ts-hooks.mjs.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
