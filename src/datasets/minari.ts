/**
 * Minari datasets: {@link loadMinari} reads a dataset folder (`data/main_data.hdf5` plus
 * `data/metadata.json`; semantics in `docs/datasets.md`, "Minari datasets", reading checks in
 * `docs/formats.md`, "Minari datasets") into a {@link ReplayBuffer}.
 *
 * Layout read:
 *
 * - `<root>/<dataset id>/data/main_data.hdf5` with one group `episode_<i>` per episode holding
 *   `observations` (T + 1 rows: the reset observation through the final one), `actions`,
 *   `rewards`, `terminations` and `truncations` (T rows each). A Dict observation (or action)
 *   is a group with one child per key, recursively; a Tuple is a group `_index_0`, `_index_1`, ...
 * - `<root>/<dataset id>/data/metadata.json`, whose `observation_space` and `action_space` are
 *   JSON strings that Python wrote with bare `Infinity` / `-Infinity` / `NaN`, which
 *   `JSON.parse` rejects; {@link parsePythonJson} accepts them. Minari < 0.5 kept the metadata as
 *   root attributes of main_data.hdf5 instead; that is the fallback.
 *
 * Transitions: s = obs[t], s' = obs[t + 1], terminal = terminations[t]; truncations only mark
 * the episode end (timeout = truncations[t] and not terminations[t]). Every episode's last step
 * ends its episode in the buffer, flagged or not (Minari trims partial episodes, but a dataset
 * cut by hand still loads, as a truncated episode).
 *
 * @module
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ReplayBuffer } from '../buffers/replay-buffer.js';
import { closeMatches } from '../buffers/suggest.js';
import { DatasetError, NotFoundError } from '../core/errors.js';
import { MANIFEST_MAX_BYTES, readRegularTextSync } from '../core/safe-files.js';
import { Box, type BoxDtype, Dict, Discrete, type Space } from '../core/spaces.js';
import {
  type H5File,
  type H5Lib,
  columnInfo,
  finiteCheck,
  checkDeclaredSize,
  flagCheck,
  hdf5Section,
  loadH5,
  openHdf5,
  readRows,
  rowSize,
  safeGet,
} from './hdf5.js';

const CTX = 'loadMinari';

/** Where one leaf of a (possibly Dict or Tuple) space sits in a flattened row. */
export interface FlatLeaf {
  /** Path of the leaf below `observations` or `actions`, `/`-separated (`''` for a plain Box). */
  readonly key: string;
  /** Shape of one step's value. `[]` for a scalar. */
  readonly shape: readonly number[];
  /** First column of the leaf in a flattened row. */
  readonly offset: number;
  /** Number of columns (the product of `shape`). */
  readonly size: number;
  /** The HDF5 dtype of the leaf, e.g. `float64`. */
  readonly dtype: string;
}

/** Options of {@link loadMinari}. */
export interface MinariLoadOptions {
  /**
   * Root folder that holds datasets by id (`<root>/mujoco/hopper/expert-v0/`).
   * @defaultValue `$MINARI_DATASETS_PATH`, else `~/.minari/datasets`
   */
  readonly root?: string;
}

