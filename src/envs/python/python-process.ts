/**
 * {@link PythonProcess}: one Python interpreter running the bridge file, and the ordered queue of
 * requests sent to it. This is the only module of the bridge that touches `node:child_process`;
 * {@link makePythonEnv} imports it dynamically, so importing `llmdpd/envs` costs nothing until a
 * Python env is made.
 *
 * Requests are answered in order, so several may be in flight (pipelined); the timeout of each
 * starts when it reaches the head of the queue, that is when Python starts working on it.
 *
 * Cleanup, in every way the parent can go (`docs/envs/python-bridge.md`, "Lifecycle"):
 * - `close()`: a close request, then end-of-file on stdin, then SIGTERM, then SIGKILL, each after a
 *   grace period; it resolves once the process has exited and been reaped.
 * - the Node process exits without closing: an `exit` hook sends SIGTERM to every live bridge.
 * - the Node process dies (SIGKILL, crash): the bridge sees end-of-file on stdin and exits; if it is
 *   busy in an env call, its watchdog thread notices that its parent changed and exits.
 * - nothing in flight: the child and its pipes are unref'd, so a forgotten env never keeps Node
 *   alive; they are ref'd again while a request waits for its answer.
 *
 * @module
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EnvError } from '../../core/errors.js';
import {
  PythonEnvError,
  PythonProcessError,
  PythonTimeoutError,
  type PythonExceptionReport,
  type PythonExit,
  type PythonOperation,
} from './errors.js';
import { FrameKind, FrameReader, allocateFrame, decodeJson, type Frame } from './protocol.js';

/** How to start a {@link PythonProcess}. */
export interface PythonProcessOptions {
  /** The interpreter: a command on `PATH` or a path. */
  readonly python: string;
  /** Absolute path of the bridge file. */
  readonly script: string;
  /** Working directory of the process. */
  readonly cwd: string | undefined;
  /** Variables added to (or, when `undefined`, removed from) the parent's environment. */
  readonly env: Readonly<Record<string, string | undefined>> | undefined;
  /** The env's target, for messages. */
  readonly target: string;
  /** Called with every piece of text the process writes to stderr. */
  readonly onStderr: ((text: string) => void) | undefined;
  /** Grace period of each step of `close()`, in milliseconds. */
  readonly closeTimeoutMs: number;
}

/** A reply frame of the expected kind. */
export type Reply = Frame;

interface Pending {
  readonly operation: PythonOperation;
  readonly expect: number;
  readonly timeoutMs: number;
  readonly resolve: (reply: Reply) => void;
  readonly reject: (error: unknown) => void;
}

/** Characters of stderr kept for error messages. */
const STDERR_TAIL_CHARS = 8192;
/** After `exit`, how long to wait for the pipes to drain before failing the pending requests. */
const DRAIN_AFTER_EXIT_MS = 250;

const live = new Set<PythonProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const bridge of live) bridge.terminateNow();
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

interface Refable {
  ref?(): void;
  unref?(): void;
}

/** One running bridge process and its request queue. */
export class PythonProcess {
  /** The process id. */
  readonly pid: number;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly options: PythonProcessOptions;
  private readonly reader = new FrameReader();
  private readonly queue: Pending[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private tail = '';
  private exitInfo: PythonExit | undefined;
  private finished = false;
  private failure: { readonly error: PythonProcessError; readonly reason: string } | undefined;
  private closing: Promise<void> | undefined;
  private readonly exited: Promise<void>;
  private markExited!: () => void;
  private active = true;

  /**
   * Starts the interpreter on the bridge file.
   * @throws {@link PythonProcessError} when the interpreter cannot be started (not found, not
   * executable, bad working directory).
   */
  static async start(options: PythonProcessOptions): Promise<PythonProcess> {
    const env: Record<string, string | undefined> = { ...process.env, PYTHONUNBUFFERED: '1' };
    for (const [key, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    const child = spawn(options.python, [options.script], {
      cwd: options.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        child.off('spawn', onSpawn);
        reject(
          new PythonProcessError(
            `Could not start the Python interpreter ${JSON.stringify(options.python)} for ${options.target}${options.cwd === undefined ? '' : ` in ${options.cwd}`}: ${error.message}. Install Python 3.8 or later (Debian: apt-get install python3), or pass { python: '/path/to/python3' }${options.cwd === undefined ? '' : ' and check that cwd exists'}.`,
            { pid: undefined, exitCode: null, signal: null, operation: 'make', stderrTail: '' },
            { cause: error },
          ),
        );
      };
      const onSpawn = () => {
        child.off('error', onError);
        resolve();
      };
      child.once('error', onError);
      child.once('spawn', onSpawn);
    });
    return new PythonProcess(child, options);
  }

  private constructor(child: ChildProcessWithoutNullStreams, options: PythonProcessOptions) {
    this.child = child;
    this.options = options;
    this.pid = child.pid as number;
    this.exited = new Promise((resolve) => {
      this.markExited = resolve;
    });
    child.on('error', () => {
      // Errors after the start (a failed kill, a write to a dead pipe) show up as the exit.
    });
    child.stdin.on('error', () => {
      // EPIPE when Python has died: the exit handler reports it.
    });
    child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      this.tail = (this.tail + text).slice(-STDERR_TAIL_CHARS);
      this.options.onStderr?.(text);
    });
    let drained = false;
    const finish = () => {
      if (drained) return;
      drained = true;
      this.finish();
    };
    child.once('exit', (code, signal) => {
      this.exitInfo = { exitCode: code, signal };
      setTimeout(finish, DRAIN_AFTER_EXIT_MS).unref();
    });
    child.once('close', finish);
    live.add(this);
    installExitHook();
    this.setActive(false);
  }

