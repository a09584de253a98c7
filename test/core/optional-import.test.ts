import { BackendError } from '../../src/core/errors.js';
import { importOptional, isMissingPackage } from '../../src/core/optional-import.js';

test('a missing optional package is a BackendError naming the package and the install command', async () => {
  const name = 'llmdpd-no-such-optional-package';
  const load = () => import(name);
  await expect(importOptional(name, load, 'TheFeature', 'Or use the other one.')).rejects.toThrow(BackendError);
  await expect(importOptional(name, load, 'TheFeature', 'Or use the other one.')).rejects.toThrow(
    'TheFeature needs the optional package llmdpd-no-such-optional-package, which is not installed. Install it next to llmdpd: npm install llmdpd-no-such-optional-package. Or use the other one.',
  );
});

test('an installed package loads; other failures pass through unchanged', async () => {
  const fs = await importOptional('node:fs', () => import('node:fs'), 'x');
  expect(typeof fs.readFileSync).toBe('function');
  const inner = Object.assign(new Error("Cannot find package 'some-dependency-of-it' imported from x"), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
  await expect(importOptional('the-package', () => Promise.reject(inner), 'x')).rejects.toBe(inner);
  expect(isMissingPackage(inner, 'some-dependency-of-it')).toBe(true);
  expect(isMissingPackage(inner, 'the-package')).toBe(false);
  expect(isMissingPackage(new TypeError('boom'), 'the-package')).toBe(false);
});
