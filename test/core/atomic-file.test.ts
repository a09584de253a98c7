import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeFileAtomicAsync } from '../../src/core/atomic-file.js';

describe('writeFileAtomic', () => {
  test('replaces the file whole and leaves no temporary file, also when the write fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmdpd-atomic-'));
    const file = join(dir, 'a.json');
    writeFileAtomic(file, 'one');
    await writeFileAtomicAsync(file, new Uint8Array([116, 119, 111]));
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(() => writeFileAtomic(join(dir, 'missing', 'b.json'), 'x')).toThrow(/ENOENT/);
    await expect(writeFileAtomicAsync(join(dir, 'missing', 'b.json'), 'x')).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual(['a.json']);
    rmSync(dir, { recursive: true, force: true });
  });
});
