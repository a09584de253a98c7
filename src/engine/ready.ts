/**
 * The check that turns tfjs's bare "No backend found in registry" into an error that says what
 * to do: network blocks call {@link requireBackend} before they create their first tensor, so
 * building an agent before `await initEngine()` fails at once with the fix in the message.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '../core/errors.js';

/** True when a tfjs backend is initialised and active (by `initEngine` or by `tf.setBackend`). */
export function backendReady(): boolean {
  const engine = tf.engine();
  const name = engine.backendName as string | null;
  return name !== null && name !== undefined && engine.registry[name] !== undefined;
}

/**
 * Throws unless a tfjs backend is ready.
 * @param where - what needs it, for the message (e.g. `'new DiffusionQLAgent'`).
 * @throws {@link BackendError} saying to call `await initEngine()` first.
 */
export function requireBackend(where: string): void {
  if (backendReady()) return;
  throw new BackendError(
    `${where} needs a tensor backend, and none is initialised yet. Call \`await initEngine()\` (from 'llmdpd' or 'llmdpd/engine') once at the start of the program, before building agents, encoders or networks; it picks tfjs-node, wasm or cpu and says which.`,
  );
}
