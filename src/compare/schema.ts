/**
 * A small schema language for JSON inputs: one description gives both the validator (every
 * problem reported with its field path, e.g. `agents[1].config.eta: expected a number > 0,
 * got "x"`) and the JSON Schema published for editors, so the two cannot drift apart.
 *
 * Only what the comparison spec needs: strings (with enums and patterns), numbers and integers
 * with bounds, booleans, arrays, closed objects with required fields and defaults, unions,
 * and unions tagged by a constant field (`kind`, `class`).
 *
 * @module
 */
import { ConfigError } from '../core/errors.js';

/** A JSON Schema document or fragment (draft 2020-12). */
export type JsonSchema = { readonly [key: string]: unknown };

/** One schema node: validates a value and describes itself as JSON Schema. */
export interface Schema<T> {
  /**
   * Checks `value` and returns it with defaults filled in, or `undefined` after pushing one
   * message per problem (prefixed with `path`) onto `errors`.
   */
  check(value: unknown, path: string, errors: string[]): T | undefined;
  /** The JSON Schema of the node. */
  jsonSchema(): JsonSchema;
  /** A short human description ("a number > 0"), used in messages. */
  readonly expected: string;
}

/** Renders a received value for a message: JSON for plain values, a type name otherwise. */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === 'object') return 'an object';
  return typeof value === 'function' || typeof value === 'symbol' ? typeof value : JSON.stringify(value);
}

function fail(errors: string[], path: string, expected: string, value: unknown): undefined {
  errors.push(`${path || '(root)'}: expected ${expected}, got ${shown(value)}`);
  return undefined;
}

function withDescription(schema: JsonSchema, description: string | undefined): JsonSchema {
  return description === undefined ? schema : { description, ...schema };
}

/** Options of {@link string}. */
export interface StringOptions {
  /** Allowed values. */
  readonly enum?: readonly string[];
  /** A regular expression the whole value must match. */
  readonly pattern?: RegExp;
  /** What the pattern means, for messages ("a name of letters, digits, '-' and '_'"). */
  readonly patternText?: string;
  /** Description for editors. */
  readonly description?: string;
}

/** A string, optionally one of `enum` or matching `pattern`. */
export function string<T extends string = string>(options: StringOptions = {}): Schema<T> {
  const expected =
    options.enum !== undefined
      ? `one of ${options.enum.map((v) => JSON.stringify(v)).join(', ')}`
      : (options.patternText ?? 'a non-empty string');
  return {
    expected,
    check(value, path, errors) {
      if (typeof value !== 'string' || value.length === 0) return fail(errors, path, expected, value);
      if (options.enum !== undefined && !options.enum.includes(value)) return fail(errors, path, expected, value);
      if (options.pattern !== undefined && !options.pattern.test(value)) return fail(errors, path, expected, value);
      return value as T;
    },
    jsonSchema() {
      const s: Record<string, unknown> = { type: 'string', minLength: 1 };
      if (options.enum !== undefined) s.enum = [...options.enum];
      if (options.pattern !== undefined) s.pattern = options.pattern.source;
      return withDescription(s, options.description);
    },
  };
}

/** Options of {@link number}. */
export interface NumberOptions {
  /** Whole numbers only. */
  readonly integer?: boolean;
  /** Smallest allowed value. */
  readonly minimum?: number;
  /** Values must be greater than this. */
  readonly exclusiveMinimum?: number;
  /** Largest allowed value. */
  readonly maximum?: number;
  /** Values must be less than this. */
  readonly exclusiveMaximum?: number;
  /** Description for editors. */
  readonly description?: string;
}

/** A finite number (or integer) within bounds. */
export function number(options: NumberOptions = {}): Schema<number> {
  const bounds: string[] = [];
  if (options.minimum !== undefined) bounds.push(`>= ${options.minimum}`);
  if (options.exclusiveMinimum !== undefined) bounds.push(`> ${options.exclusiveMinimum}`);
  if (options.maximum !== undefined) bounds.push(`<= ${options.maximum}`);
  if (options.exclusiveMaximum !== undefined) bounds.push(`< ${options.exclusiveMaximum}`);
  const noun = options.integer === true ? 'an integer' : 'a number';
  const expected =
    options.minimum !== undefined && options.maximum !== undefined
      ? `${noun} in [${options.minimum}, ${options.maximum}]`
      : `${noun}${bounds.length > 0 ? ` ${bounds.join(' and ')}` : ''}`;
  return {
    expected,
    check(value, path, errors) {
      const ok =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (options.integer !== true || Number.isSafeInteger(value)) &&
        (options.minimum === undefined || value >= options.minimum) &&
        (options.exclusiveMinimum === undefined || value > options.exclusiveMinimum) &&
        (options.maximum === undefined || value <= options.maximum) &&
        (options.exclusiveMaximum === undefined || value < options.exclusiveMaximum);
      return ok ? value : fail(errors, path, expected, value);
    },
    jsonSchema() {
      const s: Record<string, unknown> = { type: options.integer === true ? 'integer' : 'number' };
      for (const key of ['minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum'] as const)
        if (options[key] !== undefined) s[key] = options[key];
      return withDescription(s, options.description);
    },
  };
}

