/**
 * JSON values, for the free-form task parameters a {@link MultiTaskDataset} stores in its
 * manifest.
 *
 * @module
 */
import { ConfigError } from '../core/errors.js';

/** A value that survives `JSON.stringify` then `JSON.parse` unchanged. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * Checks that `value` is a plain JSON value: strings, finite numbers, booleans, null, arrays and
 * plain objects, with no cycles.
 *
 * @param where - the path of the value, for the message (e.g. `tasks[2].params`).
 * @throws {@link ConfigError} naming the path of the first value that would not round-trip.
 */
export function checkJson(value: unknown, where: string, seen: Set<object> = new Set()): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return;
    throw new ConfigError(`${where} is ${String(value)}; JSON cannot store it. Use a finite number or null.`);
  }
  if (typeof value === 'object') {
    if (seen.has(value)) throw new ConfigError(`${where} contains a cycle; JSON cannot store it.`);
    const isArray = Array.isArray(value);
    if (!isArray && Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) {
      throw new ConfigError(
        `${where} is a ${value.constructor?.name ?? 'non-plain object'}; only plain objects and arrays round-trip through JSON. ` +
          'Convert typed arrays with Array.from and dates with toISOString().',
      );
    }
    seen.add(value);
    if (isArray) (value as unknown[]).forEach((v, i) => checkJson(v, `${where}[${i}]`, seen));
    else for (const [k, v] of Object.entries(value)) checkJson(v, `${where}.${k}`, seen);
    seen.delete(value);
    return;
  }
  throw new ConfigError(
    `${where} is a ${typeof value}; only JSON values (string, number, boolean, null, array, object) can be stored.`,
  );
}