/** What {@link loadMinari} found. */
export interface MinariInfo {
  /** The dataset folder (the one holding `data/`). */
  readonly path: string;
  /** The HDF5 file read. */
  readonly dataFile: string;
  /** `dataset_id` from the metadata, else the id that was asked for, else `undefined`. */
  readonly datasetId: string | undefined;
  /** The env id from the metadata's `env_spec` (e.g. `Hopper-v5`), or `undefined`. */
  readonly envId: string | undefined;
  /** Number of episodes. */
  readonly episodes: number;
  /** Number of transitions (the sum of the episodes' steps). */
  readonly transitions: number;
  /** Length of a flattened observation row. */
  readonly observationDim: number;
  /** Length of a flattened action row. */
  readonly actionDim: number;
  /**
   * How observations are flattened: one leaf for a Box; for a Dict, its keys in sorted order
   * (Gymnasium's order), recursively, each leaf's values row-major; for a Tuple, `_index_0`,
   * `_index_1`, ... in numeric order.
   */
  readonly observationLayout: readonly FlatLeaf[];
  /** How actions are flattened (same rules). */
  readonly actionLayout: readonly FlatLeaf[];
  /** The observation space from the metadata when it maps onto Box, Discrete and Dict; else `undefined`. */
  readonly observationSpace: Space | undefined;
  /** The action space, like `observationSpace`. */
  readonly actionSpace: Space | undefined;
  /** Minari's `ref_min_score` (a random policy's mean return) when present. */
  readonly refMinScore: number | undefined;
  /** Minari's `ref_max_score` (the expert's mean return) when present. */
  readonly refMaxScore: number | undefined;
  /** Where the metadata came from. */
  readonly metadataSource: 'metadata.json' | 'hdf5-attributes';
  /**
   * The whole metadata, with `observation_space`, `action_space`, `env_spec` and `eval_env_spec` parsed from their JSON
   * strings.
   */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** A Minari dataset loaded by {@link loadMinari}. */
export interface MinariDataset {
  /** The transitions, episodes in id order. */
  readonly buffer: ReplayBuffer;
  /** What was found. */
  readonly info: MinariInfo;
}

// Sentinels for the non-JSON number tokens; the NUL makes a clash with real text implausible.
const POS_INF = '\u0000llmdpd:+Infinity';
const NEG_INF = '\u0000llmdpd:-Infinity';
const NAN = '\u0000llmdpd:NaN';

/**
 * Parses JSON as Python's `json.dumps` writes it: standard JSON plus the bare tokens
 * `Infinity`, `-Infinity` and `NaN` (outside strings), which become the numbers.
 *
 * @param where - what is parsed, for the message.
 * @throws {@link DatasetError} naming `where` when the text is not valid even so.
 */
export function parsePythonJson(text: string, where: string): unknown {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      continue;
    }
    let token: string | undefined;
    let sentinel = '';
    if (text.startsWith('-Infinity', i)) [token, sentinel] = ['-Infinity', NEG_INF];
    else if (text.startsWith('Infinity', i)) [token, sentinel] = ['Infinity', POS_INF];
    else if (text.startsWith('NaN', i)) [token, sentinel] = ['NaN', NAN];
    if (token !== undefined) {
      out += text.slice(last, i) + JSON.stringify(sentinel);
      i += token.length - 1;
      last = i + 1;
    }
  }
  out += text.slice(last);
  try {
    return JSON.parse(out, (_k, v: unknown) =>
      v === POS_INF ? Infinity : v === NEG_INF ? -Infinity : v === NAN ? NaN : v,
    );
  } catch (e) {
    throw new DatasetError(
      `${CTX}: ${where} is not valid JSON (even allowing Python's Infinity and NaN): ${(e as Error).message}.`,
    );
  }
}

/** The numbers of a (possibly nested) list, flattened; `undefined` if something else is in it. */
function flatNumbers(value: unknown): number[] | undefined {
  if (typeof value === 'number') return [value];
  if (!Array.isArray(value)) return undefined;
  const out: number[] = [];
  for (const v of value) {
    const inner = flatNumbers(v);
    if (inner === undefined) return undefined;
    out.push(...inner);
  }
  return out;
}

/**
 * Converts a Minari space description (`{"type": "Box", "dtype", "shape", "low", "high"}`,
 * `{"type": "Dict", "subspaces": {...}}`, `{"type": "Discrete", "n", "start"}`) to a core
 * {@link Space}. Integer and bool Boxes become `int32` boxes. Returns `undefined` for types
 * without a core equivalent (Tuple, Text, MultiDiscrete, ...).
 *
 * @param where - the metadata key, for messages.
 * @throws {@link DatasetError} when a Box or Dict description is malformed.
 */