/** `true` or `false`. */
export function boolean(description?: string): Schema<boolean> {
  const expected = 'true or false';
  return {
    expected,
    check: (value, path, errors) => (typeof value === 'boolean' ? value : fail(errors, path, expected, value)),
    jsonSchema: () => withDescription({ type: 'boolean' }, description),
  };
}

/** One constant string value (a union's tag). */
export function constant<T extends string>(value: T, description?: string): Schema<T> {
  const expected = JSON.stringify(value);
  return {
    expected,
    check: (v, path, errors) => (v === value ? value : fail(errors, path, expected, v)),
    jsonSchema: () => withDescription({ const: value }, description),
  };
}

/** A JSON object with any keys, every value matching `value` (a map, e.g. task name -> vector). */
export function record<T>(value: Schema<T>, description?: string): Schema<Record<string, T>> {
  const expected = `an object of name -> ${value.expected}`;
  return {
    expected,
    check(v, path, errors) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(errors, path, expected, v);
      const before = errors.length;
      const out: Record<string, T> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const checked = value.check(x, `${path}[${JSON.stringify(k)}]`, errors);
        if (checked !== undefined) out[k] = checked;
      }
      return errors.length === before ? out : undefined;
    },
    jsonSchema: () => withDescription({ type: 'object', additionalProperties: value.jsonSchema() }, description),
  };
}

/** Options of {@link array}. */
export interface ArrayOptions {
  /** Fewest items. @defaultValue 0 */
  readonly minItems?: number;
  /** Items must be pairwise different (compared as JSON). */
  readonly uniqueItems?: boolean;
  /** Description for editors. */
  readonly description?: string;
}

/** An array whose items all match `item`. */
export function array<T>(item: Schema<T>, options: ArrayOptions = {}): Schema<T[]> {
  const min = options.minItems ?? 0;
  const expected = `an array${min > 0 ? ` of at least ${min}` : ''} (items: ${item.expected})`;
  return {
    expected,
    check(value, path, errors) {
      if (!Array.isArray(value) || value.length < min) return fail(errors, path, expected, value);
      const before = errors.length;
      const out = value.map((v, i) => item.check(v, `${path}[${i}]`, errors));
      if (options.uniqueItems === true) {
        const seen = new Map<string, number>();
        value.forEach((v, i) => {
          const key = JSON.stringify(v);
          const first = seen.get(key);
          if (first !== undefined)
            errors.push(`${path}[${i}]: ${shown(v)} repeats ${path}[${first}]; items must differ`);
          else seen.set(key, i);
        });
      }
      return errors.length === before ? (out as T[]) : undefined;
    },
    jsonSchema() {
      const s: Record<string, unknown> = { type: 'array', items: item.jsonSchema() };
      if (min > 0) s.minItems = min;
      if (options.uniqueItems === true) s.uniqueItems = true;
      return withDescription(s, options.description);
    },
  };
}

/** One field of an {@link object}. */
export interface Field<T> {
  /** The field's schema. */
  readonly schema: Schema<T>;
  /** True when the field must be present. */
  readonly required?: boolean;
  /** Value used when the field is absent (also published as the JSON Schema default). */
  readonly default?: T;
  /** Why the field is not accepted here, for fields that must not be set (message instead of the schema). */
  readonly forbidden?: string;
}

/** Options of {@link object}. */
export interface ObjectOptions {
  /** Description for editors. */
  readonly description?: string;
  /** Allow fields not listed (their values are kept unchecked). @defaultValue false */
  readonly open?: boolean;
  /** Name of the object in messages ("an agent"). @defaultValue "an object" */
  readonly noun?: string;
}

function closeNames(name: string, known: readonly string[]): string[] {
  const lower = name.toLowerCase();
  return known.filter((k) => {
    const kl = k.toLowerCase();
    return kl.includes(lower) || lower.includes(kl) || (lower.length >= 3 && kl.startsWith(lower.slice(0, 3)));
  });
}

