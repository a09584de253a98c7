/**
 * Loading of the tfjs backend packages. This file and its siblings in `src/engine` are the only
 * places in the library that import a tfjs backend package (`@tensorflow/tfjs-backend-*`,
 * `@tensorflow/tfjs-node*`); the architecture test enforces it.
 *
 * Why dynamic imports: `@tensorflow/tfjs-node` and `-node-gpu` download libtensorflow when they
 * install, so they are optional peer dependencies that many machines cannot have. Importing a
 * backend package also registers it with tfjs as a side effect, and tfjs-node switches the
 * global backend on import; loading each package only when it is asked for keeps the choice in
 * {@link initEngine}'s hands.
 *
 * @module
 */
import { BackendError } from '../core/errors.js';
import { registerLibraryGradients } from './gradients.js';

/** A concrete backend that {@link initEngine} can select. */
export type ConcreteBackend = 'tensorflow' | 'wasm' | 'cpu';

/** npm package that provides each way of getting the `tensorflow` backend, in order of preference. */
export const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/** Imports a module by a name held in a variable, so TypeScript does not require it to be installed. */
async function importOptional(specifier: string): Promise<unknown> {
  return import(specifier);
}

/**
 * Loads tfjs-node-gpu, or tfjs-node when the GPU build is missing.
 * @returns the package that provided the backend.
 * @throws {@link BackendError} when neither package can be loaded, with the reason of each.
 */
export async function loadTensorflowBackend(): Promise<string> {
  const reasons: string[] = [];
  for (const pkg of TENSORFLOW_PACKAGES) {
    try {
      await importOptional(pkg);
      return pkg;
    } catch (error) {
      reasons.push(`${pkg}: ${firstLine(error)}`);
    }
  }
  throw new BackendError(
    `The 'tensorflow' backend needs @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node, and neither could be loaded (${reasons.join('; ')}). ` +
      `Install one with 'npm install @tensorflow/tfjs-node' on a machine that can download libtensorflow, ` +
      `or choose backend 'wasm' (always installed).`,
  );
}

/**
 * Registers gradient functions for the ops the library differentiates through
 * (`engine/gradients.ts`). `@tensorflow/tfjs-core`'s Node bundle ships the ops without their
 * gradients; importing the whole `@tensorflow/tfjs` package would register them all, at about
 * 240 MB of install, so the library registers its own (a user who imports `@tensorflow/tfjs`
 * keeps tfjs's). Without them `tf.grad` fails with "gradient function not found". Called by
 * {@link initEngine}; safe to call more than once.
 */
export async function registerGradients(): Promise<void> {
  registerLibraryGradients();
  return Promise.resolve();
}

/** Loads the always-installed CPU backend (pure JavaScript). */
export async function loadCpuBackend(): Promise<string> {
  await import('@tensorflow/tfjs-backend-cpu');
  return '@tensorflow/tfjs-backend-cpu';
}

/** First line of an error's message, for compact diagnostics. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
