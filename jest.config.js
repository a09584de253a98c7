/**
 * Jest runs the TypeScript tests as native ES modules (node --experimental-vm-modules, see the
 * "test" script), so ESM-only dependencies such as @mujoco/mujoco load as they do in production.
 * ts-jest only transpiles (each file on its own, no type check): `npm run typecheck`, which
 * `npm test` runs first, is the type checker.
 *
 * Why ts-jest and jest 29 rather than SWC and jest 30: both of those depend on per-platform
 * native packages, and the registry this project installs from does not carry every platform's
 * build, so npm cannot record them in package-lock.json and `npm ci` then refuses the lock file.
 */
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
};
