/**
 * Core types, errors, spaces and the seeded random number generator. Imports nothing else
 * from the library and nothing from tfjs.
 *
 * @module core
 */
export * from './atomic-file.js';
export * from './batch.js';
export * from './errors.js';
export * from './rng.js';
export * from './safe-files.js';
export * from './save-folder.js';
export * from './progress.js';
export * from './run/index.js';
export * from './spaces.js';
export type * from './types.js';
