/**
 * Reading training metrics back from the device. Every read forces a sync, so an update reads
 * only on logging steps (`update(batch, true)`), and then all its scalars in one stacked read.
 * {@link LoggedScalars} collects the values an update wants to log from inside its gradient
 * closures (where tensors would otherwise be freed) without any cost on the other steps.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Reads named scalars with one device read (stacked), instead of one sync per scalar.
 * @param scalars - metric name to scalar; null entries read as NaN.
 */
export function readScalars(scalars: Readonly<Record<string, tf.Scalar | null>>): Record<string, number> {
  const names = Object.keys(scalars).filter((k) => scalars[k] !== null);
  const values =
    names.length === 0 ? new Float32Array(0) : tf.tidy(() => tf.stack(names.map((k) => scalars[k]!)).dataSync());
  const out: Record<string, number> = {};
  for (const k of Object.keys(scalars)) out[k] = NaN;
  names.forEach((k, i) => (out[k] = values[i]!));
  return out;
}

/**
 * Scalars an update logs, kept alive past the `tf.tidy` or gradient closure that made them, and
 * only on logging steps.
 *
 * @example
 * ```ts
 * const logged = new LoggedScalars(readMetrics); // readMetrics: this step logs
 * const { value, grads } = tf.variableGrads(() => {
 *   const bc = loss();
 *   logged.keep('loss/bc', bc);
 *   return bc;
 * }, actor.trainableVariables());
 * const metrics = logged.read({ 'loss/actor': value }); // null when not logging
 * tf.dispose([value, grads]);
 * ```
 */
export class LoggedScalars {
  private readonly kept = new Map<string, tf.Scalar>();

  /** @param active - false on steps that log nothing: {@link LoggedScalars.keep} then does nothing. */
  constructor(readonly active: boolean) {}

  /** Keeps a copy of `value` (a scalar, or the mean of a tensor) under `name` when logging. */
  keep(name: string, value: tf.Tensor): void {
    if (!this.active) return;
    this.kept.get(name)?.dispose();
    this.kept.set(name, tf.keep(tf.tidy(() => (value.rank === 0 ? tf.clone(value) : tf.mean(value)) as tf.Scalar)));
  }

  /**
   * Reads the kept scalars and `more` in one device read, frees the kept copies and returns
   * the metrics; returns null (and frees nothing it did not keep) when not logging.
   */
  read(more: Readonly<Record<string, tf.Scalar | null>> = {}): Record<string, number> | null {
    if (!this.active) return null;
    const metrics = readScalars({ ...more, ...Object.fromEntries(this.kept) });
    this.dispose();
    return metrics;
  }

  /** Frees the kept copies. */
  dispose(): void {
    for (const t of this.kept.values()) t.dispose();
    this.kept.clear();
  }
}
