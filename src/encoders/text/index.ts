/**
 * Text-prompt encoders for LLMDPD (paper section 3.1.1): the {@link TextEncoder} contract, an
 * LLM through transformers.js, precomputed vectors from a file, a zero-download hashed n-gram
 * default, the structured prompt format and an on-disk embedding cache.
 *
 * @module
 */
export * from './text-encoder.js';
export * from './prompt-format.js';
export * from './hashed-text-encoder.js';
export * from './precomputed-text-encoder.js';
export * from './embedding-cache.js';
export * from './transformers-text-encoder.js';
