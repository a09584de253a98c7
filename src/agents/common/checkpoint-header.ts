/**
 * Validation of an agent checkpoint's header, before anything is built from it. The column
 * store checks the manifest's container fields and the columns' checksums; the header fields
 * (step, random-stream states, optimiser steps, conditioner, normaliser and scaler states,
 * config) are not covered by any checksum, so each is checked here for type, range, finiteness
 * and consistency with the config, and a failure is a {@link CheckpointError} naming the field.
 *
 * The weights are checked later, when they are read (`checkpoint.ts`), and the config's sizes
 * while the agent is built: {@link checkpointWeightBudget} is the budget the build runs under,
 * the number of values the checkpoint stores, so a header whose config asks for larger networks
 * is refused before they are allocated. Every field and check is listed in `docs/formats.md`,
 * "Agent checkpoints".
 *
 * @module
 */
import { CheckpointError, type RlError } from '../../core/errors.js';
import { isRngState } from '../../core/rng.js';
import type { WeightBudget } from '../../nets/weight-budget.js';
import { checkPromptsConditionerState } from '../conditioning/prompts.js';

/** Values the networks built from a checkpoint may allocate beyond what it stores (schedules, small unsaved tables). */
export const WEIGHT_BUDGET_SLACK = 2 ** 16;

/** Reservations (layers, norms, tables) a build may make beyond the columns the checkpoint stores. */
export const RESERVATION_SLACK = 16;

/** The largest step count a header may record (the largest integer a float64 holds exactly). */
const MAX_STEP = Number.MAX_SAFE_INTEGER;

const DAMAGED =
  'The manifest was damaged or edited after saving (its header is not covered by the checksums); restore the checkpoint from a good copy, or save it again from the agent that wrote it.';

type Json = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A value as a message shows it: numbers as JavaScript prints them (`Infinity`), the rest as JSON, cut at 80 characters. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (typeof value === 'number') return String(value);
  const text = JSON.stringify(value) ?? typeof value;
  if (text.length <= 80) return text;
  return Array.isArray(value)
    ? `an array of ${value.length} values (${text.slice(0, 60)}...)`
    : `${text.slice(0, 77)}...`;
}

/** Throws the {@link CheckpointError} of one header field. */
function fail(where: string, field: string, mustBe: string, found: unknown, fix = DAMAGED): never {
  throw new CheckpointError(
    `${where}: checkpoint header field '${field}' must be ${mustBe}, found ${showValue(found)}. ${fix}`,
    field,
  );
}

