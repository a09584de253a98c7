/**
 * The comparison spec: which agents, on which data, with which seeds, for how many steps, and
 * how runs are evaluated. Written as JSON (`llmdpd compare spec.json`), validated with one
 * message per problem naming its field path, and published as a JSON Schema for editors
 * (`assets/schema/comparison.schema.json`, generated from the same description, see
 * `schema.ts`). Field reference: `docs/compare.md`, "The spec".
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { ConfigError, NotFoundError } from '../core/errors.js';
import type { ConditionerKind, ConditionerOptions, CustomRule, FieldRule } from '../agents/index.js';
import {
  agentClass,
  agentClassNames,
  CONDITIONER_DEFAULTS,
  CONDITIONER_RULES,
  type AgentClass,
} from './agent-registry.js';
import {
  array,
  boolean,
  constant,
  number,
  object,
  record,
  shown,
  string,
  tagged,
  union,
  validate,
  type Field,
  type JsonSchema,
  type Schema,
} from './schema.js';

/** The `$id` of the published JSON Schema. */
export const COMPARISON_SCHEMA_ID = 'urn:llmdpd:comparison-spec:v1';

/** One agent of a comparison. */
export interface AgentSpec {
  /** Unique name in the comparison (tables, run folders). */
  readonly name: string;
  /** A registered agent class (`LLMDPD`, `DiffusionQL`, ...). */
  readonly class: string;
  /** A named preset of the class, applied before `config`. */
  readonly preset?: string;
  /** Config fields as written in the spec. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The preset's fields overridden by `config`: what the agent is built with (defaults aside). */
  readonly resolvedConfig: Readonly<Record<string, unknown>>;
  /** The task conditioner as written (the class's default when absent). */
  readonly conditioner?: ConditionerOptions;
}

/** Seen and unseen task names of a suite. */
export interface TaskSplit {
  /** Names of the tasks trained on. */
  readonly seen: readonly string[];
  /** Names of the held-out tasks. */
  readonly unseen: readonly string[];
}

/** A built-in suite: train on its seen tasks, evaluate on the seen and the unseen ones. */
export interface SuiteDataSpec {
  /** Kind tag. */
  readonly kind: 'suite';
  /** Unique name in the comparison. */
  readonly name: string;
  /** The built-in suite. */
  readonly suite: string;
  /** Seed of the suite's data and prompts (the same for every run). */
  readonly seed: number;
  /** Transitions per seen task (the suite's default when absent). */
  readonly transitionsPerTask?: number;
  /** `'default'`, or lists of task names. */
  readonly split: 'default' | TaskSplit;
}

/** A D4RL HDF5 file: train on it, evaluate on the env it was collected on. */
export interface D4rlDataSpec {
  /** Kind tag. */
  readonly kind: 'd4rl';
  /** Unique name in the comparison. */
  readonly name: string;
  /** Absolute path of the file. */
  readonly path: string;
  /** The D4RL dataset id (for the env and the normalised score), when the file does not say. */
  readonly datasetId?: string;
  /** The evaluation env id, when it cannot be derived from the dataset id. */
  readonly env?: string;
  /** The task's text prompt for prompted agents. */
  readonly text?: string;
}

/** A Minari dataset folder (by id under `MINARI_DATASETS_PATH`, or by path). */
export interface MinariDataSpec {
  /** Kind tag. */
  readonly kind: 'minari';
  /** Unique name in the comparison. */
  readonly name: string;
  /** Dataset id or absolute folder path. */
  readonly dataset: string;
  /** The evaluation env id, when the dataset's metadata does not name one this library has. */
  readonly env?: string;
  /** The task's text prompt for prompted agents. */
  readonly text?: string;
}

/** A folder of Meta-World offline data (written by `writeMetaWorldDatasets`), with a seen/unseen split. */
export interface MetaWorldDataSpec {
  /** Kind tag. */
  readonly kind: 'metaworld';
  /** Unique name in the comparison. */
  readonly name: string;
  /** Absolute path of the folder (its `metaworld.json` lists the tasks). */
  readonly path: string;
  /** `'default'` (the LLMDPD paper's three seen and three unseen tasks), or lists of task names. */
  readonly split: 'default' | TaskSplit;
  /** Meta-World's asset folder (the `METAWORLD_ASSETS` environment variable when absent). */
  readonly assetsDir?: string;
}

/** A data source of a comparison. */
export type DataSpec = SuiteDataSpec | D4rlDataSpec | MinariDataSpec | MetaWorldDataSpec;