/** A JSON object with the listed fields; unknown fields are errors (typos) unless `open`. */
export function object<T>(fields: { readonly [K in keyof T]-?: Field<T[K]> }, options: ObjectOptions = {}): Schema<T> {
  const entries: [string, Field<unknown>][] = Object.entries<Field<unknown>>(fields);
  const allowed = entries.filter(([, f]) => f.forbidden === undefined).map(([k]) => k);
  const expected = options.noun ?? 'an object';
  return {
    expected,
    check(value, path, errors) {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        return fail(errors, path, expected, value);
      const before = errors.length;
      const record = value as Record<string, unknown>;
      const out: Record<string, unknown> = options.open === true ? { ...record } : {};
      for (const key of Object.keys(record)) {
        const field = fields[key as keyof T] as Field<unknown> | undefined;
        const at = path ? `${path}.${key}` : key;
        if (field?.forbidden !== undefined) errors.push(`${at}: ${field.forbidden}`);
        else if (field === undefined && options.open !== true) {
          const close = closeNames(key, allowed);
          errors.push(
            `${at}: unknown field${close.length > 0 ? ` (did you mean ${close.map((c) => JSON.stringify(c)).join(' or ')}?)` : ''}; known fields: ${allowed.join(', ')}`,
          );
        }
      }
      for (const [key, field] of entries) {
        if (field.forbidden !== undefined) continue;
        const at = path ? `${path}.${key}` : key;
        if (record[key] === undefined) {
          if (field.required === true) errors.push(`${at}: required (${field.schema.expected})`);
          else if (field.default !== undefined) out[key] = field.default;
          continue;
        }
        const v = field.schema.check(record[key], at, errors);
        if (v !== undefined) out[key] = v;
      }
      return errors.length === before ? (out as T) : undefined;
    },
    jsonSchema() {
      const properties: Record<string, JsonSchema> = {};
      const required: string[] = [];
      for (const [key, field] of entries) {
        if (field.forbidden !== undefined) continue;
        const s = field.schema.jsonSchema();
        properties[key] = field.default !== undefined ? { ...s, default: field.default } : s;
        if (field.required === true) required.push(key);
      }
      const s: Record<string, unknown> = { type: 'object', properties };
      if (required.length > 0) s.required = required;
      if (options.open !== true) s.additionalProperties = false;
      return withDescription(s, options.description);
    },
  };
}

/**
 * A union told apart by one constant field (`tag`): the value's tag picks the variant, and
 * only that variant's problems are reported.
 */
export function tagged<T>(tag: string, variants: Readonly<Record<string, Schema<T>>>, noun: string): Schema<T> {
  const names = Object.keys(variants);
  const expected = `${noun} with "${tag}" one of ${names.map((n) => JSON.stringify(n)).join(', ')}`;
  return {
    expected,
    check(value, path, errors) {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        return fail(errors, path, expected, value);
      const t = (value as Record<string, unknown>)[tag];
      const variant = typeof t === 'string' ? variants[t] : undefined;
      if (variant === undefined)
        return fail(
          errors,
          path ? `${path}.${tag}` : tag,
          `one of ${names.map((n) => JSON.stringify(n)).join(', ')}`,
          t,
        );
      return variant.check(value, path, errors);
    },
    jsonSchema: () => ({ oneOf: names.map((n) => variants[n].jsonSchema()) }),
  };
}

/**
 * A union of schemas tried in order: the first that accepts the value wins. When none does and
 * every variant rejects the value's type, one message lists what was expected; when a variant
 * accepts the type but not the content (an object with a bad field), that variant's problems are
 * reported (the variant with the fewest, on a tie the first).
 */
export function union<T>(variants: readonly Schema<T>[], description?: string): Schema<T> {
  const expected = variants.map((v) => v.expected).join(' or ');
  return {
    expected,
    check(value, path, errors) {
      let best: string[] | null = null;
      for (const variant of variants) {
        const trial: string[] = [];
        const v = variant.check(value, path, trial);
        if (trial.length === 0) return v;
        const deeper = trial.some((e) => !e.startsWith(`${path || '(root)'}: expected`));
        if (deeper && (best === null || trial.length < best.length)) best = trial;
      }
      if (best === null) return fail(errors, path, expected, value);
      errors.push(...best);
      return undefined;
    },
    jsonSchema: () => withDescription({ anyOf: variants.map((v) => v.jsonSchema()) }, description),
  };
}

/**
 * Checks `value` against `schema` and returns it with defaults filled in.
 * @throws {@link ConfigError} listing every problem with its field path.
 */
export function validate<T>(schema: Schema<T>, value: unknown, what: string): T {
  const errors: string[] = [];
  const out = schema.check(value, '', errors);
  if (errors.length > 0 || out === undefined) {
    const shownErrors = errors.slice(0, 20);
    throw new ConfigError(
      `${what} is not valid (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n  ${shownErrors.join('\n  ')}${errors.length > 20 ? `\n  ... and ${errors.length - 20} more` : ''}`,
    );
  }
  return out;
}
