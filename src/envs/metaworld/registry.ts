/**
 * The registry entries of the Meta-World envs: `MetaWorld/<task>-v3` for each implemented task,
 * and `MetaWorld/<task>-v2` as an alias with the same behaviour (the name used by D4RL-era papers,
 * MTDiff and LLMDPD), each with Meta-World's 500-step limit. `makeEnvAsync` loads the MuJoCo
 * runtime and the asset folder (the `assetsDir` option or `METAWORLD_ASSETS`) first.
 *
 * @module
 */
import { ConfigError } from '../../core/errors.js';
import type { Env } from '../env.js';
import { loadMetaWorldAssets } from './assets.js';
import {
  METAWORLD_MAX_PATH_LENGTH,
  METAWORLD_TASKS,
  type MetaWorldOptions,
  type MetaWorldTaskName,
  type SawyerEnv,
} from './sawyer-env.js';
import { BinPickingEnv } from './tasks/bin-picking.js';
import { BoxCloseEnv } from './tasks/box-close.js';
import { CoffeePushEnv } from './tasks/coffee-push.js';
import { DisassembleEnv } from './tasks/disassemble.js';
import { HandInsertEnv } from './tasks/hand-insert.js';
import { SweepIntoEnv } from './tasks/sweep-into.js';

/** The env class of each task. */
export const METAWORLD_ENV_CLASSES: Readonly<Record<MetaWorldTaskName, new (options?: MetaWorldOptions) => SawyerEnv>> =
  Object.freeze({
    'sweep-into': SweepIntoEnv,
    'coffee-push': CoffeePushEnv,
    disassemble: DisassembleEnv,
    'box-close': BoxCloseEnv,
    'hand-insert': HandInsertEnv,
    'bin-picking': BinPickingEnv,
  });

/** Namespace of the Meta-World ids. */
export const METAWORLD_NAMESPACE = 'MetaWorld';

/** One registry entry (the shape of the env module's built-in table). */
export interface MetaWorldRegistration {
  /** Registered id, e.g. `MetaWorld/box-close-v3`. */
  readonly id: string;
  /** Builds the env from merged options; the version comes from the id. */
  readonly factory: (options: Record<string, unknown>) => Env;
  /** 500. */
  readonly maxEpisodeSteps: number;
  /** Loads the runtime and the asset folder named by the options (or `METAWORLD_ASSETS`). */
  readonly prepare: (options: Record<string, unknown>) => Promise<unknown>;
}

/** The registry id of a task: `MetaWorld/<task>-v3` (or `-v2`). */
export function metaWorldEnvId(task: MetaWorldTaskName, version: 2 | 3 = 3): string {
  return `${METAWORLD_NAMESPACE}/${task}-v${version}`;
}

function registration(task: MetaWorldTaskName, version: 2 | 3): MetaWorldRegistration {
  const id = metaWorldEnvId(task, version);
  const Ctor = METAWORLD_ENV_CLASSES[task];
  return {
    id,
    factory: (options) => {
      if (options.version !== undefined) {
        throw new ConfigError(
          `${id} fixes the version from its id; drop the version option (got ${JSON.stringify(options.version)}).`,
        );
      }
      return new Ctor({ ...(options as MetaWorldOptions), version });
    },
    maxEpisodeSteps: METAWORLD_MAX_PATH_LENGTH,
    prepare: (options) =>
      loadMetaWorldAssets(typeof options.assetsDir === 'string' ? { assetsDir: options.assetsDir } : {}),
  };
}

/** Every Meta-World registry entry: each task in `-v3` and its `-v2` alias. */
export const METAWORLD_REGISTRATIONS: readonly MetaWorldRegistration[] = Object.freeze(
  METAWORLD_TASKS.flatMap((task) => [registration(task, 3), registration(task, 2)]),
);
