/**
 * A headless Chromium for tests, driven over the DevTools protocol through a pipe
 * (`--remote-debugging-pipe`: JSON messages separated by NUL bytes on file descriptors 3 and 4),
 * so no WebSocket client or downloaded browser is needed. The browser is Debian's `chromium`
 * (`apt-get install -y chromium`), or the one `LLMDPD_CHROMIUM` names; it starts with a fresh
 * profile and everything that would reach the network turned off.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/** The Chromium executable to use, or null when none is installed. */
export function chromiumPath(): string | null {
  const candidates = [process.env['LLMDPD_CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p): p is string => p !== undefined && p !== '' && existsSync(p)) ?? null;
}

/** The flags every test browser starts with (besides the profile folder and the pipe). */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Pending {
  resolve(value: Record<string, unknown>): void;
  reject(error: Error): void;
}

/** A running headless Chromium and a DevTools-protocol client on its pipe. */
export class HeadlessChromium {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffered = '';
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
  ) {
    const input = child.stdio[4] as Readable;
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => this.receive(chunk));
    (child.stdio[2] as Readable).on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.on('exit', (code) => {
      for (const p of this.pending.values())
        p.reject(new Error(`Chromium exited (code ${String(code)}) during a request; its stderr ends: ${this.stderr}`));
      this.pending.clear();
    });
  }

  /** Starts `executable` with a fresh profile. */
  static launch(executable: string): HeadlessChromium {
    const profile = mkdtempSync(join(tmpdir(), 'llmdpd-chromium-'));
    const child = spawn(
      executable,
      [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank'],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    return new HeadlessChromium(child, profile);
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    let end: number;
    while ((end = this.buffered.indexOf('\0')) >= 0) {
      const text = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 1);
      const message = JSON.parse(text) as {
        id?: number;
        result?: Record<string, unknown>;
        error?: { message: string };
      };
      if (message.id === undefined) continue; // an event
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) waiting?.reject(new Error(`DevTools: ${message.error.message}`));
      else waiting?.resolve(message.result ?? {});
    }
  }

  /** Sends one DevTools-protocol command (to a page's session when `sessionId` is given). */
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const message = JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      (this.child.stdio[3] as Writable).write(`${message}\0`);
    });
  }

  /** Opens `url` in a new page and returns the page's session id. */
  async open(url: string): Promise<string> {
    const { targetId } = (await this.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as {
      sessionId: string;
    };
    await this.send('Page.navigate', { url }, sessionId);
    return sessionId;
  }

  /** Evaluates `expression` in a page, awaiting a promise, and returns its value (JSON-serialisable). */
  async evaluate(sessionId: string, expression: string): Promise<unknown> {
    const reply = (await this.send(
      'Runtime.evaluate',
      { expression, awaitPromise: true, returnByValue: true },
      sessionId,
    )) as {
      result: { value?: unknown };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (reply.exceptionDetails !== undefined)
      throw new Error(
        `The page threw: ${reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text}`,
      );
    return reply.result.value;
  }

  /** Closes the browser and removes its profile. */
  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    await Promise.race([this.send('Browser.close').catch(() => undefined), exited]);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(this.profile, { recursive: true, force: true });
  }
}