export function spaceFromMinari(json: unknown, where: string): Space | undefined {
  if (typeof json !== 'object' || json === null)
    throw new DatasetError(`${CTX}: ${where} is ${JSON.stringify(json)}; expected a space description object.`);
  const o = json as Record<string, unknown>;
  try {
    switch (o['type']) {
      case 'Box': {
        const shape = o['shape'];
        if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d)))
          throw new Error(`shape ${JSON.stringify(shape)} is not a list of integers`);
        const dtype = typeof o['dtype'] === 'string' ? o['dtype'] : 'float32';
        const boxDtype: BoxDtype = dtype === 'float64' ? 'float64' : dtype.startsWith('float') ? 'float32' : 'int32';
        const low = flatNumbers(o['low']);
        const high = flatNumbers(o['high']);
        if (low === undefined || high === undefined)
          throw new Error('low and high must be numbers or lists of numbers');
        // A scalar bound (not a list) applies to every element, as Gymnasium's Box accepts.
        const bound = (raw: unknown, a: number[]) => (typeof raw === 'number' ? a[0] : a);
        return new Box({
          low: bound(o['low'], low),
          high: bound(o['high'], high),
          shape: shape as number[],
          dtype: boxDtype,
        });
      }
      case 'Discrete':
        return new Discrete(Number(o['n']), Number(o['start'] ?? 0));
      case 'Dict': {
        const subs = o['subspaces'];
        if (typeof subs !== 'object' || subs === null || Array.isArray(subs))
          throw new Error('subspaces must be an object');
        const spaces: Record<string, Space> = {};
        for (const [k, v] of Object.entries(subs)) {
          const s = spaceFromMinari(v, `${where}.subspaces.${k}`);
          if (s === undefined) return undefined;
          spaces[k] = s;
        }
        return new Dict(spaces);
      }
      default:
        return undefined;
    }
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError(
      `${CTX}: ${where} describes a malformed ${String(o['type'])} space: ${(e as Error).message}.`,
    );
  }
}

/**
 * The default root: `$MINARI_DATASETS_PATH`, else `~/.minari/datasets` (the home folder from
 * `$HOME` or `$USERPROFILE`, as Python's `expanduser` reads it, else the OS account's).
 */
export function minariRoot(): string {
  const env = process.env['MINARI_DATASETS_PATH'];
  if (env !== undefined && env !== '') return env;
  const home = process.env['HOME'] || process.env['USERPROFILE'] || homedir();
  return join(home, '.minari', 'datasets');
}

/** True when `dir` holds a Minari dataset's `data/main_data.hdf5`. */
function isDatasetDir(dir: string): boolean {
  return existsSync(join(dir, 'data', 'main_data.hdf5'));
}