function checkInteger(where: string, field: string, value: unknown, min: number, max = MAX_STEP): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
    fail(where, field, max === MAX_STEP ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`, value);
  return value;
}

function checkRngState(where: string, field: string, value: unknown): void {
  if (isRngState(value)) return;
  if (!isPlainObject(value)) fail(where, field, 'a random-stream state { words, spareNormal }', value);
  const words = value['words'];
  if (!isRngState({ words, spareNormal: null }))
    fail(where, `${field}.words`, 'four unsigned 32-bit integers, not all zero', words);
  fail(where, `${field}.spareNormal`, 'a finite number or null', value['spareNormal']);
}

/** How deep a config may nest (agent configs nest two or three levels). */
const MAX_CONFIG_DEPTH = 32;

/**
 * Every number in `value` (deep) must be finite (JSON's `1e999` reads as Infinity), and it may
 * nest at most {@link MAX_CONFIG_DEPTH} levels (deeper would only exhaust the stack of the code
 * that walks it).
 */
function checkFiniteNumbers(where: string, path: string, value: unknown, depth = 0): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(where, path, 'a finite number', value);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth >= MAX_CONFIG_DEPTH)
    throw new CheckpointError(
      `${where}: checkpoint header field '${path}' nests deeper than the ${MAX_CONFIG_DEPTH} levels a config may have. ${DAMAGED}`,
      path,
    );
  if (Array.isArray(value)) value.forEach((v, i) => checkFiniteNumbers(where, `${path}[${i}]`, v, depth + 1));
  else for (const [k, v] of Object.entries(value)) checkFiniteNumbers(where, `${path}.${k}`, v, depth + 1);
}

function checkConfig(where: string, config: unknown): Json {
  if (!isPlainObject(config)) fail(where, 'config', "an object (the agent's resolved config)", config);
  checkFiniteNumbers(where, 'config', config);
  for (const key of ['observationDim', 'actionDim'] as const) checkInteger(where, `config.${key}`, config[key], 1);
  return config;
}

/** The conditioner's state that a header must hold for `config.conditioner` (format 2). */
function checkConditioning(where: string, state: unknown, config: Json): void {
  if (!isPlainObject(state)) fail(where, 'conditioning', 'an object { kind, draws, network }', state);
  checkRngState(where, 'conditioning.draws', state['draws']);
  const conditioner = config['conditioner'];
  const kind = isPlainObject(conditioner) ? conditioner['kind'] : 'none';
  const prompts = kind === 'prompts' && isPlainObject(conditioner) ? conditioner : null;
  const textBranch = prompts !== null && prompts['useTextPrompt'] !== false;
  const trajectoryBranch = prompts !== null && prompts['useTrajectoryPrompt'] !== false;
  // The prompts kind keeps its embedded texts, unless both branches are off (no conditioner then).
  if (textBranch || trajectoryBranch) {
    const dim = prompts?.['textEmbeddingDim'];
    checkPromptsConditionerState(state['kind'], typeof dim === 'number' ? dim : null, (field, mustBe, found) =>
      fail(where, field === '' ? 'conditioning.kind' : `conditioning.kind.${field}`, mustBe, found),
    );
  } else if (state['kind'] !== null) {
    fail(where, 'conditioning.kind', `null (a '${String(kind)}' conditioner keeps no state)`, state['kind']);
  }
  // The trajectory transformer's dropout stream; other kinds have none.
  if (trajectoryBranch) checkRngState(where, 'conditioning.network', state['network']);
  else if (state['network'] !== null)
    fail(where, 'conditioning.network', 'null (this conditioner has no random stream of its own)', state['network']);
}

/**
 * Format 1 (library 0.1.0) LLMDPD headers keep the text encoder and the embedded texts at the
 * top level; a header with any of them, or whose config names a text width, must have all three.
 */
function checkFormat1Texts(where: string, header: Json, config: Json): void {
  const fields = ['textEncoder', 'texts', 'textVectors'] as const;
  if (!fields.some((f) => f in header) && !('textEmbeddingDim' in config)) return;
  const dim = config['textEmbeddingDim'];
  checkPromptsConditionerState(
    { textEncoder: header['textEncoder'], texts: header['texts'], textVectors: header['textVectors'] },
    typeof dim === 'number' ? dim : null,
    (field, mustBe, found) => fail(where, field, mustBe, found),
  );
}

function checkNormalizer(where: string, state: unknown, observationDim: number): void {
  if (state === null) return;
  if (!isPlainObject(state)) fail(where, 'normalizer', 'null or an object { mean, std }', state);
  for (const key of ['mean', 'std'] as const) {
    const values = state[key];
    if (!Array.isArray(values) || values.length !== observationDim)
      fail(where, `normalizer.${key}`, `an array of ${observationDim} numbers (config.observationDim)`, values);
    values.forEach((v: unknown, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || (key === 'std' && v < 0))
        fail(where, `normalizer.${key}[${i}]`, key === 'std' ? 'a finite number >= 0' : 'a finite number', v);
    });
  }
}

/** The kind a config gives one scaler (`config.observationScaler.kind`), or null when the config predates scalers. */
function scalerKind(config: Json, field: string): unknown {
  const scaler = config[field];
  return isPlainObject(scaler) ? scaler['kind'] : null;
}

/**
 * The fitted scalers (`scalers.ts`): each of `observation`, `action`, `reward` is null (not
 * fitted) or a state of the kind its config field names, whose numbers are finite, whose
 * per-dimension arrays are as wide as the config's dimensions, whose standard deviations are
 * >= 0 and whose ε is > 0 (a scaler divides by σ + ε, and by its half range).
 */
function checkScalers(where: string, state: unknown, config: Json): void {
  if (!isPlainObject(state)) fail(where, 'scalers', 'an object { observation, action, reward }', state);
  const widths = {
    observation: config['observationDim'] as number,
    action: config['actionDim'] as number,
    reward: 1,
  } as const;
  for (const which of ['observation', 'action', 'reward'] as const) {
    const field = `scalers.${which}`;
    const value = state[which];
    if (value === null || value === undefined) continue;
    if (!isPlainObject(value)) fail(where, field, 'null or an object { kind, ... }', value);
    const kind = scalerKind(config, `${which}Scaler`);
    if (kind !== null && value['kind'] !== kind)
      fail(where, `${field}.kind`, `${JSON.stringify(kind)} (config.${which}Scaler.kind)`, value['kind']);
    if (typeof value['kind'] !== 'string') fail(where, `${field}.kind`, 'a scaler kind', value['kind']);
    for (const [key, x] of Object.entries(value)) {
      if (key === 'kind') continue;
      const path = `${field}.${key}`;
      if (Array.isArray(x)) {
        if (which === 'reward' || x.length !== widths[which])
          fail(where, path, `a number${which === 'reward' ? '' : ` or an array of ${widths[which]} numbers`}`, x);
        x.forEach((e: unknown, i) => {
          if (typeof e !== 'number' || !Number.isFinite(e) || (key === 'std' && e < 0))
            fail(where, `${path}[${i}]`, key === 'std' ? 'a finite number >= 0' : 'a finite number', e);
        });
      } else if (x === null) {
        // A clip scaler's open end.
        if (key !== 'low' && key !== 'high') fail(where, path, 'a finite number', x);
      } else if (
        typeof x !== 'number' ||
        !Number.isFinite(x) ||
        (key === 'std' && x < 0) ||
        (key === 'epsilon' && x <= 0)
      )
        fail(
          where,
          path,
          key === 'std' ? 'a finite number >= 0' : key === 'epsilon' ? 'a finite number > 0' : 'a finite number',
          x,
        );
    }
  }
}

/**
 * Checks every header field of a checkpoint read by `readAgentCheckpointHeader` (the column
 * store's container fields are already checked).
 * @param where - the loading call, for messages (`DiffusionQLAgent.load(dir)`).
 * @throws {@link CheckpointError} naming the first bad field, what it must be, the value found
 * and the fix.
 */
export function validateCheckpointHeader(header: Readonly<Json>, where: string): void {
  if (typeof header['agent'] !== 'string' || header['agent'] === '')
    fail(where, 'agent', 'the name of the agent class that wrote it', header['agent']);
  for (const key of ['libraryVersion', 'tfjsVersion'] as const)
    if (typeof header[key] !== 'string') fail(where, key, 'a version string', header[key]);
  const config = checkConfig(where, header['config']);
  checkInteger(where, 'step', header['step'], 0);
  const rng = header['rng'];
  if (!isPlainObject(rng)) fail(where, 'rng', 'an object { sampler, noise, acting }', rng);
  for (const stream of ['sampler', 'noise', 'acting'] as const) checkRngState(where, `rng.${stream}`, rng[stream]);
  const optimizerSteps = header['optimizerSteps'];
  if (!isPlainObject(optimizerSteps))
    fail(where, 'optimizerSteps', 'an object of optimiser name -> steps taken', optimizerSteps);
  for (const [name, steps] of Object.entries(optimizerSteps)) checkInteger(where, `optimizerSteps.${name}`, steps, 0);
  if (header['formatVersion'] === 1) {
    if (header['conditioning'] !== undefined)
      fail(where, 'conditioning', 'absent in a format-1 checkpoint', header['conditioning']);
    checkFormat1Texts(where, header, config);
  } else {
    checkConditioning(where, header['conditioning'], config);
  }
  if (header['normalizer'] !== undefined)
    checkNormalizer(where, header['normalizer'], config['observationDim'] as number);
  if (header['scalers'] !== undefined) checkScalers(where, header['scalers'], config);
}

/** A column record as the column store has validated it. */
interface StoredColumn {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
}

/** Sizes below this are never named as suspects (step counts such as `emaStartStep` reach the thousands). */
const SUSPECT_SIZE = 4096;

/** The config's integers (deep, `seed` aside) above `limit`, largest first, as `path = value` (at most three). */
function sizesAbove(config: unknown, limit: number): string[] {
  const found: [string, number][] = [];
  const visit = (v: unknown, path: string): void => {
    if (typeof v === 'number' && Number.isInteger(v) && v > limit && path !== 'seed') found.push([path, v]);
    else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${path}[${i}]`));
    else if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) visit(x, path === '' ? k : `${path}.${k}`);
  };
  visit(config, '');
  return found
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([path, v]) => `${path} = ${v}`);
}