  /** How the process ended, or `undefined` while it runs. */
  get exit(): PythonExit | undefined {
    return this.exitInfo;
  }

  /** The last few KiB the process wrote to stderr. */
  get stderrTail(): string {
    return this.tail;
  }

  /**
   * Sends one request and resolves with its reply.
   *
   * @param expect - the reply kind that answers this request.
   * @param timeoutMs - the time Python may take once it starts on this request (`Infinity` for none).
   * @throws {@link PythonEnvError} when Python raised; {@link PythonTimeoutError} when the answer
   * did not come in time; {@link PythonProcessError} when the process is gone or breaks the
   * protocol; {@link EnvError} after `close()`.
   */
  request(
    kind: number,
    body: Uint8Array,
    operation: PythonOperation,
    expect: number,
    timeoutMs: number,
  ): Promise<Reply> {
    const { bytes } = allocateFrame(kind, body.length);
    bytes.set(body, 5);
    return this.send(bytes, operation, expect, timeoutMs);
  }

  /**
   * Sends a frame built with {@link allocateFrame} (header included) without copying it.
   * Same contract as {@link PythonProcess.request}.
   */
  send(frame: Uint8Array, operation: PythonOperation, expect: number, timeoutMs: number): Promise<Reply> {
    if (this.closing !== undefined && frame[4] !== FrameKind.close)
      return Promise.reject(
        new EnvError(`${operation}() of ${this.options.target} was called after close(); make a new env.`),
      );
    const gone = this.goneError(operation);
    if (gone !== undefined) return Promise.reject(gone);
    return new Promise<Reply>((resolve, reject) => {
      this.queue.push({ operation, expect, timeoutMs, resolve, reject });
      if (this.queue.length === 1) {
        this.setActive(true);
        this.armTimer();
      }
      this.child.stdin.write(frame);
    });
  }

  /**
   * Closes the envs and ends the process: a close request, end-of-file on stdin, then SIGTERM and
   * SIGKILL, each after `closeTimeoutMs`. Resolves once the process has exited and been reaped;
   * safe to call more than once (later calls resolve when the first is done).
   * @throws {@link PythonEnvError} from the first call when an env's `close()` raised in Python
   * (the process is ended all the same).
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing.catch(() => undefined);
    this.closing = this.shutDown();
    return this.closing;
  }

  /** Sends SIGTERM now, without waiting; used when the Node process exits. */
  terminateNow(): void {
    if (this.exitInfo === undefined) this.child.kill('SIGTERM');
  }

  private async shutDown(): Promise<void> {
    this.setActive(true);
    let closeError: PythonEnvError | undefined;
    if (this.goneError('close') === undefined) {
      const answered = this.request(FrameKind.close, new Uint8Array(0), 'close', FrameKind.closed, Infinity).then(
        () => undefined,
        (error: unknown) => {
          if (error instanceof PythonEnvError) closeError = error;
        },
      );
      await Promise.race([answered, this.exited, delay(this.options.closeTimeoutMs)]);
    }
    this.child.stdin.end();
    const grace = this.options.closeTimeoutMs;
    if (!(await this.exitsWithin(grace))) {
      this.child.kill('SIGTERM');
      if (!(await this.exitsWithin(grace))) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    }
    if (closeError !== undefined) throw closeError;
  }

  private async exitsWithin(ms: number): Promise<boolean> {
    let done = false;
    await Promise.race([this.exited.then(() => (done = true)), delay(ms)]);
    return done;
  }

  private setActive(active: boolean): void {
    if (this.active === active) return;
    this.active = active;
    for (const handle of [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as Refable[]) {
      if (active) handle.ref?.();
      else handle.unref?.();
    }
  }

  private armTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const head = this.queue[0];
    if (head === undefined || !Number.isFinite(head.timeoutMs)) return;
    this.timer = setTimeout(() => this.onTimeout(head), head.timeoutMs);
  }