/** Dataset ids found under `root` (folders holding data/main_data.hdf5), up to three levels deep. */
function listIds(root: string, prefix = '', depth = 0): string[] {
  if (depth > 3) return [];
  let entries: string[];
  try {
    entries = readdirSync(join(root, prefix), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of entries) {
    const id = prefix === '' ? name : `${prefix}/${name}`;
    if (isDatasetDir(join(root, id))) out.push(id);
    else out.push(...listIds(root, id, depth + 1));
  }
  return out;
}

/** Where {@link resolveMinariDataset} found a dataset. */
export interface MinariLocation {
  /** The dataset folder (the one holding `data/`). */
  readonly dir: string;
  /** The id it was found under, or `undefined` when a folder path was given. */
  readonly id: string | undefined;
}

/**
 * Finds a dataset folder: an existing folder path (the dataset folder, or its `data/`
 * folder), else an id under the root.
 *
 * @returns the dataset folder and the id when one was given.
 * @throws {@link NotFoundError} listing where it looked and the closest ids under the root.
 */
export function resolveMinariDataset(datasetIdOrPath: string, options: MinariLoadOptions = {}): MinariLocation {
  const asPath = resolve(datasetIdOrPath);
  if (existsSync(asPath) && statSync(asPath).isDirectory()) {
    if (isDatasetDir(asPath)) return { dir: asPath, id: undefined };
    if (existsSync(join(asPath, 'main_data.hdf5'))) return { dir: resolve(asPath, '..'), id: undefined };
  }
  const root = options.root ?? minariRoot();
  const dir = join(root, datasetIdOrPath);
  if (isDatasetDir(dir)) return { dir, id: datasetIdOrPath };
  const known = listIds(root);
  const near = closeMatches(datasetIdOrPath, known);
  const hint =
    near.length > 0
      ? ` Did you mean ${near.map((s) => `"${s}"`).join(', ')}?`
      : known.length > 0
        ? ` Datasets there: ${known.slice(0, 10).join(', ')}.`
        : '';
  throw new NotFoundError(
    `${CTX}: no Minari dataset "${datasetIdOrPath}": neither ${asPath} nor ${dir} holds data/main_data.hdf5 ` +
      `(root ${root}, from ${options.root !== undefined ? 'options.root' : process.env['MINARI_DATASETS_PATH'] ? 'MINARI_DATASETS_PATH' : 'the default ~/.minari/datasets'}).${hint} ` +
      'Fix: pass the dataset folder, or set MINARI_DATASETS_PATH to the folder that holds the ids; nothing is downloaded.',
  );
}

/**
 * Sorts group children: `_index_<n>` numerically (Tuple), everything else in code-unit order (Dict, as Gymnasium sorts
 * keys).
 */
function sortedKeys(keys: string[]): string[] {
  const isTuple = keys.length > 0 && keys.every((k) => /^_index_\d+$/.test(k));
  return isTuple ? [...keys].sort((a, b) => Number(a.slice(7)) - Number(b.slice(7))) : [...keys].sort();
}

/** The flattened layout of `observations` or `actions` in one episode, and its row count. */
function layoutOf(lib: H5Lib, file: H5File, base: string): { leaves: FlatLeaf[]; rows: number } {
  const leaves: FlatLeaf[] = [];
  let rows = -1;
  let offset = 0;
  const visit = (path: string, rel: string): void => {
    const entity = safeGet(file, path, CTX);
    if (entity instanceof lib.api.Group) {
      const keys = sortedKeys(entity.keys());
      if (keys.length === 0)
        throw new DatasetError(`${CTX}: "${path}" is an empty group; a Dict or Tuple needs at least one key.`);
      for (const k of keys) visit(`${path}/${k}`, rel === '' ? k : `${rel}/${k}`);
      return;
    }
    const info = columnInfo(lib, file, path, CTX);
    if (info === undefined)
      throw new DatasetError(
        `${CTX}: the file has no dataset "${path}"${entity === undefined ? '' : ' (something else is there)'}. Fix: every episode needs observations, actions, rewards, terminations and truncations.`,
      );
    if (info.kind !== 'float' && info.kind !== 'int' && info.kind !== 'bool') {
      throw new DatasetError(
        `${CTX}: "${path}" has dtype ${info.dtype}; only numeric observations and actions can go into a buffer.`,
      );
    }
    if (info.shape.length === 0) throw new DatasetError(`${CTX}: "${path}" is a scalar; expected one row per step.`);
    if (rows >= 0 && info.shape[0] !== rows) {
      throw new DatasetError(
        `${CTX}: "${path}" has ${info.shape[0]} rows but the other keys of ${base} have ${rows}. Fix: the episode is inconsistent; regenerate it.`,
      );
    }
    rows = info.shape[0]!;
    const size = rowSize(info.shape);
    leaves.push({ key: rel, shape: info.shape.slice(1), offset, size, dtype: info.dtype });
    offset += size;
  };
  visit(base, '');
  return { leaves, rows };
}

/** Throws unless two layouts have the same keys and shapes. */
function sameLayout(a: readonly FlatLeaf[], b: readonly FlatLeaf[], what: string): void {
  const sig = (l: readonly FlatLeaf[]) => l.map((x) => `${x.key || '(box)'}[${x.shape.join(',')}]`).join(' ');
  if (sig(a) !== sig(b))
    throw new DatasetError(
      `${CTX}: ${what} has layout ${sig(b)} but the first episode has ${sig(a)}. Fix: every episode needs the same spaces.`,
    );
}

/** The leaves a space flattens to (key and shape per leaf), or `undefined` for space types without a core equivalent. */
function spaceLeaves(space: Space, prefix: string): { key: string; shape: readonly number[] }[] | undefined {
  if (space instanceof Dict) {
    const out: { key: string; shape: readonly number[] }[] = [];
    const spaces: Readonly<Record<string, Space>> = space.spaces;
    for (const k of sortedKeys(Object.keys(spaces))) {
      const inner = spaceLeaves(spaces[k], prefix === '' ? k : `${prefix}/${k}`);
      if (inner === undefined) return undefined;
      out.push(...inner);
    }
    return out;
  }
  if (space instanceof Box) return [{ key: prefix, shape: space.shape }];
  if (space instanceof Discrete) return [{ key: prefix, shape: [] }];
  return undefined;
}

/**
 * Throws unless the metadata's space describes the data: the same leaves (Dict keys), each with
 * as many values per step as the data holds. A space the reader cannot map (Tuple, Text, ...)
 * is not compared.
 */
function checkSpaceAgrees(
  space: Space | undefined,
  layout: readonly FlatLeaf[],
  metaKey: string,
  dataKey: string,
): void {
  if (space === undefined) return;
  const expected = spaceLeaves(space, '');
  if (expected === undefined) return;
  const shape = (s: readonly number[]) => `(${s.join(', ')}${s.length === 1 ? ',' : ''})`;
  const describe = (leaves: readonly { key: string; shape: readonly number[] }[]) =>
    leaves.map((l) => `${l.key === '' ? '' : `${l.key} `}${shape(l.shape)}`).join(', ');
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  const agree =
    expected.length === layout.length &&
    expected.every((e, i) => e.key === layout[i].key && size(e.shape) === layout[i].size);
  if (!agree) {
    throw new DatasetError(
      `${CTX}: metadata ${metaKey} describes ${describe(expected)} per step, but the data's "${dataKey}" hold ${describe(layout)} per step. ` +
        'Fix: the metadata does not belong to this data; regenerate the dataset (or its metadata.json) with Minari.',
    );
  }
}

/** One episode's group name, id and number of steps. */
interface EpisodeEntry {
  readonly name: string;
  readonly id: number;
  readonly steps: number;
}

/** Reads the metadata: data/metadata.json, else the HDF5 root attributes (Minari < 0.5). */
function readMetadata(
  file: H5File,
  dataDir: string,
): { metadata: Record<string, unknown>; source: MinariInfo['metadataSource'] } {
  const jsonPath = join(dataDir, 'metadata.json');
  let metadata: Record<string, unknown>;
  let source: MinariInfo['metadataSource'];
  if (existsSync(jsonPath)) {
    const text = readRegularTextSync(jsonPath, { what: 'the metadata', context: CTX, maxBytes: MANIFEST_MAX_BYTES });
    const parsed = parsePythonJson(text, jsonPath);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new DatasetError(`${CTX}: ${jsonPath} holds ${typeof parsed}; expected a JSON object.`);
    metadata = { ...(parsed as Record<string, unknown>) };
    source = 'metadata.json';
  } else {
    metadata = {};
    for (const [k, attr] of Object.entries(file.attrs)) metadata[k] = attr.json_value;
    source = 'hdf5-attributes';
  }
  for (const key of ['observation_space', 'action_space', 'env_spec', 'eval_env_spec']) {
    const v = metadata[key];
    if (typeof v === 'string' && v.trim() !== '') metadata[key] = parsePythonJson(v, `metadata ${key}`);
  }
  const format = metadata['data_format'];
  if (format !== undefined && format !== 'hdf5') {
    throw new DatasetError(
      `${CTX}: metadata data_format is ${JSON.stringify(format)}; this reader supports "hdf5" only. Fix: convert the dataset to hdf5 with Minari.`,
    );
  }
  return { metadata, source };
}

/**
 * Reads a Minari dataset into a {@link ReplayBuffer}: every episode's T steps become T
 * transitions (s = obs[t], s' = obs[t + 1]), in episode-id order. Dict and Tuple observations
 * and actions are flattened as {@link MinariInfo.observationLayout} describes. Nothing is
 * downloaded.
 *
 * @param datasetIdOrPath - a dataset folder (holding `data/`), its `data/` folder, or an id
 *   such as `mujoco/hopper/expert-v0` looked up under `options.root`, `$MINARI_DATASETS_PATH`
 *   or `~/.minari/datasets`.
 * @throws {@link NotFoundError} when no dataset is found (with the places looked and close ids).
 * @throws {@link DatasetError} naming the episode key and the problem: not HDF5, truncated, no
 *   episodes, a missing key, observations without T + 1 rows, episodes with different
 *   layouts, a NaN or infinite value (with its row), a flag that is not 0/1, a termination or
 *   truncation before an episode's last step, unreadable metadata, or a non-hdf5 data format.
 * @example
 * ```ts
 * const { buffer, info } = await loadMinari('mujoco/hopper/expert-v0', { root: '/data/minari' });
 * info.envId; // 'Hopper-v5'
 * ```
 */
export async function loadMinari(datasetIdOrPath: string, options: MinariLoadOptions = {}): Promise<MinariDataset> {
  const { dir, id } = resolveMinariDataset(datasetIdOrPath, options);
  const dataDir = join(dir, 'data');
  const dataFile = join(dataDir, 'main_data.hdf5');
  const lib = await loadH5();
  return hdf5Section(lib, CTX, dataFile, () => {
    const { file, bytes } = openHdf5(lib, dataFile, CTX);
    try {
      return readMinari(lib, file, bytes, dir, id, dataDir, dataFile);
    } finally {
      file.close();
    }
  });
}

/** The body of {@link loadMinari} once the file is open. */
function readMinari(
  lib: H5Lib,
  file: H5File,
  fileBytes: number,
  dir: string,
  id: string | undefined,
  dataDir: string,
  dataFile: string,
): MinariDataset {
  {
    const { metadata, source } = readMetadata(file, dataDir);
    const episodes: EpisodeEntry[] = file
      .keys()
      .map((name) => ({ name, m: /^episode_(\d+)$/.exec(name) }))
      .filter((e) => e.m !== null)
      .map((e) => ({ name: e.name, id: Number(e.m![1]), steps: 0 }))
      .sort((a, b) => a.id - b.id);
    if (episodes.length === 0)
      throw new DatasetError(
        `${CTX}: ${dataFile} has no episode_<n> groups (keys: ${file.keys().join(', ') || 'none'}). Fix: check that this is a Minari hdf5 dataset.`,
      );

    // Pass 1: layouts and lengths, from metadata only.
    let obsLayout: FlatLeaf[] = [];
    let actLayout: FlatLeaf[] = [];
    let total = 0;
    for (let i = 0; i < episodes.length; i++) {
      const ep = episodes[i];
      const obs = layoutOf(lib, file, `${ep.name}/observations`);
      const act = layoutOf(lib, file, `${ep.name}/actions`);
      if (i === 0) [obsLayout, actLayout] = [obs.leaves, act.leaves];
      sameLayout(obsLayout, obs.leaves, `${ep.name}/observations`);
      sameLayout(actLayout, act.leaves, `${ep.name}/actions`);
      const steps = act.rows;
      const group = safeGet(file, ep.name, CTX);
      if (!(group instanceof lib.api.Group))
        throw new DatasetError(`${CTX}: "${ep.name}" is not a group; an episode is a group of datasets.`);
      const attr = group.attrs['total_steps']?.json_value;
      if (typeof attr === 'number' && attr !== steps) {
        throw new DatasetError(
          `${CTX}: ${ep.name} has total_steps ${attr} but "${ep.name}/actions" has ${steps} rows. Fix: the episode is inconsistent; regenerate it.`,
        );
      }
      if (obs.rows !== steps + 1) {
        throw new DatasetError(
          `${CTX}: "${ep.name}/observations" has ${obs.rows} rows; expected total_steps + 1 = ${steps + 1} (the reset observation through the final one). ` +
            'Fix: the episode is inconsistent; regenerate it.',
        );
      }
      if (steps === 0)
        throw new DatasetError(`${CTX}: ${ep.name} has 0 steps; an episode needs at least one transition.`);
      for (const key of ['rewards', 'terminations', 'truncations']) {
        const info = columnInfo(lib, file, `${ep.name}/${key}`, CTX);
        if (info === undefined)
          throw new DatasetError(
            `${CTX}: the file has no "${ep.name}/${key}". Fix: every episode needs observations, actions, rewards, terminations and truncations.`,
          );
        const want = key === 'rewards' ? ['float', 'int'] : ['bool', 'int', 'float'];
        if (!want.includes(info.kind))
          throw new DatasetError(
            `${CTX}: "${info.key}" has dtype ${info.dtype}; expected ${key === 'rewards' ? 'a float type' : 'bool'}.`,
          );
        if (rowSize(info.shape) !== 1 || info.shape[0] !== steps) {
          throw new DatasetError(
            `${CTX}: "${info.key}" has shape (${info.shape.join(', ')}); expected (${steps},), one value per step.`,
          );
        }
      }
      episodes[i] = { ...ep, steps };
      total += steps;
    }
    const od = obsLayout.reduce((a, l) => a + l.size, 0);
    const ad = actLayout.reduce((a, l) => a + l.size, 0);
    // Before anything is allocated: the declared sizes must fit in the file.
    checkDeclaredSize(CTX, dataFile, fileBytes, [
      { key: 'observations (all episodes)', values: (total + episodes.length) * od, elementBytes: 4 },
      { key: 'actions (all episodes)', values: total * ad, elementBytes: 4 },
      { key: 'rewards, terminations, truncations (all episodes)', values: total * 3, elementBytes: 1 },
    ]);
    const observationSpace =
      metadata['observation_space'] === undefined
        ? undefined
        : spaceFromMinari(metadata['observation_space'], 'metadata observation_space');
    const actionSpace =
      metadata['action_space'] === undefined
        ? undefined
        : spaceFromMinari(metadata['action_space'], 'metadata action_space');
    checkSpaceAgrees(observationSpace, obsLayout, 'observation_space', 'observations');
    checkSpaceAgrees(actionSpace, actLayout, 'action_space', 'actions');

    // Pass 2: read straight into the buffer's columns.
    const observations = new Float32Array(total * od);
    const nextObservations = new Float32Array(total * od);
    const actions = new Float32Array(total * ad);
    const rewards = new Float32Array(total);
    const terminals = new Uint8Array(total);
    const timeouts = new Uint8Array(total);
    const episodeEnds = new Uint8Array(total);
    const maxSteps = episodes.reduce((a, e) => Math.max(a, e.steps), 0);
    const maxLeaf = Math.max(...obsLayout.map((l) => l.size), ...actLayout.map((l) => l.size));
    const scratch = new Float32Array((maxSteps + 1) * maxLeaf);
    const flags = new Uint8Array(maxSteps);
    let base = 0;
    for (const ep of episodes) {
      const T = ep.steps;
      for (const leaf of obsLayout) {
        const key = leaf.key === '' ? `${ep.name}/observations` : `${ep.name}/observations/${leaf.key}`;
        readRows(lib, file, key, 0, T + 1, scratch, 0, CTX, finiteCheck(CTX, key, leaf.size));
        if (leaf.size === od) {
          observations.set(scratch.subarray(0, T * od), base * od);
          nextObservations.set(scratch.subarray(od, (T + 1) * od), base * od);
        } else {
          for (let t = 0; t < T; t++) {
            observations.set(scratch.subarray(t * leaf.size, (t + 1) * leaf.size), (base + t) * od + leaf.offset);
            nextObservations.set(
              scratch.subarray((t + 1) * leaf.size, (t + 2) * leaf.size),
              (base + t) * od + leaf.offset,
            );
          }
        }
      }
      for (const leaf of actLayout) {
        const key = leaf.key === '' ? `${ep.name}/actions` : `${ep.name}/actions/${leaf.key}`;
        readRows(lib, file, key, 0, T, scratch, 0, CTX, finiteCheck(CTX, key, leaf.size));
        if (leaf.size === ad) actions.set(scratch.subarray(0, T * ad), base * ad);
        else
          for (let t = 0; t < T; t++)
            actions.set(scratch.subarray(t * leaf.size, (t + 1) * leaf.size), (base + t) * ad + leaf.offset);
      }
      readRows(lib, file, `${ep.name}/rewards`, 0, T, rewards, base, CTX, finiteCheck(CTX, `${ep.name}/rewards`, 1));
      for (const [key, target] of [
        ['terminations', terminals],
        ['truncations', timeouts],
      ] as const) {
        const path = `${ep.name}/${key}`;
        readRows(lib, file, path, 0, T, flags, 0, CTX, flagCheck(CTX, path));
        for (let t = 0; t < T - 1; t++) {
          if (flags[t] === 1) {
            throw new DatasetError(
              `${CTX}: "${path}" is true at step ${t} but the episode continues to step ${T - 1}; an episode ends at its first termination or truncation. ` +
                'Fix: split the episode there or clear the flag.',
            );
          }
        }
        target[base + T - 1] = flags[T - 1]!;
      }
      if (terminals[base + T - 1] === 1) timeouts[base + T - 1] = 0; // the terminal wins
      episodeEnds[base + T - 1] = 1;
      base += T;
    }
    const buffer = ReplayBuffer.fromColumns({
      observationDim: od,
      actionDim: ad,
      size: total,
      observations,
      actions,
      rewards,
      nextObservations,
      terminals,
      timeouts,
      episodeEnds,
      taskIndices: new Int32Array(total),
    });
    const envSpec = metadata['env_spec'];
    const envId =
      typeof envSpec === 'object' && envSpec !== null && typeof (envSpec as Record<string, unknown>)['id'] === 'string'
        ? ((envSpec as Record<string, unknown>)['id'] as string)
        : undefined;
    const num = (k: string): number | undefined => (typeof metadata[k] === 'number' ? metadata[k] : undefined);
    return {
      buffer,
      info: {
        path: dir,
        dataFile,
        datasetId: typeof metadata['dataset_id'] === 'string' ? metadata['dataset_id'] : id,
        envId,
        episodes: episodes.length,
        transitions: total,
        observationDim: od,
        actionDim: ad,
        observationLayout: obsLayout,
        actionLayout: actLayout,
        observationSpace,
        actionSpace,
        refMinScore: num('ref_min_score'),
        refMaxScore: num('ref_max_score'),
        metadataSource: source,
        metadata,
      },
    };
  }
}
