/** checkSaveFolder: which folders a save may write into, and what it reports about them. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaveConflictError } from '../../src/core/errors.js';
import { SAVE_KINDS, checkSaveFolder } from '../../src/core/save-folder.js';

const target = { format: 'llmdpd.replay-buffer', marker: 'manifest.json', what: 'the buffer', context: 'test' };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llmdpd-save-folder-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a missing, empty or unrelated folder is accepted with no previous save', () => {
  expect(checkSaveFolder(join(dir, 'new', 'deeper'), target)).toEqual({ exists: false, previous: null });
  expect(checkSaveFolder(dir, target)).toEqual({ exists: true, previous: null });
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  writeFileSync(join(dir, 'params.json'), '{"lr": 1}');
  expect(checkSaveFolder(dir, target).previous).toBeNull();
});

test('a save of the same kind is returned as the previous save', () => {
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ format: 'llmdpd.replay-buffer', dataFile: 'data-1.bin' }));
  expect(checkSaveFolder(dir, target).previous).toEqual({ format: 'llmdpd.replay-buffer', dataFile: 'data-1.bin' });
});

test.each(SAVE_KINDS.filter((k) => k.format !== target.format))('a folder holding $name is refused', (kind) => {
  mkdirSync(join(dir, kind.marker, '..'), { recursive: true });
  writeFileSync(join(dir, kind.marker), JSON.stringify({ format: kind.format }));
  let error: unknown;
  try {
    checkSaveFolder(dir, target);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SaveConflictError);
  expect((error as SaveConflictError).found).toBe(kind.name);
  expect((error as Error).message).toContain(`Cannot save the buffer into ${dir}: it holds ${kind.name}`);
  expect((error as Error).message).toMatch(/nothing was written\. Fix: save into an empty or new folder/);
});

test('a Minari dataset folder, a foreign marker and a file are refused', () => {
  mkdirSync(join(dir, 'minari', 'data'), { recursive: true });
  writeFileSync(join(dir, 'minari', 'data', 'main_data.hdf5'), '');
  expect(() => checkSaveFolder(join(dir, 'minari'), target)).toThrow(/it holds a Minari dataset/);
  writeFileSync(join(dir, 'manifest.json'), '[1, 2]');
  expect(() => checkSaveFolder(dir, target)).toThrow(/a manifest.json that is not a JSON object/);
  writeFileSync(join(dir, 'manifest.json'), '{"format": "llmdpd.something-new"}');
  expect(() => checkSaveFolder(dir, target)).toThrow(/format "llmdpd.something-new" \(another llmdpd save\)/);
  writeFileSync(join(dir, 'file'), 'x');
  expect(() => checkSaveFolder(join(dir, 'file'), target)).toThrow(/it holds a file, not a folder/);
});

test('another kind’s unreadable marker is not this save’s business', () => {
  writeFileSync(join(dir, 'suite.json'), 'not json');
  expect(checkSaveFolder(dir, target).previous).toBeNull();
});
