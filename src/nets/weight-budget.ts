/**
 * A guard on the sizes of the arrays a network allocates when it is built. Every place that
 * draws a network's initial weights (dense layers, trajectory-encoder blocks, layer norms,
 * embedding tables, noise schedules) calls {@link reserveWeights} with the number of values it
 * is about to allocate, *before* allocating them:
 *
 * - **Always**: one array of more than {@link MAX_WEIGHTS_PER_ARRAY} values (or a size that is not
 *   a safe integer) is a {@link ConfigError} naming the array, instead of a `RangeError` from the
 *   typed-array constructor or an allocation of gigabytes that ends in an out-of-memory abort.
 * - **Inside {@link withWeightBudget}**: the values and the reservations made so far are counted
 *   against a budget, and the call that would exceed it throws the budget's own error. Loading a checkpoint builds
 *   the agent this way, with the number of values the checkpoint stores as the budget, so a
 *   header whose config asks for larger networks (an absurd hidden size) is refused before those
 *   networks are allocated (`src/agents/common/agent-scaffold.ts`, `buildFromHeader`).
 *
 * @module
 */
import { ConfigError, type RlError } from '../core/errors.js';

/** The most values one weight array may hold: 2^28 float32 values, 1 GiB. */
export const MAX_WEIGHTS_PER_ARRAY = 2 ** 28;

/** A budget of values for the networks built inside {@link withWeightBudget}. */
export interface WeightBudget {
  /** The most values the networks built inside may allocate in all. */
  readonly limit: number;
  /**
   * The most reservations (one per layer, layer norm or table) they may make: a config with an
   * absurd layer count builds many small layers, each cheap, all together slow.
   */
  readonly maxReservations: number;
  /**
   * The error thrown by the reservation that would exceed `limit` or `maxReservations`.
   * @param what - the array being allocated (e.g. `a dense layer of 256 x 256`).
   * @param total - the values reserved so far, that reservation included.
   * @param reservations - the reservations made so far, that one included.
   */
  readonly exceeded: (what: string, total: number, reservations: number) => RlError;
}

interface ActiveBudget {
  readonly budget: WeightBudget;
  reserved: number;
  reservations: number;
}

let active: ActiveBudget | null = null;

/**
 * Declares that `count` values are about to be allocated for the array `what`.
 * @throws {@link ConfigError} when `count` is not a safe integer >= 0 or exceeds
 * {@link MAX_WEIGHTS_PER_ARRAY}; the active budget's error when it would be exceeded.
 */
export function reserveWeights(count: number, what: string): void {
  if (active !== null) {
    // The budget first: its error says more (what the checkpoint holds, which config size is off).
    active.reserved += Math.max(0, count);
    active.reservations += 1;
    const b = active.budget;
    if (active.reserved > b.limit || active.reservations > b.maxReservations)
      throw b.exceeded(what, active.reserved, active.reservations);
  }
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_WEIGHTS_PER_ARRAY) {
    throw new ConfigError(
      `${what} would hold ${String(count)} values; one weight array may hold at most ${MAX_WEIGHTS_PER_ARRAY} (1 GiB of float32). Check the sizes in the config (hidden widths, embedding sizes, prompt lengths, diffusion steps).`,
    );
  }
}

/**
 * Runs `build` with every {@link reserveWeights} counted against `budget`; budgets do not nest
 * (the inner one replaces the outer one for its duration).
 * @returns what `build` returns.
 * @throws whatever `build` throws, including the budget's error.
 */
export function withWeightBudget<T>(budget: WeightBudget, build: () => T): T {
  const outer = active;
  active = { budget, reserved: 0, reservations: 0 };
  try {
    return build();
  } finally {
    active = outer;
  }
}