/** When and how runs are evaluated. */
export interface EvaluationSpec {
  /** Evaluate every this many steps (and after the last step). */
  readonly every: number;
  /** Episodes per task and evaluation. */
  readonly episodes: number;
  /** Reset seed of the evaluation episodes, plus the run's seed (the same for every agent). */
  readonly seed: number;
  /** Cut episodes after this many steps (the env's own limit when absent). */
  readonly maxEpisodeSteps?: number;
}

/** Settings of the report's confidence intervals. */
export interface BootstrapSpec {
  /** Bootstrap replicates. */
  readonly reps: number;
  /** Interval coverage. */
  readonly confidence: number;
  /** Resampling seed. */
  readonly seed: number;
}

/** A validated comparison spec with every default filled in. */
export interface ComparisonSpec {
  /** Name of the comparison (report titles). */
  readonly name: string;
  /** Free text shown at the top of the report. */
  readonly description?: string;
  /** The agents. */
  readonly agents: readonly AgentSpec[];
  /** The data sources. */
  readonly data: readonly DataSpec[];
  /** Training seeds: one run per agent, data source and seed. */
  readonly seeds: readonly number[];
  /** Gradient steps per run. */
  readonly steps: number;
  /** Steps between metrics rows (rows also close every evaluation interval). */
  readonly logEvery: number;
  /** Steps between checkpoints (a multiple of `evaluation.every`). */
  readonly checkpointEvery: number;
  /** Evaluation schedule. */
  readonly evaluation: EvaluationSpec;
  /** Report statistics. */
  readonly bootstrap: BootstrapSpec;
  /** Keep the checkpoint of the best evaluation (by the seen tasks' score) in `best/`. */
  readonly keepBest: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const NAME_TEXT = "a name of letters, digits, '.', '_', '+' and '-'";

/** Schemas of fields whose agent rule is a check function, for a precise JSON Schema. */
const FIELD_SCHEMAS: Readonly<Record<string, Schema<unknown>>> = {
  trajectoryDropout: number({ minimum: 0, exclusiveMaximum: 1 }),
  table: record(array(number()), 'Vectors by task name.'),
  paramKeys: array(string(), { description: 'Names of numeric task parameters that make up a task vector.' }),
};

function ruleSchema(rule: FieldRule, field: string): Schema<unknown> {
  if (Array.isArray(rule)) return string({ enum: rule as readonly string[] });
  const custom = FIELD_SCHEMAS[field];
  if (custom !== undefined) return custom;
  if (typeof rule === 'object') {
    const check = rule as CustomRule;
    return {
      expected: check.description,
      check: (v, path, errors) => {
        if (check.check(v)) return v;
        errors.push(`${path}: expected ${check.description}, got ${shown(v)}`);
        return undefined;
      },
      jsonSchema: () => ({ description: check.description }),
    };
  }
  switch (rule) {
    case 'int':
      return number({ integer: true });
    case 'positiveInt':
      return number({ integer: true, minimum: 1 });
    case 'nonNegativeInt':
      return number({ integer: true, minimum: 0 });
    case 'evenPositiveInt': {
      const base = number({ integer: true, minimum: 2 });
      return {
        expected: 'an even integer >= 2',
        check: (v, path, errors) => {
          if (typeof v === 'number' && Number.isInteger(v) && v % 2 !== 0) {
            errors.push(`${path}: expected an even integer >= 2, got ${v}`);
            return undefined;
          }
          return base.check(v, path, errors);
        },
        jsonSchema: () => ({ ...base.jsonSchema(), multipleOf: 2 }),
      };
    }
    case 'positive':
      return number({ exclusiveMinimum: 0 });
    case 'nonNegative':
      return number({ minimum: 0 });
    case 'unit':
      return number({ minimum: 0, maximum: 1 });
    case 'dims':
      return array(number({ integer: true, minimum: 1 }), { minItems: 1 });
    case 'boolean':
      return boolean();
  }
}

const RUN_FIELD_REASONS: Readonly<Record<string, string>> = {
  observationDim: "set by the run's data; leave it out",
  actionDim: "set by the run's data; leave it out",
  seed: "each run's seed comes from the spec's `seeds` list; leave it out",
};

function fieldsOf(
  rules: Readonly<Record<string, FieldRule>>,
  defaults: Readonly<Record<string, unknown>>,
): Record<string, { schema: Schema<unknown>; forbidden?: string }> {
  const fields: Record<string, { schema: Schema<unknown>; forbidden?: string }> = {};
  for (const [key, rule] of Object.entries(rules)) {
    const s = ruleSchema(rule, key);
    const def = defaults[key];
    fields[key] = {
      schema: { ...s, jsonSchema: () => (def !== undefined ? { ...s.jsonSchema(), default: def } : s.jsonSchema()) },
    };
  }
  return fields;
}

function configSchema(cls: AgentClass): Schema<Record<string, unknown>> {
  const fields = fieldsOf(cls.configRules, cls.defaults);
  for (const [key, reason] of Object.entries(RUN_FIELD_REASONS)) fields[key] = { schema: boolean(), forbidden: reason };
  return object<Record<string, unknown>>(fields, {
    description: `${cls.name} config fields (every one optional; defaults shown).`,
    noun: `a ${cls.name} config object`,
  });
}

const CONDITIONER_TEXT: Readonly<Record<ConditionerKind, string>> = {
  none: 'No task conditioning: the plain single-task agent.',
  'task-id': 'A learned embedding per seen task (unseen tasks cannot be conditioned on and are not evaluated).',
  features: "A known feature vector per task (from `table`, or the task's parameters `paramKeys`).",
  prompts: "LLMDPD's prompt branches: the task's text and trajectory prompts.",
};

const CONDITIONER_FIXED: Readonly<Record<string, string>> = {
  tasks: "the seen tasks come from the run's data source; leave it out",
  textEmbeddingDim: "set by the text encoder's width; leave it out",
};

function conditionerSchema(cls: AgentClass): Schema<ConditionerOptions> {
  const variants: Record<string, Schema<ConditionerOptions>> = {};
  for (const kind of cls.conditioners) {
    const fields: Record<string, { schema: Schema<unknown>; forbidden?: string; required?: boolean }> = {
      kind: { schema: constant(kind, CONDITIONER_TEXT[kind]), required: true },
      ...fieldsOf(CONDITIONER_RULES[kind], CONDITIONER_DEFAULTS[kind]),
    };
    for (const [key, reason] of Object.entries(CONDITIONER_FIXED))
      if (!(key in fields)) fields[key] = { schema: boolean(), forbidden: reason };
    variants[kind] = object<ConditionerOptions>(fields as never, {
      noun: `a ${kind} conditioner object`,
      description: CONDITIONER_TEXT[kind],
    });
  }
  return tagged<ConditionerOptions>('kind', variants, 'a conditioner object');
}

interface AgentInput {
  name?: string;
  class: string;
  preset?: string;
  config: Record<string, unknown>;
  conditioner?: ConditionerOptions;
}

function agentSchema(cls: AgentClass): Schema<AgentInput> {
  const presets = Object.keys(cls.presets);
  return object<AgentInput>(
    {
      name: {
        schema: string({
          pattern: NAME,
          patternText: NAME_TEXT,
          description: 'Unique name in the comparison (default: the class name).',
        }),
      },
      class: { schema: constant(cls.name, cls.description), required: true },
      preset: {
        schema:
          presets.length > 0
            ? string({ enum: presets, description: 'A named partial config, applied before `config`.' })
            : {
                expected: `no preset (${cls.name} has none)`,
                check: (v, path, errors) => {
                  errors.push(`${path}: ${cls.name} has no presets, got ${JSON.stringify(v)}`);
                  return undefined;
                },
                jsonSchema: () => ({ not: {} }),
              },
      },
      config: { schema: configSchema(cls), default: {} },
      conditioner: {
        schema: {
          ...conditionerSchema(cls),
          jsonSchema: () => ({
            description: `The task conditioner: ${cls.conditioners.map((k) => JSON.stringify(k)).join(', ')} (default ${JSON.stringify(cls.conditioners[0])}).`,
            ...conditionerSchema(cls).jsonSchema(),
          }),
        },
      },
    },
    { noun: `an agent object`, description: cls.description },
  );
}

interface SplitInput {
  seen: string[];
  unseen: string[];
}

const taskList = array(string(), { minItems: 1, uniqueItems: true });

type DataInput =
  | {
      kind: 'suite';
      name?: string;
      suite: string;
      seed: number;
      transitionsPerTask?: number;
      split: 'default' | SplitInput;
    }
  | { kind: 'd4rl'; name?: string; path: string; datasetId?: string; env?: string; text?: string }
  | { kind: 'minari'; name?: string; dataset: string; env?: string; text?: string }
  | { kind: 'metaworld'; name?: string; path: string; split: 'default' | SplitInput; assetsDir?: string };

const dataName = {
  schema: string({
    pattern: NAME,
    patternText: NAME_TEXT,
    description: 'Unique name in the comparison (default: derived from the source).',
  }),
};
const promptText = {
  schema: string({
    description: "The task's text prompt for prompted agents (default: generated from the dataset id).",
  }),
};

const splitField: Field<'default' | SplitInput> = {
  schema: union<'default' | SplitInput>(
    [
      string<'default'>({ enum: ['default'] }),
      object<SplitInput>(
        { seen: { schema: taskList, required: true }, unseen: { schema: taskList, required: true } },
        { noun: 'an object { seen, unseen }' },
      ),
    ],
    "'default' for the source's own split, or lists of seen and unseen task names.",
  ),
  default: 'default',
};

const dataSchema: Schema<DataInput> = tagged<DataInput>(
  'kind',
  {
    suite: object(
      {
        kind: { schema: constant('suite', 'A built-in multi-task suite with a seen/unseen split.'), required: true },
        name: dataName,
        suite: {
          schema: string({ enum: ['pointmass-reach', 'pointmass-landmarks'], description: 'The built-in suite.' }),
          required: true,
        },
        seed: {
          schema: number({ integer: true, minimum: 0, description: "Seed of the suite's data and prompts." }),
          default: 0,
        },
        transitionsPerTask: {
          schema: number({
            integer: true,
            minimum: 1,
            description: 'Transitions per seen task (suite default 20000).',
          }),
        },
        split: splitField,
      },
      { noun: 'a suite data object' },
    ),
    d4rl: object(
      {
        kind: { schema: constant('d4rl', 'A D4RL HDF5 file (read locally, never downloaded).'), required: true },
        name: dataName,
        path: { schema: string({ description: 'Path of the .hdf5 file, relative to the spec file.' }), required: true },
        datasetId: { schema: string({ description: 'D4RL dataset id, e.g. hopper-medium-replay-v2.' }) },
        env: { schema: string({ description: 'Evaluation env id, e.g. Hopper-v4.' }) },
        text: promptText,
      },
      { noun: 'a d4rl data object' },
    ),
    minari: object(
      {
        kind: { schema: constant('minari', 'A Minari dataset folder (local).'), required: true },
        name: dataName,
        dataset: {
          schema: string({ description: 'Minari dataset id (under MINARI_DATASETS_PATH) or folder path.' }),
          required: true,
        },
        env: { schema: string({ description: 'Evaluation env id, e.g. Hopper-v5.' }) },
        text: promptText,
      },
      { noun: 'a minari data object' },
    ),
    metaworld: object(
      {
        kind: {
          schema: constant('metaworld', 'A folder of Meta-World offline data (writeMetaWorldDatasets), with a split.'),
          required: true,
        },
        name: dataName,
        path: {
          schema: string({ description: 'The folder (with metaworld.json), relative to the spec file.' }),
          required: true,
        },
        split: splitField,
        assetsDir: {
          schema: string({ description: "Meta-World's asset folder (default: the METAWORLD_ASSETS variable)." }),
        },
      },
      { noun: 'a metaworld data object' },
    ),
  },
  'a data object',
);

interface SpecInput {
  $schema?: string;
  name: string;
  description?: string;
  agents: AgentInput[];
  data: DataInput[];
  seeds: number[];
  steps: number;
  logEvery?: number;
  checkpointEvery?: number;
  evaluation: { every?: number; episodes: number; seed: number; maxEpisodeSteps?: number };
  bootstrap: BootstrapSpec;
  keepBest: boolean;
}

/** The schema of a comparison spec, for the classes registered now. */
export function comparisonSpecSchema(): Schema<SpecInput> {
  const classes = agentClassNames().map(agentClass);
  const agentVariants: Record<string, Schema<AgentInput>> = {};
  for (const cls of classes) agentVariants[cls.name] = agentSchema(cls);
  const steps = (description: string) => number({ integer: true, minimum: 1, description });
  return object<SpecInput>(
    {
      $schema: { schema: string({ description: 'The JSON Schema of this file, for editors.' }) },
      name: {
        schema: string({ pattern: NAME, patternText: NAME_TEXT, description: 'Name of the comparison.' }),
        default: 'comparison',
      },
      description: { schema: string({ description: 'Free text shown at the top of the report.' }) },
      agents: {
        schema: array(tagged<AgentInput>('class', agentVariants, 'an agent object'), {
          minItems: 1,
          description: 'The agents to compare.',
        }),
        required: true,
      },
      data: {
        schema: array(dataSchema, { minItems: 1, description: 'The data sources; every agent trains on each.' }),
        required: true,
      },
      seeds: {
        schema: array(number({ integer: true, minimum: 0 }), {
          minItems: 1,
          uniqueItems: true,
          description: 'Training seeds: one run per agent, data source and seed.',
        }),
        default: [0, 1, 2],
      },
      steps: { schema: steps('Gradient steps per run.'), required: true },
      logEvery: {
        schema: steps('Steps between metrics rows (default: min(1000, evaluation.every)).'),
      },
      checkpointEvery: {
        schema: steps(
          'Steps between resumable checkpoints, a multiple of evaluation.every (default: evaluation.every).',
        ),
      },
      evaluation: {
        schema: object(
          {
            every: {
              schema: steps('Evaluate every this many steps and after the last (default: only after the last).'),
            },
            episodes: {
              schema: number({ integer: true, minimum: 1, description: 'Episodes per task and evaluation.' }),
              default: 10,
            },
            seed: {
              schema: number({
                integer: true,
                minimum: 0,
                description: "Reset seed of evaluation episodes (plus the run's seed).",
              }),
              default: 1000,
            },
            maxEpisodeSteps: {
              schema: steps("Cut evaluation episodes after this many steps (default: the env's limit)."),
            },
          },
          { noun: 'an evaluation object' },
        ),
        default: { episodes: 10, seed: 1000 },
      },
      bootstrap: {
        schema: object<BootstrapSpec>(
          {
            reps: {
              schema: number({ integer: true, minimum: 1, description: 'Bootstrap replicates.' }),
              default: 50000,
            },
            confidence: {
              schema: number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Interval coverage.' }),
              default: 0.95,
            },
            seed: { schema: number({ integer: true, minimum: 0, description: 'Resampling seed.' }), default: 0 },
          },
          { noun: 'a bootstrap object' },
        ),
        default: { reps: 50000, confidence: 0.95, seed: 0 },
      },
      keepBest: {
        schema: boolean("Keep the checkpoint of the best evaluation (by the seen tasks' score) in each run's best/."),
        default: false,
      },
    },
    { noun: 'a comparison spec object', description: 'A comparison of offline-RL agents: agents × data × seeds.' },
  );
}

/** The JSON Schema document of comparison specs (what `assets/schema/comparison.schema.json` holds). */
export function comparisonJsonSchema(): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: COMPARISON_SCHEMA_ID,
    title: 'llmdpd comparison spec',
    ...comparisonSpecSchema().jsonSchema(),
  };
}

