/**
 * Declarative config validation shared by every agent: each field has a rule, unknown fields
 * (likely typos) are rejected with the closest known names, and a message names the field, the
 * value and what it must be.
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';

/** A rule for one config field, or the list of allowed string values. */
export type FieldRule =
  | 'int'
  | 'positiveInt'
  | 'nonNegativeInt'
  | 'evenPositiveInt'
  | 'positive'
  | 'nonNegative'
  | 'unit'
  | 'dims'
  | 'boolean'
  | readonly string[]
  | CustomRule;

/** A rule given as a check and the phrase that completes "must be …" in its message. */
export interface CustomRule {
  /** True when the value is valid. */
  readonly check: (value: unknown) => boolean;
  /** What the value must be, e.g. `'an object { kind, ... }'`. */
  readonly description: string;
}

function describe(rule: FieldRule): string {
  if (Array.isArray(rule)) return `one of ${rule.map((r) => `'${r}'`).join(', ')}`;
  if (typeof rule === 'object') return (rule as CustomRule).description;
  switch (rule) {
    case 'int':
      return 'an integer';
    case 'positiveInt':
      return 'an integer >= 1';
    case 'nonNegativeInt':
      return 'an integer >= 0';
    case 'evenPositiveInt':
      return 'an even integer >= 2';
    case 'positive':
      return 'a finite number > 0';
    case 'nonNegative':
      return 'a finite number >= 0';
    case 'unit':
      return 'a number in [0, 1]';
    case 'dims':
      return 'a non-empty array of integers >= 1';
    case 'boolean':
      return 'true or false';
    default:
      return 'valid';
  }
}

function passes(rule: FieldRule, v: unknown): boolean {
  if (Array.isArray(rule)) return typeof v === 'string' && rule.includes(v);
  if (typeof rule === 'object') return (rule as CustomRule).check(v);
  const num = typeof v === 'number' && Number.isFinite(v);
  switch (rule) {
    case 'int':
      return num && Number.isInteger(v);
    case 'positiveInt':
      return num && Number.isInteger(v) && v >= 1;
    case 'nonNegativeInt':
      return num && Number.isInteger(v) && v >= 0;
    case 'evenPositiveInt':
      return num && Number.isInteger(v) && v >= 2 && v % 2 === 0;
    case 'positive':
      return num && v > 0;
    case 'nonNegative':
      return num && v >= 0;
    case 'unit':
      return num && v >= 0 && v <= 1;
    case 'dims':
      return Array.isArray(v) && v.length > 0 && v.every((d) => Number.isInteger(d) && d >= 1);
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return false;
  }
}

/**
 * Checks every field of `config` against `rules` and rejects unknown fields (likely typos).
 * @throws {@link ConfigError} naming the first bad field, its value and what it must be.
 */
export function validateConfig(
  what: string,
  config: Readonly<Record<string, unknown>>,
  rules: Readonly<Record<string, FieldRule>>,
): void {
  for (const key of Object.keys(config)) {
    if (!(key in rules)) {
      const known = Object.keys(rules);
      const close = known.filter((k) => k.toLowerCase().includes(key.toLowerCase().slice(0, 4)));
      throw new ConfigError(
        `${what} has no field '${key}'.${close.length > 0 ? ` Did you mean ${close.map((k) => `'${k}'`).join(' or ')}?` : ''} Known fields: ${known.join(', ')}.`,
      );
    }
  }
  for (const [key, rule] of Object.entries(rules)) {
    const value = config[key];
    if (!passes(rule, value))
      throw new ConfigError(`${what}.${key} must be ${describe(rule)}, got ${JSON.stringify(value)}.`);
  }
}
