/**
 * The library's error hierarchy. Every error a user can trigger through bad input is one of
 * these classes, so callers can branch on `instanceof` and tests can assert the class as well
 * as the message. Messages say what was expected, what was received and how to fix it.
 *
 * @module
 */

/** Base class of every error raised by llmdpd. */
export class RlError extends Error {
  /** @param message - what was expected, what was received, and how to fix it. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A configuration or option object has an invalid field. */
export class ConfigError extends RlError {}

/** An array or tensor has the wrong shape, length or dimension. */
export class ShapeError extends RlError {}

/** A dataset, buffer file or transition is malformed (NaN, wrong version, missing key, ...). */
export class DatasetError extends RlError {}

/**
 * A save was refused because its folder already holds a save of another kind (a replay buffer, an
 * agent checkpoint, a run folder, ...) or a file the save would overwrite without owning it.
 * Nothing on disk was changed.
 */
export class SaveConflictError extends DatasetError {
  /**
   * @param message - what is in the folder, what the save would have done, and how to fix it.
   * @param found - a short name of what the folder holds, e.g. `a ReplayBuffer save`.
   */
  constructor(
    message: string,
    readonly found: string,
  ) {
    super(message);
  }
}

/** An environment broke the Gymnasium contract or was used out of order. */
export class EnvError extends RlError {}

/** A tensor backend was requested that cannot be loaded or initialised. */
export class BackendError extends RlError {}

/** A lookup by name or id found nothing (unknown env id, unknown task name, ...). */
export class NotFoundError extends RlError {}

/**
 * Used in the `default` branch of an exhaustive `switch` over a string union: the compiler
 * rejects the call when a case is missing, and at run time it reports the unexpected value.
 *
 * @param value - the value that no case handled (typed `never` when the switch is exhaustive).
 * @param what - what kind of value it was, for the message.
 * @throws {@link ConfigError} always.
 */
export function unreachable(value: never, what: string): never {
  throw new ConfigError(`Unknown ${what}: ${JSON.stringify(value)}.`);
}

/**
 * A dataset's actions leave the policy's action range [−maxAction, maxAction] (after any action
 * scaling): training would clip them silently, so `fit` refuses the data. The message gives the
 * range found and the fixes (action scaling, or a larger maxAction).
 */
export class ActionRangeError extends DatasetError {
  /**
   * @param message - the range found, the bound, and how to fix it.
   * @param minimum - the data's smallest action per dimension.
   * @param maximum - the data's largest action per dimension.
   * @param bound - the policy's maxAction.
   */
  constructor(
    message: string,
    readonly minimum: readonly number[],
    readonly maximum: readonly number[],
    readonly bound: number,
  ) {
    super(message);
  }
}
