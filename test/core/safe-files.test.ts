/** The safe file helpers: regular files only, bounded reads, names resolved inside their folder. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetError, NotFoundError } from '../../src/core/errors.js';
import {
  checkRegularFile,
  formatBytes,
  readRegularFile,
  readRegularFileSync,
  readRegularTextSync,
  resolveInsideFolder,
} from '../../src/core/safe-files.js';

const posix = process.platform !== 'win32';
const opts = { what: 'the test file', context: 'test', maxBytes: 100 };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llmdpd-safe-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('reading regular files', () => {
  test('reads a file whole, sync and async, up to the limit', async () => {
    writeFileSync(join(dir, 'a.txt'), 'x'.repeat(100));
    expect(readRegularTextSync(join(dir, 'a.txt'), opts)).toBe('x'.repeat(100));
    expect((await readRegularFile(join(dir, 'a.txt'), opts)).length).toBe(100);
    expect(checkRegularFile(join(dir, 'a.txt'), opts)).toBe(100);
  });

  test('a file over the limit is refused before it is read, naming both sizes', async () => {
    writeFileSync(join(dir, 'big.txt'), 'x'.repeat(101));
    const message = /test: the test file .*big.txt is 101 bytes, more than the 100 bytes accepted for it/;
    expect(() => readRegularFileSync(join(dir, 'big.txt'), opts)).toThrow(message);
    await expect(readRegularFile(join(dir, 'big.txt'), opts)).rejects.toThrow(message);
  });

  test('a file that reports size 0 but holds more than the limit stops at the limit', () => {
    if (!posix) return;
    // /proc files report 0 bytes; /proc/self/maps of a Node process is far over 100 bytes.
    expect(() => readRegularFileSync('/proc/self/maps', opts)).toThrow(
      /is larger than it said, more than the 100 bytes/,
    );
  });

  test('missing files are NotFoundErrors, or the caller’s error', () => {
    expect(() => readRegularFileSync(join(dir, 'nope'), opts)).toThrow(NotFoundError);
    const custom = () =>
      readRegularFileSync(join(dir, 'nope'), { ...opts, missing: (p) => new DatasetError(`custom ${p}`) });
    expect(custom).toThrow(DatasetError);
    expect(custom).toThrow(/custom .*nope/);
  });

  test('a directory is named as one', async () => {
    expect(() => readRegularFileSync(dir, opts)).toThrow(/the test file .* is a directory; expected a file/);
    await expect(readRegularFile(dir, opts)).rejects.toThrow(/is a directory; expected a file/);
  });

  (posix ? test : test.skip)('a FIFO is refused at once, without blocking, sync and async', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const started = performance.now();
    expect(() => readRegularFileSync(fifo, opts)).toThrow(/is a FIFO \(named pipe\), not a regular file/);
    await expect(readRegularFile(fifo, opts)).rejects.toThrow(/is a FIFO/);
    expect(() => checkRegularFile(fifo, opts)).toThrow(DatasetError);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  (posix ? test : test.skip)('a device is refused, also through a symbolic link', () => {
    expect(() => readRegularFileSync('/dev/zero', opts)).toThrow(
      /is a character device, not a regular file; reading it may never end/,
    );
    symlinkSync('/dev/zero', join(dir, 'zero'));
    expect(() => readRegularFileSync(join(dir, 'zero'), opts)).toThrow(/is a character device/);
  });

  test('formatBytes', () => {
    expect(formatBytes(999)).toBe('999 bytes');
    expect(formatBytes(67108864)).toBe('67108864 bytes (67.1 MB)');
  });
});

describe('resolveInsideFolder', () => {
  const o = { context: 'test', field: 'field "data"' };

  test('relative names inside the folder resolve', () => {
    mkdirSync(join(dir, 'sub'));
    expect(resolveInsideFolder(dir, 'x.bin', o)).toBe(join(dir, 'x.bin'));
    expect(resolveInsideFolder(dir, 'sub/x.bin', o)).toBe(join(dir, 'sub', 'x.bin'));
    expect(resolveInsideFolder(dir, './sub/./x.bin', o)).toBe(join(dir, 'sub', 'x.bin'));
  });

  test.each([
    ['../x.bin', /field "data" is "..\/x.bin", which points outside/],
    ['sub/../../x.bin', /which points outside/],
    ['/etc/passwd', /"\/etc\/passwd", which points outside/],
    ['C:\\Windows\\x', /which points outside/],
    ['\\\\server\\share\\x', /which points outside/],
    ['', /is ""; expected the name of a file/],
    ['.', /does not name a file inside/],
    ['a\0b', /expected the name of a file/],
  ])('%j is refused', (name, message) => {
    expect(() => resolveInsideFolder(dir, name, o)).toThrow(DatasetError);
    expect(() => resolveInsideFolder(dir, name, o)).toThrow(message);
  });

  test('a non-string name is refused', () => {
    expect(() => resolveInsideFolder(dir, 5, o)).toThrow(/field "data" is 5; expected the name of a file/);
  });

  (posix ? test : test.skip)('a symbolic link out of the folder is refused; one inside it is fine', () => {
    const outside = mkdtempSync(join(tmpdir(), 'llmdpd-outside-'));
    try {
      writeFileSync(join(outside, 'secret'), 's');
      symlinkSync(join(outside, 'secret'), join(dir, 'link'));
      expect(() => resolveInsideFolder(dir, 'link', o)).toThrow(/leads through a symbolic link to .*secret, outside/);
      writeFileSync(join(dir, 'real'), 'r');
      symlinkSync(join(dir, 'real'), join(dir, 'inner-link'));
      expect(resolveInsideFolder(dir, 'inner-link', o)).toBe(join(dir, 'inner-link'));
      // A folder reached through a link is fine: containment is checked on real paths.
      symlinkSync(dir, join(outside, 'alias'));
      expect(resolveInsideFolder(join(outside, 'alias'), 'real', o)).toBe(join(outside, 'alias', 'real'));
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
