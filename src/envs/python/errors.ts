/**
 * The errors of the Python bridge, all {@link EnvError}s:
 *
 * - {@link PythonEnvError}: Python raised an exception in the env (or while making it). The
 *   process is still alive and the env can be used again (after a reset, as in Python).
 * - {@link PythonProcessError}: the process could not start, exited, was killed, or broke the
 *   protocol. The env cannot be used any more; make a new one.
 * - {@link PythonTimeoutError}: a call got no answer within `timeoutMs`; the process was killed.
 *
 * @module
 */
import { EnvError } from '../../core/errors.js';

/** The env call that was running: `'make'` (the handshake), `'reset'`, `'step'` or `'close'`. */
export type PythonOperation = 'make' | 'reset' | 'step' | 'close';

/** What the bridge reports about a Python exception. */
export interface PythonExceptionReport {
  /** The exception's class name, e.g. `'ValueError'`. */
  readonly type: string;
  /** The module of the exception's class, e.g. `'builtins'`. */
  readonly module: string;
  /** `str(exception)`. */
  readonly message: string;
  /** The formatted traceback, starting at the first frame outside the bridge file. */
  readonly traceback: string;
}

/**
 * Python raised an exception inside the env: in its constructor or `gymnasium.make` (operation
 * `'make'`), `reset`, `step` or `close`, or the env broke the bridge's contract (for example a
 * `step` that returns four values, gymnasium missing for an id); those are reported with
 * `pythonType` `'BridgeError'` and a message that says what to change, without a traceback.
 */
export class PythonEnvError extends EnvError {
  /** The exception's class name, e.g. `'ValueError'`. */
  readonly pythonType: string;
  /** The module of the exception's class (`'builtins'` for built-in exceptions). */
  readonly pythonModule: string;
  /** `str(exception)`. */
  readonly pythonMessage: string;
  /** The Python traceback, as Python prints it. */
  readonly traceback: string;
  /** The call that raised. */
  readonly operation: PythonOperation;

  /**
   * @param report - the exception as the bridge reported it.
   * @param operation - the call that raised.
   * @param target - the env's `module:Attribute` or Gymnasium id, for the message.
   */
  constructor(report: PythonExceptionReport, operation: PythonOperation, target: string) {
    const where = `${operation === 'make' ? 'making' : `${operation}() of`} ${target}`;
    // A BridgeError is the bridge's own check (a contract the env broke, gymnasium missing): its
    // message says what to do, and its traceback would only repeat it.
    const fix =
      operation === 'make'
        ? 'Check the module path, the class name and its arguments; the traceback shows where it failed.'
        : 'The traceback shows where the env failed; the process is still running, so after fixing the cause you can reset and go on.';
    super(
      report.type === 'BridgeError'
        ? `The Python bridge refused ${where}: ${report.message}`
        : `Python raised ${report.type} in ${where}: ${report.message}\n${fix}\n\n${report.traceback.trimEnd()}`,
    );
    this.pythonType = report.type;
    this.pythonModule = report.module;
    this.pythonMessage = report.message;
    this.traceback = report.traceback;
    this.operation = operation;
  }
}

/** How the Python process ended, as far as it is known. */
export interface PythonExit {
  /** Exit code, or `null` when it was killed by a signal or has not exited. */
  readonly exitCode: number | null;
  /** The signal that killed it (e.g. `'SIGKILL'`), or `null`. */
  readonly signal: string | null;
}

/** Fields of a {@link PythonProcessError}. */
export interface PythonProcessErrorDetails extends PythonExit {
  /** The process id, or `undefined` when it never started. */
  readonly pid: number | undefined;
  /** The call that was running or was attempted. */
  readonly operation: PythonOperation;
  /** The last lines the process wrote to stderr (up to a few KiB). */
  readonly stderrTail: string;
}

/**
 * The Python process is gone or unusable: it could not be started, it exited or was killed (by
 * a crash, `os._exit`, the out-of-memory killer, a signal), or it broke the protocol. The message
 * names the exit code or signal and quotes the end of its stderr.
 */
export class PythonProcessError extends EnvError {
  /** Exit code, or `null` when killed by a signal or not started. */
  readonly exitCode: number | null;
  /** Signal that killed the process, or `null`. */
  readonly signal: string | null;
  /** The process id, or `undefined` when it never started. */
  readonly pid: number | undefined;
  /** The call that was running or attempted when the failure was seen. */
  readonly operation: PythonOperation;
  /** The end of the process's stderr. */
  readonly stderrTail: string;

  /** @param message - what happened and how to fix it; the stderr tail is appended. */
  constructor(message: string, details: PythonProcessErrorDetails, options?: { cause?: unknown }) {
    const tail = details.stderrTail.trimEnd();
    super(tail.length > 0 ? `${message}\n\nLast lines of its stderr:\n${tail}` : message, options);
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.pid = details.pid;
    this.operation = details.operation;
    this.stderrTail = details.stderrTail;
  }
}

/**
 * A call got no answer within the `timeoutMs` option: the process was killed (a hung env cannot
 * be interrupted any other way), and the env cannot be used any more.
 */
export class PythonTimeoutError extends PythonProcessError {
  /** The timeout that ran out, in milliseconds. */
  readonly timeoutMs: number;

  /** @param message - what timed out and how to fix it. */
  constructor(message: string, details: PythonProcessErrorDetails, timeoutMs: number) {
    super(message, details);
    this.timeoutMs = timeoutMs;
  }
}