function defaultDataName(d: DataInput): string {
  switch (d.kind) {
    case 'suite':
      return d.suite;
    case 'd4rl':
      return d.datasetId ?? basename(d.path, extname(d.path));
    case 'minari':
      return basename(d.dataset).replace(/[^A-Za-z0-9._+-]/g, '-') || 'minari';
    case 'metaworld':
      return 'metaworld';
  }
}

const VALIDATED = new WeakSet<object>();

/** True for a spec returned by {@link parseComparisonSpec} (validated, defaults filled in). */
export function isComparisonSpec(value: unknown): value is ComparisonSpec {
  return value !== null && typeof value === 'object' && VALIDATED.has(value);
}

/** Options of {@link parseComparisonSpec}. */
export interface ParseSpecOptions {
  /** Folder that relative data paths are resolved against. @defaultValue the working directory */
  readonly baseDir?: string;
}

/**
 * Validates a comparison spec (a parsed JSON value or its text) and fills every default.
 *
 * @example
 * ```ts
 * const spec = parseComparisonSpec({
 *   agents: [{ class: 'LLMDPD', preset: 'pointmass-small' }, { class: 'DiffusionQL', preset: 'pointmass-small' }],
 *   data: [{ kind: 'suite', suite: 'pointmass-reach' }],
 *   seeds: [0, 1, 2],
 *   steps: 12000,
 *   evaluation: { every: 3000, episodes: 10 },
 * });
 * ```
 * @throws {@link ConfigError} listing every problem with its field path, e.g.
 *   `agents[1].config.eta: expected a number >= 0, got "x"`.
 */
