/**
 * llmdpd: offline reinforcement learning in TypeScript that generalises to unseen tasks.
 *
 * The root entry point re-exports the core types, the engine, the envs, the buffers and the
 * network blocks, datasets, evaluation, encoders, agents, suites, exported policies and
 * comparisons. Each area also has its own entry point (`llmdpd/core`, `llmdpd/engine`,
 * `llmdpd/envs`, `llmdpd/buffers`, `llmdpd/nets`, `llmdpd/datasets`, `llmdpd/eval`,
 * `llmdpd/encoders`, `llmdpd/agents`, `llmdpd/suites`, `llmdpd/export`, `llmdpd/compare`), so a
 * program that only needs buffers and envs never loads tfjs, and `llmdpd/runtime` is the
 * exported-policy runtime alone, one module with no imports.
 *
 * @module llmdpd
 */
export * from './core/index.js';
export * from './engine/index.js';
export * from './envs/index.js';
export * from './buffers/index.js';
export * from './nets/index.js';
export * from './datasets/index.js';
export * from './eval/index.js';
export * from './encoders/index.js';
export * from './agents/index.js';
export * from './suites/index.js';
export * from './export/index.js';
export * from './compare/index.js';