/**
 * The budget an agent built from `header` runs under: the float32 values the checkpoint stores
 * (weights and optimiser moments, at most its data file's size) plus {@link WEIGHT_BUDGET_SLACK},
 * and as many reservations as it stores columns plus {@link RESERVATION_SLACK}. Its error names
 * the config's sizes far above every stored dimension, the likely culprits.
 */
export function checkpointWeightBudget(header: Readonly<Json>, where: string): WeightBudget {
  const columns = (Array.isArray(header['columns']) ? header['columns'] : []) as StoredColumn[];
  let stored = 0;
  let largestDim = 1;
  for (const c of columns) {
    if (c.dtype !== 'float32') continue;
    stored += c.shape.reduce((a, b) => a * b, 1);
    for (const d of c.shape) largestDim = Math.max(largestDim, d);
  }
  const dataBytes = typeof header['dataBytes'] === 'number' ? header['dataBytes'] : 0;
  stored = Math.min(stored, Math.floor(dataBytes / 4));
  return {
    limit: stored + WEIGHT_BUDGET_SLACK,
    maxReservations: columns.length + RESERVATION_SLACK,
    exceeded: (what: string, total: number, reservations: number): RlError => {
      const suspects = sizesAbove(header['config'], Math.max(largestDim, SUSPECT_SIZE));
      const size =
        total > stored + WEIGHT_BUDGET_SLACK
          ? `building ${what} brings them to ${total} values, but the checkpoint stores ${stored} values in all (weights and optimiser moments).`
          : `building ${what} makes ${reservations} weight arrays, but the checkpoint stores ${columns.length} in all (weights and optimiser moments).`;
      return new CheckpointError(
        `${where}: the header's config asks for larger networks than the checkpoint holds: ${size}` +
          (suspects.length > 0
            ? ` Config sizes larger than any stored dimension (${largestDim}): ${suspects.map((s) => `config.${s}`).join(', ')}.`
            : '') +
          ` ${DAMAGED}`,
        suspects.length === 1 ? `config.${suspects[0].split(' = ')[0]}` : 'config',
      );
    },
  };
}
