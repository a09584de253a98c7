/**
 * Per-dataset hyperparameters as data: one JSON file per agent in the package's
 * `assets/presets/` (`diffusion-ql.json`: the official Diffusion-QL code's table for the D4RL
 * datasets; `cql.json`, `sac-n.json` and `iql.json`: CORL's per-dataset configs), read once and checked here. A preset sets some config fields (`config`), says how
 * the reference trained (`training`: epochs, evaluation cadence) and how it transformed the data
 * (`data`: reward tuning), so that a user gets the tuned values by name instead of copying them:
 *
 * ```ts
 * const agent = DiffusionQLAgent.preset('halfcheetah-medium-replay-v2', { observationDim: 17, actionDim: 6 });
 * ```
 *
 * The file format is described in `docs/algorithms/diffusion-ql.md`, "Defaults and presets"; the
 * CQL table in `docs/algorithms/cql.md`, "Presets", the SAC-N one in `docs/algorithms/sac-n.md`, "Presets",
 * and the IQL one in `docs/algorithms/iql.md`, "Presets".
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { ConfigError, NotFoundError } from '../../core/errors.js';

/** Agents with a presets file. */
export type PresetAgent = 'diffusion-ql' | 'cql' | 'sac-n' | 'iql';

/** A preset's value of one config field: a number, flag or name, or a scaler's `{ kind, ... }` object. */
export type PresetValue = number | boolean | string | Readonly<Record<string, number | string>>;

/** How the reference implementation trained on a dataset. */
export interface PresetTraining {
  /** Epochs of training. */
  readonly epochs: number;
  /** Gradient steps per epoch. */
  readonly stepsPerEpoch: number;
  /** Epochs between evaluations. */
  readonly evalEveryEpochs: number;
  /** Episodes per evaluation. */
  readonly evalEpisodes: number;
  /** The rank its offline model selection picks (Diffusion-QL's `top_k`); absent where the reference has none. */
  readonly offlineSelectionTopK?: number;
}

/** One dataset's preset. */
export interface Preset {
  /** The dataset id, e.g. `hopper-medium-replay-v2`. */
  readonly dataset: string;
  /** Config fields the preset sets (the others keep the agent's defaults). */
  readonly config: Readonly<Record<string, PresetValue>>;
  /** How the reference trained. */
  readonly training: PresetTraining;
  /** How the reference transformed the data before training. */
  readonly data: {
    /** Reward transform: `'no'`, `'normalize'` ((r − mean)/std) or `'cql_antmaze'` ((r − 0.5)·4). */
    readonly rewardTune: string;
  };
}

/** A whole presets file. */
interface PresetsFile {
  readonly format: string;
  readonly version: number;
  readonly agent: string;
  readonly datasets: Readonly<Record<string, Omit<Preset, 'dataset'>>>;
}

const cache = new Map<PresetAgent, PresetsFile>();

/** The URL of an agent's presets file (the package's `assets/presets/`, three folders up in `src/` and `dist/`). */
function presetsUrl(agent: PresetAgent): URL {
  return new URL(`../../../assets/presets/${agent}.json`, import.meta.url);
}

function load(agent: PresetAgent): PresetsFile {
  const cached = cache.get(agent);
  if (cached !== undefined) return cached;
  const url = presetsUrl(agent);
  let file: PresetsFile;
  try {
    file = JSON.parse(readFileSync(url, 'utf8')) as PresetsFile;
  } catch (error) {
    throw new ConfigError(
      `Cannot read the ${agent} presets from ${url.pathname} (${(error as Error).message}); the package's assets/presets folder must ship with it.`,
      { cause: error },
    );
  }
  if (file?.format !== 'llmdpd.presets' || file.version !== 1 || typeof file.datasets !== 'object')
    throw new ConfigError(`${url.pathname} is not an llmdpd presets file (format llmdpd.presets, version 1).`);
  cache.set(agent, file);
  return file;
}

/** The datasets an agent has presets for. */
export function presetDatasets(agent: PresetAgent): string[] {
  return Object.keys(load(agent).datasets);
}

/**
 * One dataset's preset.
 * @throws {@link NotFoundError} for a dataset without one, naming the closest and every known dataset.
 */
export function presetFor(agent: PresetAgent, dataset: string): Preset {
  const entry = load(agent).datasets[dataset];
  if (entry === undefined) {
    const known = presetDatasets(agent);
    const stemOf = (name: string) => name.replace(/-v\d+$/, '');
    const stem = stemOf(dataset);
    const sameStem = known.filter((k) => stemOf(k) === stem);
    const close =
      sameStem.length > 0 ? sameStem : known.filter((k) => k.startsWith(stem) || stem.startsWith(stemOf(k)));
    throw new NotFoundError(
      `No ${agent} preset for dataset ${JSON.stringify(dataset)}.` +
        (close.length > 0 ? ` Did you mean ${close.map((k) => JSON.stringify(k)).join(' or ')}?` : '') +
        ` Presets exist for: ${known.join(', ')}.`,
    );
  }
  return { dataset, ...entry };
}

/** A field where a config and a preset disagree. */
export interface PresetDifference {
  /** The config field. */
  readonly field: string;
  /** The preset's value. */
  readonly preset: PresetValue;
  /** The config's value. */
  readonly config: unknown;
}

/** The fields of `config` that contradict `preset` (an empty list when it follows the preset). */
export function presetDifferences(preset: Preset, config: Readonly<Record<string, unknown>>): PresetDifference[] {
  return Object.entries(preset.config)
    .filter(([field, value]) => config[field] !== undefined && JSON.stringify(config[field]) !== JSON.stringify(value))
    .map(([field, value]) => ({ field, preset: value, config: config[field] }));
}

/**
 * Options for an agent: the preset's fields, then `overrides`. An override that contradicts the
 * preset is allowed (it is how one tunes further) but is reported with `process.emitWarning`
 * (code `LLMDPD_PRESET_OVERRIDE`), so a copied config does not silently undo a tuned value.
 * @throws {@link NotFoundError} for a dataset without a preset.
 */
export function presetOptions<O extends object>(agent: PresetAgent, dataset: string, overrides: O): O {
  const preset = presetFor(agent, dataset);
  const differences = presetDifferences(preset, overrides as Readonly<Record<string, unknown>>);
  if (differences.length > 0) {
    process.emitWarning(
      `${differences.map((d) => `${d.field} ${JSON.stringify(d.config)} overrides the preset's ${JSON.stringify(d.preset)}`).join('; ')} for ${dataset}.`,
      { code: 'LLMDPD_PRESET_OVERRIDE' },
    );
  }
  return { ...preset.config, ...overrides };
}
