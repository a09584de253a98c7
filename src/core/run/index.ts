/**
 * Run folders and training loggers: the writer `fit(..., { logDir })` uses, the reader the CLI
 * and comparisons use, and the logger interface between the training loop and its outputs.
 *
 * @module
 */
export * from './format.js';
export * from './loggers.js';
export { findRunFolders, isRunFolder, readRunFolder, type RunFolderContents } from './reader.js';
export { RunFolderWriter, type RunFolderInit } from './writer.js';