  private onTimeout(head: Pending): void {
    if (this.queue[0] !== head || this.failure !== undefined) return;
    const error = new PythonTimeoutError(
      head.operation === 'make'
        ? `Making ${this.options.target} got no answer from Python within ${head.timeoutMs} ms (startTimeoutMs), so the process (pid ${this.pid}) was killed. Imports or the env's constructor are stuck or slower than the limit: raise startTimeoutMs, or run the import in that Python by hand to see where it hangs.`
        : `${head.operation}() of ${this.options.target} got no answer from Python within ${head.timeoutMs} ms, so the process (pid ${this.pid}) was killed. The env is stuck (an endless loop, a deadlock, a read from a terminal) or slower than the limit: raise timeoutMs, or see where it hangs (py-spy dump --pid ${this.pid} while it runs). Make a new env to go on.`,
      { ...this.details(head.operation), exitCode: null, signal: null },
      head.timeoutMs,
    );
    this.failure = { error, reason: `it was killed after ${head.operation}() timed out (${head.timeoutMs} ms)` };
    this.queue.shift();
    head.reject(error);
    this.child.kill('SIGKILL');
  }

  private onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      this.breakProtocol(error instanceof Error ? error.message : String(error));
      return;
    }
    for (const frame of frames) this.dispatch(frame);
  }

  private dispatch(frame: Frame): void {
    const head = this.queue.shift();
    if (head === undefined) {
      this.breakProtocol(`the bridge sent a frame of kind 0x${frame.kind.toString(16)} that answers no request.`);
      return;
    }
    if (frame.kind === FrameKind.error) {
      let report: PythonExceptionReport;
      try {
        report = decodeJson(frame.body) as PythonExceptionReport;
      } catch {
        report = { type: 'BridgeError', module: 'llmdpd_bridge', message: 'unreadable error report', traceback: '' };
      }
      head.reject(new PythonEnvError(report, head.operation, this.options.target));
    } else if (frame.kind !== head.expect) {
      this.queue.unshift(head);
      this.breakProtocol(
        `${head.operation}() expected a reply of kind 0x${head.expect.toString(16)}, got 0x${frame.kind.toString(16)}.`,
      );
      return;
    } else {
      head.resolve(frame);
    }
    if (this.queue.length > 0) this.armTimer();
    else {
      clearTimeout(this.timer);
      this.timer = undefined;
      if (this.closing === undefined) this.setActive(false);
    }
  }

  private breakProtocol(why: string): void {
    if (this.failure !== undefined) return;
    const operation = this.queue[0]?.operation ?? 'step';
    const error = new PythonProcessError(
      `The Python bridge of ${this.options.target} (pid ${this.pid}) broke the protocol: ${why} The bridge file (assets/python/llmdpd_bridge.py) and the library must come from the same llmdpd version; the process was killed.`,
      this.details(operation),
    );
    this.failure = { error, reason: 'it broke the protocol and was killed' };
    for (const pending of this.queue.splice(0)) pending.reject(error);
    clearTimeout(this.timer);
    this.child.kill('SIGKILL');
  }

  private finish(): void {
    this.finished = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    live.delete(this);
    const pending = this.queue.splice(0);
    for (const p of pending) p.reject(this.goneError(p.operation) ?? this.exitError(p.operation));
    this.setActive(false);
    this.markExited();
  }

  private details(operation: PythonOperation) {
    return {
      pid: this.pid,
      exitCode: this.exitInfo?.exitCode ?? null,
      signal: this.exitInfo?.signal ?? null,
      operation,
      stderrTail: this.tail,
    };
  }

  /** The error for a call on a process that is gone, or `undefined` while it is usable. */
  private goneError(operation: PythonOperation): PythonProcessError | undefined {
    if (this.failure !== undefined) {
      return new PythonProcessError(
        `${operation}() of ${this.options.target} cannot run: the Python process (pid ${this.pid}) is gone, ${this.failure.reason}. Make a new env with makePythonEnv.`,
        this.details(operation),
      );
    }
    if (this.exitInfo !== undefined && this.finished) return this.exitError(operation);
    return undefined;
  }

  private exitError(operation: PythonOperation): PythonProcessError {
    const { exitCode, signal } = this.exitInfo ?? { exitCode: null, signal: null };
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${String(exitCode)}`;
    const hints: string[] = [];
    if (signal === 'SIGKILL') hints.push('SIGKILL comes from kill -9 or the out-of-memory killer (check dmesg).');
    if (signal === 'SIGSEGV' || signal === 'SIGABRT' || signal === 'SIGBUS')
      hints.push('A crash like this comes from a C extension the env uses.');
    if (operation === 'make' && exitCode !== null && exitCode !== 0)
      hints.push(
        'It ended before the handshake: the interpreter may be older than Python 3.8 (a SyntaxError in the bridge file), or something at start-up failed; see its stderr below.',
      );
    const when = operation === 'make' ? 'while the env was being made' : `during or before ${operation}()`;
    return new PythonProcessError(
      `The Python process of ${this.options.target} (pid ${this.pid}, ${this.options.python}) ${how} ${when}. ${hints.join(' ')}${hints.length > 0 ? ' ' : ''}The env cannot be used any more; make a new one with makePythonEnv.`,
      this.details(operation),
    );
  }
}
