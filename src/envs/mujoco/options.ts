/**
 * Option checking shared by the MuJoCo locomotion envs: unknown keys and bad values become
 * {@link ConfigError}s that name the env, the option and an example of a valid value.
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';

/** A closed interval option such as `healthyZRange`: `[low, high]`, either end may be infinite. */
export type RangeOption = readonly [low: number, high: number];

/** Reads and validates an env's options object, rejecting keys the env does not know. */
export class OptionReader {
  private readonly where: string;
  private readonly options: Readonly<Record<string, unknown>>;

  /**
   * @param where - the env id, for messages.
   * @param options - the caller's options (`undefined` means none).
   * @param allowed - every key the env accepts.
   * @throws {@link ConfigError} when `options` is not an object or has a key outside `allowed`.
   */
  constructor(where: string, options: unknown, allowed: readonly string[]) {
    this.where = where;
    const given: unknown = options ?? {};
    if (typeof given !== 'object' || given === null || Array.isArray(given)) {
      throw new ConfigError(
        `${where} options must be an object such as { ctrlCostWeight: 0.001 }, got ${Array.isArray(given) ? 'an array' : typeof given}.`,
      );
    }
    const unknown = Object.keys(given).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) {
      throw new ConfigError(
        `${where} has no option ${unknown.map((k) => JSON.stringify(k)).join(', ')}; its options are ${allowed.join(', ')}.`,
      );
    }
    this.options = given as Record<string, unknown>;
  }

  /** Whether the caller set `key` (to anything but `undefined`). */
  has(key: string): boolean {
    return this.options[key] !== undefined;
  }

  /**
   * A finite number, `fallback` when unset.
   * @throws {@link ConfigError} when it is not a finite number, below `min`, or not an integer when `integer` is set.
   */
  number(key: string, fallback: number, limits: { readonly min?: number; readonly integer?: boolean } = {}): number {
    const v = this.options[key];
    if (v === undefined) return fallback;
    const kind = limits.integer === true ? 'an integer' : 'a finite number';
    if (typeof v !== 'number' || !Number.isFinite(v) || (limits.integer === true && !Number.isInteger(v))) {
      throw new ConfigError(
        `${this.where} option ${key} must be ${kind}, got ${describe(v)}. Pass e.g. { ${key}: ${fallback} }.`,
      );
    }
    if (limits.min !== undefined && v < limits.min) {
      throw new ConfigError(
        `${this.where} option ${key} must be at least ${limits.min}, got ${v}. Pass e.g. { ${key}: ${fallback} }.`,
      );
    }
    return v;
  }

  /**
   * A boolean, `fallback` when unset.
   * @throws {@link ConfigError} when it is not a boolean.
   */
  boolean(key: string, fallback: boolean): boolean {
    const v = this.options[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean')
      throw new ConfigError(`${this.where} option ${key} must be true or false, got ${describe(v)}.`);
    return v;
  }

  /**
   * A `[low, high]` pair with `low <= high` (NaN rejected, infinities allowed), `fallback` when unset.
   * @throws {@link ConfigError} otherwise.
   */
  range(key: string, fallback: RangeOption): RangeOption {
    const v = this.options[key];
    if (v === undefined) return fallback;
    const ok =
      Array.isArray(v) &&
      v.length === 2 &&
      v.every((x) => typeof x === 'number' && !Number.isNaN(x)) &&
      (v[0] as number) <= (v[1] as number);
    if (!ok) {
      throw new ConfigError(
        `${this.where} option ${key} must be [low, high] with low <= high (Infinity allowed), got ${describe(v)}. Pass e.g. { ${key}: [${fallback.join(', ')}] }.`,
      );
    }
    return Object.freeze<RangeOption>([v[0] as number, v[1] as number]);
  }
}

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'number' ? String(x) : typeof x)).join(', ')}]`;
  return v === null ? 'null' : typeof v;
}
