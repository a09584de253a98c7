/**
 * Network building blocks on tfjs, written for the speed profile of the wasm backend: dense
 * layers and MLPs with hand-written backward passes, a one-sigmoid Mish, Adam over explicit
 * variable lists, gradient clipping, Polyak and EMA target copies, sinusoidal step embeddings
 * and diffusion noise schedules.
 *
 * @module nets
 */
export * from './activations.js';
export * from './adam.js';
export * from './dense.js';
export * from './grad-clip.js';
export * from './init.js';
export * from './mlp.js';
export * from './module.js';
export * from './projection.js';
export * from './schedules.js';
export * from './stop-gradient.js';
export * from './target-updates.js';
export * from './timestep-embedding.js';
