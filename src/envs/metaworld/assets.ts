/**
 * Where the Meta-World models come from: the user's own copy of Meta-World's asset folder (the
 * Sawyer robot and the task objects as MJCF and meshes, MIT licence), which an installed
 * `metaworld` Python package keeps in `<package>/assets`. The library ships no copy.
 *
 * The folder is named by the env option `assetsDir` or the environment variable
 * `METAWORLD_ASSETS` (or, when neither is given, it is the one folder already loaded);
 * {@link loadMetaWorldAssets} reads the model files the tasks need (with
 * their includes and meshes) into the MuJoCo runtime once, after which Meta-World envs are made
 * synchronously. A missing folder is a {@link MetaWorldAssetsError} that says how to find one.
 *
 * @module
 */
import { EnvError } from '../../core/errors.js';
import { mountMujocoModelFolder, type MujocoModelFolder } from '../mujoco/model-folder.js';
import { isMujocoRuntimeLoaded } from '../mujoco/runtime.js';

/** The environment variable that names the Meta-World asset folder. */
export const METAWORLD_ASSETS_ENV = 'METAWORLD_ASSETS';

/** How to find the folder of an installed `metaworld` package, for error messages and docs. */
export const METAWORLD_ASSETS_HINT =
  'Install Meta-World (pip install metaworld) and point to its asset folder: ' +
  '`python3 -c "import metaworld, os; print(os.path.dirname(metaworld.__file__))"` prints the package folder; ' +
  'the assets are its `assets` subfolder. Pass it as the env option assetsDir, or set METAWORLD_ASSETS=/that/folder.';

/** The model files of the implemented tasks, relative to the asset folder. */
export const METAWORLD_MODEL_FILES: readonly string[] = Object.freeze([
  'sawyer_xyz/sawyer_box.xml',
  'sawyer_xyz/sawyer_coffee.xml',
  'sawyer_xyz/sawyer_assembly_peg.xml',
  'sawyer_xyz/sawyer_table_with_hole.xml',
  'sawyer_xyz/sawyer_bin_picking.xml',
]);

/** The Meta-World asset folder is missing, incomplete, or not loaded yet. */
export class MetaWorldAssetsError extends EnvError {}

/** Options naming the asset folder. */
export interface MetaWorldAssetsOptions {
  /** The Meta-World asset folder. @defaultValue the `METAWORLD_ASSETS` environment variable */
  readonly assetsDir?: string;
}

const loaded = new Map<string, MujocoModelFolder>();
const loading = new Map<string, Promise<MujocoModelFolder>>();

function environmentValue(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[METAWORLD_ASSETS_ENV];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * The asset folder an env should use: `assetsDir` when given, else `METAWORLD_ASSETS`, else the
 * one folder {@link loadMetaWorldAssets} has loaded in this process (when it loaded exactly one).
 * @throws {@link MetaWorldAssetsError} when neither is set, saying where an installed
 *   `metaworld` keeps its assets.
 */
export function resolveMetaWorldAssetsDir(options: MetaWorldAssetsOptions = {}, who = 'Meta-World'): string {
  const given = options.assetsDir;
  if (given !== undefined) {
    if (typeof given !== 'string' || given.trim() === '') {
      throw new MetaWorldAssetsError(
        `${who}: assetsDir must be the path of Meta-World's asset folder, got ${JSON.stringify(given)}. ${METAWORLD_ASSETS_HINT}`,
      );
    }
    return given;
  }
  const fromEnv = environmentValue();
  if (fromEnv !== undefined) return fromEnv;
  // A process that loaded exactly one folder means that one (so `evaluatePolicy(policy, id)` works).
  if (loaded.size === 1) return [...loaded.keys()][0];
  throw new MetaWorldAssetsError(
    `${who} needs Meta-World's robot and object models, which llmdpd does not ship, and no folder was given ` +
      `(neither the option assetsDir nor the environment variable ${METAWORLD_ASSETS_ENV} is set). ${METAWORLD_ASSETS_HINT}`,
  );
}

/**
 * Loads the MuJoCo runtime and Meta-World's model files from the asset folder (once per folder;
 * later and concurrent calls share the work). After it resolves, Meta-World envs on that folder
 * are made synchronously (`makeEnv('MetaWorld/box-close-v3')`); `makeEnvAsync` calls it for you.
 *
 * @example
 * ```ts
 * await loadMetaWorldAssets({ assetsDir: '/usr/lib/python3/site-packages/metaworld/assets' });
 * const env = makeEnv('MetaWorld/box-close-v3', { assetsDir: '/usr/lib/python3/site-packages/metaworld/assets' });
 * ```
 * @returns the mounted folder (which files were read, how many bytes).
 * @throws {@link MetaWorldAssetsError} (as a rejection) when no folder is named, or it lacks a
 *   model file or a file a model needs.
 */
export async function loadMetaWorldAssets(options: MetaWorldAssetsOptions = {}): Promise<MujocoModelFolder> {
  const dir = resolveMetaWorldAssetsDir(options, 'loadMetaWorldAssets()');
  const done = loaded.get(dir);
  if (done !== undefined) return done;
  let pending = loading.get(dir);
  if (pending === undefined) {
    pending = mountMujocoModelFolder(dir, METAWORLD_MODEL_FILES, {
      owner: 'Meta-World',
      missingHint: `Point to the \`assets\` folder of an installed metaworld package. ${METAWORLD_ASSETS_HINT}`,
    }).then(
      (folder) => {
        loaded.set(dir, folder);
        loading.delete(dir);
        return folder;
      },
      (error: unknown) => {
        loading.delete(dir);
        if (error instanceof MetaWorldAssetsError) throw error;
        if (error instanceof EnvError) throw new MetaWorldAssetsError(error.message, { cause: error });
        throw error;
      },
    );
    loading.set(dir, pending);
  }
  return pending;
}

/**
 * The loaded asset folder for `dir`, for synchronous env construction.
 * @throws {@link MetaWorldAssetsError} when {@link loadMetaWorldAssets} has not finished for it,
 *   saying what to await.
 */
export function requireMetaWorldAssets(dir: string, envId: string): MujocoModelFolder {
  const folder = loaded.get(dir);
  if (folder !== undefined && isMujocoRuntimeLoaded()) return folder;
  throw new MetaWorldAssetsError(
    `${envId} reads Meta-World's models from ${dir}, which are not loaded yet (the MuJoCo runtime and the files load asynchronously). ` +
      `Call \`await loadMetaWorldAssets({ assetsDir: ${JSON.stringify(dir)} })\` once before making the env, ` +
      `or create it with \`await makeEnvAsync(${JSON.stringify(envId)}, { assetsDir: ${JSON.stringify(dir)} })\`.`,
  );
}
