describe('writeFileAtomic', () => {
  test('replaces the file whole and leaves no temporary file, also when the write fails', async () => {
    const { mkdtempSync, readFileSync, readdirSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { writeFileAtomic, writeFileAtomicAsync } = await import('../../src/core/atomic-file.js');
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
