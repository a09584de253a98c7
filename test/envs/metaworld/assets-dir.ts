/**
 * Where the tests find Meta-World's asset folder: `METAWORLD_ASSETS`, or `../shared/metaworld/assets`
 * beside the repository. That path is data, not a document: the project's CI keeps a copy of
 * Meta-World's assets there as a stand-in for a user's installed metaworld package (the models are
 * never copied into the repository; `docs/envs/metaworld.md`, "The models: the user's asset
 * folder"). When neither exists the tests that need the models are skipped, and this module prints
 * why once per test file.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const fromEnv = process.env['METAWORLD_ASSETS'];
const beside = fileURLToPath(new URL('../../../../shared/metaworld/assets', import.meta.url));

/** The asset folder, or `null` when there is none. */
export const METAWORLD_TEST_ASSETS: string | null =
  fromEnv !== undefined && fromEnv !== '' && existsSync(fromEnv) ? fromEnv : existsSync(beside) ? beside : null;

if (METAWORLD_TEST_ASSETS === null) {
  console.warn(
    `Skipping the Meta-World tests that need Meta-World's models: no asset folder at METAWORLD_ASSETS (${fromEnv ?? 'unset'}) or ${beside}. ` +
      'Set METAWORLD_ASSETS to the assets folder of an installed metaworld package to run them.',
  );
}

/** `describe` when the assets are present, `describe.skip` otherwise. */
export const describeWithAssets: jest.Describe = METAWORLD_TEST_ASSETS === null ? describe.skip : describe;
