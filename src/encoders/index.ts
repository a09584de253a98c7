/**
 * Prompt encoders for LLMDPD: frozen text encoders (an LLM through transformers.js, vectors
 * precomputed elsewhere, or the zero-download hashed n-gram default) with an on-disk cache, and
 * the trainable trajectory transformer.
 *
 * @module encoders
 */
export * from './text/index.js';
export * from './trajectory/index.js';
