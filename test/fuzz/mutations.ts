/**
 * fast-check arbitraries that damage files: byte flips, overwrites, truncations and appended
 * bytes for binary files, and field edits (a value replaced by a hostile one, or removed) for
 * JSON documents. Applying a mutation is deterministic, so a failing case printed by fast-check
 * (seed and path) reproduces exactly.
 */
import fc from 'fast-check';

/** One damage to a byte string. */
export type ByteMutation =
  | { readonly kind: 'flip'; readonly flips: readonly (readonly [number, number])[] }
  | { readonly kind: 'overwrite'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'append'; readonly bytes: Uint8Array };

/**
 * Byte mutations. Positions are taken modulo the file's length; half of them fall in the first
 * `hotBytes` bytes (headers and manifests live there), half anywhere.
 */
export function byteMutation(hotBytes = 4096): fc.Arbitrary<ByteMutation> {
  const position = fc.oneof(fc.nat(hotBytes - 1), fc.nat());
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('flip' as const),
        flips: fc.array(fc.tuple(position, fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 6 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('overwrite' as const),
        at: position,
        bytes: fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 8 }),
          fc.constantFrom(
            Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f),
            Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0),
            Uint8Array.of(0, 0, 0xc0, 0x7f), // float32 NaN
            Uint8Array.of(0, 0, 0x80, 0x7f), // float32 +Infinity
          ),
        ),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: position }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('append' as const),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
      }),
    },
  );
}

/** `bytes` with `m` applied (a new buffer). */
export function applyBytes(bytes: Uint8Array, m: ByteMutation): Buffer {
  const out = Buffer.from(bytes);
  const n = out.length;
  switch (m.kind) {
    case 'flip':
      for (const [at, bit] of m.flips) out[at % n] ^= 1 << bit;
      return out;
    case 'overwrite':
      for (let i = 0; i < m.bytes.length; i++) out[(m.at + i) % n] = m.bytes[i];
      return out;
    case 'truncate':
      return out.subarray(0, m.at % n);
    case 'append':
      return Buffer.concat([out, m.bytes]);
  }
}

/** A JSON path: object keys and array indices from the root. */
export type JsonPath = readonly (string | number)[];

/** Every path in a JSON document (the root excluded), depth first, capped at `max` paths. */
export function jsonPaths(doc: unknown, max = 400): JsonPath[] {
  const out: JsonPath[] = [];
  const visit = (v: unknown, path: JsonPath): void => {
    if (out.length >= max) return;
    if (path.length > 0) out.push(path);
    if (Array.isArray(v)) v.slice(0, 6).forEach((x, i) => visit(x, [...path, i]));
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) visit(x, [...path, k]);
  };
  visit(doc, []);
  return out;
}

/** Placeholder serialised as the bare token `1e999` (which `JSON.parse` reads as Infinity). */
export const INFINITY_TOKEN = '__llmdpd_fuzz_infinity__';

/** Values that hostile or damaged files hold where something else was expected. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -1,
      -5,
      1.5,
      1e308,
      2 ** 53,
      2 ** 31,
      -(2 ** 31),
      1e12,
      '',
      'abc',
      '../x',
      '/etc/passwd',
      '/dev/zero',
      'data-0123456789abcdef.bin',
      [],
      {},
      [1, 2],
      [[]],
      { a: 1 },
      INFINITY_TOKEN,
    ),
  },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

/** One edit of a JSON document: a value replaced or removed. */
export type JsonEdit =
  | { readonly op: 'set'; readonly path: JsonPath; readonly value: unknown }
  | { readonly op: 'delete'; readonly path: JsonPath };

/** Edits of the given paths (1 to 3 per case). */
export function jsonEdits(paths: readonly JsonPath[]): fc.Arbitrary<JsonEdit[]> {
  const path = fc.constantFrom(...paths);
  const edit: fc.Arbitrary<JsonEdit> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('set' as const), path, value: hostileValue }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), path }) },
  );
  return fc.array(edit, { minLength: 1, maxLength: 3 });
}

/** A deep copy of `doc` with the edits applied (edits whose path no longer exists are skipped). */
export function applyJsonEdits(doc: unknown, edits: readonly JsonEdit[]): unknown {
  const root = JSON.parse(JSON.stringify(doc)) as unknown;
  for (const e of edits) {
    let parent: unknown = root;
    for (const key of e.path.slice(0, -1)) {
      if (parent === null || typeof parent !== 'object') break;
      parent = (parent as Record<string | number, unknown>)[key];
    }
    if (parent === null || typeof parent !== 'object') continue;
    const last = e.path[e.path.length - 1];
    const target = parent as Record<string | number, unknown>;
    if (e.op === 'delete') {
      if (Array.isArray(parent) && typeof last === 'number') (parent as unknown[]).splice(last, 1);
      else delete target[last];
    } else target[last] = e.value;
  }
  return root;
}

/** Serialises a document, writing {@link INFINITY_TOKEN} as the bare token `1e999`. */
export function toJsonText(doc: unknown): string {
  return JSON.stringify(doc).replaceAll(JSON.stringify(INFINITY_TOKEN), '1e999');
}
