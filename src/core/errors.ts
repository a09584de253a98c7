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

/**
 * An agent checkpoint whose bytes pass their checksums but whose content cannot be trusted: a
 * header field of the wrong type, range or finiteness, a config that does not match the stored
 * weights, or weights and optimiser moments that are not finite. Nothing was built from it (or
 * what was built was freed).
 */
export class CheckpointError extends DatasetError {
  /**
   * @param message - what was expected, what was found, and how to fix it.
   * @param field - the header field or column at fault, e.g. `step`, `rng.noise.words`,
   * `conditioning.kind.textVectors[1]` or `column critic/3`.
   */
  constructor(
    message: string,
    readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * An input to a policy (an observation, a trajectory prompt, a feature vector, a text vector) holds
 * NaN or an infinite value. A network would turn it into a confident-looking action, so it is
 * refused; the message names the input, the row and the column.
 */
export class NonFiniteInputError extends RlError {
  /**
   * @param message - which input, where, and how to fix it.
   * @param input - the input at fault, e.g. `observation` or `context.trajectoryPrompt.actions`.
   * @param row - its row (0 for a single vector).
   * @param column - its column.
   * @param value - the value found (NaN, Infinity or -Infinity).
   */
  constructor(
    message: string,
    readonly input: string,
    readonly row: number,
    readonly column: number,
    readonly value: number,
  ) {
    super(message);
  }
}

/**
 * Training diverged: a loss or value read during `fit` is not finite, or the weights are not when a
 * checkpoint is due. Training stops; no checkpoint holding non-finite values is written, so the
 * last good one stays on disk.
 */
export class DivergenceError extends RlError {
  /**
   * @param message - the step, the metric or variable, the value, and what to change.
   * @param step - the agent's step count when it was detected.
   * @param metric - the metric (`loss/critic`) or variable (`weights actor/3`) found non-finite.
   */
  constructor(
    message: string,
    readonly step: number,
    readonly metric: string,
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