export function parseComparisonSpec(input: unknown, options: ParseSpecOptions = {}): ComparisonSpec {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new ConfigError(`The comparison spec is not valid JSON: ${(error as Error).message}`);
    }
  }
  const raw = validate(comparisonSpecSchema(), value, 'The comparison spec');
  const errors: string[] = [];
  const baseDir = options.baseDir ?? process.cwd();

  const agents: AgentSpec[] = raw.agents.map((a, i) => {
    const cls = agentClass(a.class);
    const resolvedConfig = { ...(a.preset !== undefined ? cls.presets[a.preset] : {}), ...a.config };
    try {
      cls.checkConfig?.(resolvedConfig, a.conditioner);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      errors.push(`agents[${i}].config: ${error.message}`);
    }
    return {
      name: a.name ?? a.class,
      class: a.class,
      ...(a.preset !== undefined ? { preset: a.preset } : {}),
      config: a.config,
      resolvedConfig,
      ...(a.conditioner !== undefined ? { conditioner: a.conditioner } : {}),
    };
  });
  const firstIndex = new Map<string, number>();
  agents.forEach((a, i) => {
    const first = firstIndex.get(a.name);
    if (first !== undefined)
      errors.push(
        `agents[${i}].name: ${JSON.stringify(a.name)} is already the name of agents[${first}]; give each agent a unique "name"`,
      );
    else firstIndex.set(a.name, i);
  });

  const data: DataSpec[] = raw.data.map((d, i) => {
    const name = d.name ?? defaultDataName(d);
    switch (d.kind) {
      case 'suite':
        if (d.suite === 'pointmass-landmarks' && d.split !== 'default')
          errors.push(
            `data[${i}].split: pointmass-landmarks has a fixed split (its seen and unseen groups); leave "split" out`,
          );
        return { ...d, name };
      case 'd4rl':
        return { ...d, name, path: isAbsolute(d.path) ? d.path : resolve(baseDir, d.path) };
      case 'metaworld':
        return {
          ...d,
          name,
          path: isAbsolute(d.path) ? d.path : resolve(baseDir, d.path),
          ...(d.assetsDir !== undefined
            ? { assetsDir: isAbsolute(d.assetsDir) ? d.assetsDir : resolve(baseDir, d.assetsDir) }
            : {}),
        };
      case 'minari': {
        const looksLikePath = d.dataset.startsWith('.') || isAbsolute(d.dataset);
        return { ...d, name, dataset: looksLikePath ? resolve(baseDir, d.dataset) : d.dataset };
      }
    }
  });
  const dataIndex = new Map<string, number>();
  data.forEach((d, i) => {
    const first = dataIndex.get(d.name);
    if (first !== undefined)
      errors.push(
        `data[${i}].name: ${JSON.stringify(d.name)} is already the name of data[${first}]; give each data source a unique "name"`,
      );
    else dataIndex.set(d.name, i);
  });

  const every = raw.evaluation.every ?? raw.steps;
  if (every > raw.steps) errors.push(`evaluation.every: expected at most steps (${raw.steps}), got ${every}`);
  const logEvery = raw.logEvery ?? Math.min(1000, every);
  const checkpointEvery = raw.checkpointEvery ?? every;
  if (checkpointEvery % every !== 0)
    errors.push(
      `checkpointEvery: expected a multiple of evaluation.every (${every}; checkpoints fall after evaluations), got ${checkpointEvery}`,
    );

  if (errors.length > 0)
    throw new ConfigError(
      `The comparison spec is not valid (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n  ${errors.join('\n  ')}`,
    );
  const spec: ComparisonSpec = {
    name: raw.name,
    ...(raw.description !== undefined ? { description: raw.description } : {}),
    agents,
    data,
    seeds: raw.seeds,
    steps: raw.steps,
    logEvery,
    checkpointEvery,
    evaluation: { ...raw.evaluation, every },
    bootstrap: raw.bootstrap,
    keepBest: raw.keepBest,
  };
  VALIDATED.add(spec);
  return spec;
}

/**
 * Reads and validates a spec file; relative data paths are resolved against the file's folder.
 * @throws {@link NotFoundError} when the file does not exist; {@link ConfigError} when it is not a valid spec.
 */
export function loadComparisonSpec(path: string): ComparisonSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new NotFoundError(`Cannot read the comparison spec ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`The comparison spec ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseComparisonSpec(value, { baseDir: dirname(resolve(path)) });
}
