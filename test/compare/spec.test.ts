import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BC_DEFAULTS,
  DIFFUSION_QL_DEFAULTS,
  LLMDPD_DEFAULTS,
  PROMPTS_CONDITIONER_DEFAULTS,
  resolveBCConfig,
  resolveConditionerConfig,
  resolveDiffusionQLConfig,
  resolveLLMDPDConfig,
} from '../../src/agents/index.js';
import { agentClass, CONDITIONER_RULES } from '../../src/compare/agent-registry.js';
import { planRuns } from '../../src/compare/plan.js';
import { comparisonJsonSchema, loadComparisonSpec, parseComparisonSpec } from '../../src/compare/spec.js';
import { ConfigError, NotFoundError } from '../../src/core/errors.js';
import { REPO_ROOT } from '../support/architecture.js';

const SCHEMA_FILE = join(REPO_ROOT, 'assets', 'schema', 'comparison.schema.json');

const minimal = () => ({
  agents: [{ class: 'LLMDPD' }, { class: 'DiffusionQL', name: 'DQL' }],
  data: [{ kind: 'suite', suite: 'pointmass-reach' }],
  steps: 1000,
});

function problems(input: unknown): string[] {
  try {
    parseComparisonSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as Error).message.split('\n');
    return lines.length === 1 ? lines : lines.slice(1).map((l) => l.trim());
  }
  return [];
}

describe('comparison spec validation', () => {
  test('fills every default', () => {
    const spec = parseComparisonSpec(minimal());
    expect(spec.name).toBe('comparison');
    expect(spec.seeds).toEqual([0, 1, 2]);
    expect(spec.evaluation).toEqual({ every: 1000, episodes: 10, seed: 1000 });
    expect(spec.logEvery).toBe(1000);
    expect(spec.checkpointEvery).toBe(1000);
    expect(spec.bootstrap).toEqual({ reps: 50000, confidence: 0.95, seed: 0 });
    expect(spec.keepBest).toBe(false);
    expect(spec.agents.map((a) => a.name)).toEqual(['LLMDPD', 'DQL']);
    expect(spec.data[0]).toEqual({
      kind: 'suite',
      name: 'pointmass-reach',
      suite: 'pointmass-reach',
      seed: 0,
      split: 'default',
    });
  });

  test('logEvery defaults to min(1000, evaluation.every)', () => {
    expect(parseComparisonSpec({ ...minimal(), steps: 9000, evaluation: { every: 4500 } }).logEvery).toBe(1000);
    expect(parseComparisonSpec({ ...minimal(), steps: 300, evaluation: { every: 150 } }).logEvery).toBe(150);
  });

  test('reports every problem with its field path', () => {
    const input = {
      agents: [
        { class: 'LLMDPD', config: { trajectoryLayers: 0 } },
        { class: 'DiffusionQL', config: { eta: 'x', seed: 3, hiddenDim: [3] } },
        { class: 'PPO' },
        { class: 'LLMDPD', preset: 'huge' },
      ],
      data: [{ kind: 'suite', suite: 'pointmass-reach', split: 'mine' }, { kind: 'd4rl' }, { kind: 'hdf5' }],
      seeds: [0, 0],
      steps: 0,
      evaluation: { episodes: 1.5 },
      extra: true,
    };
    const expected = [
      'agents[0].config.trajectoryLayers: expected an integer >= 1, got 0',
      'agents[1].config.eta: expected a number >= 0, got "x"',
      "agents[1].config.seed: each run's seed comes from the spec's `seeds` list; leave it out",
      expect.stringMatching(/^agents\[1\]\.config\.hiddenDim: unknown field \(did you mean "hiddenDims"/),
      'agents[2].class: expected one of "DiffusionQL", "LLMDPD", "BC", "CQL", "SACN", "IQL", "TD3BC", got "PPO"',
      // The class's own presets, then Diffusion-QL's D4RL table (assets/presets/diffusion-ql.json).
      expect.stringMatching(
        /^agents\[3\]\.preset: expected one of "pointmass-small", "tiny", "halfcheetah-medium-v2", .*"hopper-medium-replay-v2", .* got "huge"$/,
      ),
      'data[0].split: expected one of "default" or an object { seen, unseen }, got "mine"',
      'data[1].path: required (a non-empty string)',
      'data[2].kind: expected one of "suite", "d4rl", "minari", "metaworld", got "hdf5"',
      'seeds[1]: 0 repeats seeds[0]; items must differ',
      'steps: expected an integer >= 1, got 0',
      'evaluation.episodes: expected an integer >= 1, got 1.5',
      expect.stringMatching(/^extra: unknown field; known fields: \$schema, name, description, agents/),
    ];
    const found = problems(input);
    expect(found).toEqual(expect.arrayContaining(expected));
    expect(found).toHaveLength(expected.length);
  });

  test('the example of the docs: a number where a string was given', () => {
    const input = minimal();
    (input.agents[1] as Record<string, unknown>).config = { eta: 'x' };
    expect(problems(input)).toEqual(['agents[1].config.eta: expected a number >= 0, got "x"']);
  });

  test('cross-field rules: agent configs, unique names, schedule divisibility', () => {
    expect(
      problems({ ...minimal(), agents: [{ class: 'LLMDPD', config: { trajectoryWidth: 32, trajectoryHeads: 3 } }] }),
    ).toEqual([
      expect.stringMatching(
        /^agents\[0\]\.config: conditioner\.trajectoryHeads \(3\) must divide trajectoryWidth \(32\)/,
      ),
    ]);
    expect(problems({ ...minimal(), agents: [{ class: 'LLMDPD' }, { class: 'LLMDPD' }] })).toEqual([
      'agents[1].name: "LLMDPD" is already the name of agents[0]; give each agent a unique "name"',
    ]);
    expect(
      problems({
        ...minimal(),
        data: [
          { kind: 'suite', suite: 'pointmass-reach' },
          { kind: 'suite', suite: 'pointmass-reach', seed: 1 },
        ],
      }),
    ).toEqual([
      'data[1].name: "pointmass-reach" is already the name of data[0]; give each data source a unique "name"',
    ]);
    expect(problems({ ...minimal(), checkpointEvery: 500, evaluation: { every: 200 } })).toEqual([
      'checkpointEvery: expected a multiple of evaluation.every (200; checkpoints fall after evaluations), got 500',
    ]);
    expect(
      problems({
        ...minimal(),
        data: [{ kind: 'suite', suite: 'pointmass-landmarks', split: { seen: ['a'], unseen: ['b'] } }],
      }),
    ).toEqual(['data[0].split: pointmass-landmarks has a fixed split (its seen and unseen groups); leave "split" out']);
    expect(problems({ ...minimal(), evaluation: { every: 2000 } })).toEqual([
      'evaluation.every: expected at most steps (1000), got 2000',
    ]);
  });

  test('presets merge under the config; data paths resolve against the spec file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmdpd-spec-'));
    const path = join(dir, 'compare.json');
    writeFileSync(
      path,
      JSON.stringify({
        agents: [{ class: 'DiffusionQL', preset: 'tiny', config: { batchSize: 8 } }],
        data: [{ kind: 'd4rl', path: 'data/hopper_medium-v2.hdf5' }],
        steps: 10,
      }),
    );
    const spec = loadComparisonSpec(path);
    expect(spec.agents[0].resolvedConfig).toMatchObject({ batchSize: 8, hiddenDims: [16, 16], diffusionSteps: 2 });
    expect(spec.agents[0].config).toEqual({ batchSize: 8 });
    expect(spec.data[0]).toMatchObject({
      kind: 'd4rl',
      name: 'hopper_medium-v2',
      path: join(dir, 'data/hopper_medium-v2.hdf5'),
    });
    expect(() => loadComparisonSpec(join(dir, 'missing.json'))).toThrow(NotFoundError);
    // Diffusion-QL's D4RL table by dataset id (assets/presets/diffusion-ql.json: hopper-medium-v2
    // has eta 1, grad norm 9, max-Q backup off), under the spec's own fields.
    const table = parseComparisonSpec({
      ...minimal(),
      agents: [{ class: 'DiffusionQL', preset: 'hopper-medium-v2', config: { eta: 2 } }],
    });
    expect(table.agents[0].resolvedConfig).toMatchObject({ eta: 2, gradientClipNorm: 9, maxQBackup: false });
    writeFileSync(path, '{ "agents": [');
    expect(() => loadComparisonSpec(path)).toThrow(/not valid JSON/);
  });

  test('runs: one per agent, data source and seed, with stable identity hashes', () => {
    const spec = parseComparisonSpec({ ...minimal(), seeds: [3, 4] });
    const runs = planRuns(spec);
    expect(runs.map((r) => r.id)).toEqual([
      'LLMDPD__pointmass-reach__s3',
      'DQL__pointmass-reach__s3',
      'LLMDPD__pointmass-reach__s4',
      'DQL__pointmass-reach__s4',
    ]);
    expect(new Set(runs.map((r) => r.key)).size).toBe(4);
    // The key depends on what defines the run, not on key order or unrelated fields.
    const again = planRuns(
      parseComparisonSpec({
        steps: 1000,
        seeds: [3, 4],
        data: minimal().data,
        agents: minimal().agents,
        name: 'other',
      }),
    );
    expect(again.map((r) => r.key)).toEqual(runs.map((r) => r.key));
    const longer = planRuns(parseComparisonSpec({ ...minimal(), seeds: [3, 4], steps: 2000 }));
    expect(longer.map((r) => r.key)).not.toContain(runs[0].key);
  });

  test("the classes' and conditioners' rules here are the agents' own (every field, every rule enforced)", () => {
    const bad: Record<string, unknown> = {
      positiveInt: 0,
      unit: 1.5,
      boolean: 'yes',
      dims: [],
      nonNegative: -1,
      positive: 0,
      nonNegativeInt: -1,
      evenPositiveInt: 3,
      int: 0.5,
    };
    const badValue = (field: string, rule: unknown) =>
      Array.isArray(rule)
        ? 'nope'
        : typeof rule === 'object'
          ? field === 'trajectoryDropout'
            ? 1
            : 'nope'
          : bad[rule as string];
    const fieldsOf = (o: object) =>
      Object.keys(o)
        .filter((k) => k !== 'seed' && k !== 'conditioner')
        .sort();
    expect(Object.keys(agentClass('DiffusionQL').configRules).sort()).toEqual(fieldsOf(DIFFUSION_QL_DEFAULTS));
    expect(Object.keys(agentClass('BC').configRules).sort()).toEqual(fieldsOf(BC_DEFAULTS));
    expect(Object.keys(agentClass('LLMDPD').configRules).sort()).toEqual(
      [...fieldsOf(LLMDPD_DEFAULTS), ...Object.keys(PROMPTS_CONDITIONER_DEFAULTS)].sort(),
    );
    const resolvers: Record<string, (o: Record<string, unknown>) => unknown> = {
      DiffusionQL: (o) => resolveDiffusionQLConfig({ observationDim: 1, actionDim: 1, ...o }, 8),
      LLMDPD: (o) => resolveLLMDPDConfig({ observationDim: 1, actionDim: 1, ...o }, 8),
      BC: (o) => resolveBCConfig({ observationDim: 1, actionDim: 1, ...o }, 8),
    };
    for (const name of ['DiffusionQL', 'LLMDPD', 'BC'])
      for (const [field, rule] of Object.entries(agentClass(name).configRules)) {
        const value = badValue(field, rule);
        expect(() => resolvers[name]({ [field]: value })).toThrow(ConfigError);
        expect(problems({ ...minimal(), agents: [{ class: name, config: { [field]: value } }] })).toHaveLength(1);
      }
    const fullConditioner: Record<string, Record<string, unknown>> = {
      none: { kind: 'none' },
      'task-id': { kind: 'task-id', tasks: ['a'] },
      features: { kind: 'features', dim: 2 },
      prompts: { kind: 'prompts', textEmbeddingDim: 8 },
    };
    for (const [kind, rules] of Object.entries(CONDITIONER_RULES))
      for (const [field, rule] of Object.entries(rules)) {
        const value = badValue(field, rule);
        expect(() => resolveConditionerConfig({ ...fullConditioner[kind], [field]: value } as never, 8)).toThrow(
          ConfigError,
        );
        expect(
          problems({ ...minimal(), agents: [{ class: 'DiffusionQL', conditioner: { kind, [field]: value } }] }),
        ).toHaveLength(1);
      }
  });

  test('conditioners: kinds per class, fields filled by the run refused, defaults', () => {
    const spec = parseComparisonSpec({
      ...minimal(),
      agents: [
        { class: 'DiffusionQL', name: 'DQL-id', conditioner: { kind: 'task-id', embeddingDim: 8 } },
        { class: 'BC', conditioner: { kind: 'features', paramKeys: ['goalX', 'goalY'] } },
      ],
    });
    expect(spec.agents.map((a) => a.conditioner)).toEqual([
      { kind: 'task-id', embeddingDim: 8 },
      { kind: 'features', paramKeys: ['goalX', 'goalY'] },
    ]);
    expect(
      problems({
        ...minimal(),
        agents: [
          { class: 'LLMDPD', conditioner: { kind: 'task-id' } },
          { class: 'DiffusionQL', name: 'a', conditioner: { kind: 'task-id', tasks: ['x'] } },
          { class: 'DiffusionQL', name: 'b', conditioner: { kind: 'prompts', textEmbeddingDim: 3 } },
          { class: 'BC', conditioner: { kind: 'features', table: { x: [1, 'y'] } } },
        ],
      }),
    ).toEqual([
      'agents[0].conditioner.kind: expected one of "prompts", got "task-id"',
      "agents[1].conditioner.tasks: the seen tasks come from the run's data source; leave it out",
      "agents[2].conditioner.textEmbeddingDim: set by the text encoder's width; leave it out",
      'agents[3].conditioner.table["x"][1]: expected a number, got "y"',
    ]);
  });
});

// ── The published JSON Schema ──────────────────────────────────────────────────────────────

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON Schema check of the keywords the generated schema uses (draft 2020-12 semantics). */
function conforms(schema: Record<string, Json>, value: Json): boolean {
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) return false;
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) return false;
  if (schema.not !== undefined && conforms(schema.not as Record<string, Json>, value)) return false;
  if (
    Array.isArray(schema.oneOf) &&
    schema.oneOf.filter((s) => conforms(s as Record<string, Json>, value)).length !== 1
  )
    return false;
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((s) => conforms(s as Record<string, Json>, value)))
    return false;
  const type = schema.type;
  if (type === 'object') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const props = (schema.properties ?? {}) as Record<string, Record<string, Json>>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in value)) return false;
    for (const [k, v] of Object.entries(value)) {
      if (k in props) {
        if (!conforms(props[k], v)) return false;
      } else if (schema.additionalProperties === false) return false;
    }
  } else if (type === 'array') {
    if (!Array.isArray(value)) return false;
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) return false;
    if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) return false;
    if (!value.every((v) => conforms(schema.items as Record<string, Json>, v))) return false;
  } else if (type === 'string') {
    if (typeof value !== 'string') return false;
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) return false;
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) return false;
  } else if (type === 'number' || type === 'integer') {
    if (typeof value !== 'number' || (type === 'integer' && !Number.isInteger(value))) return false;
    if (typeof schema.minimum === 'number' && value < schema.minimum) return false;
    if (typeof schema.maximum === 'number' && value > schema.maximum) return false;
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) return false;
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) return false;
    if (typeof schema.multipleOf === 'number' && value % schema.multipleOf !== 0) return false;
  } else if (type === 'boolean' && typeof value !== 'boolean') return false;
  return true;
}

describe('the published JSON Schema', () => {
  test('assets/schema/comparison.schema.json is the schema the validator is built from', () => {
    const generated = `${JSON.stringify(comparisonJsonSchema(), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMA === '1') writeFileSync(SCHEMA_FILE, generated);
    expect(existsSync(SCHEMA_FILE)).toBe(true);
    // On a mismatch: UPDATE_SCHEMA=1 npm run test:jest -- test/compare/spec.test.ts
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(generated);
  });

  test('the schema and the validator accept and refuse the same specs', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, Json>;
    const base = minimal() as unknown as Record<string, Json>;
    const cases: Json[] = [
      base,
      { ...base, $schema: './node_modules/llmdpd/assets/schema/comparison.schema.json', name: 'a.b-c' },
      { ...base, agents: [{ class: 'LLMDPD', preset: 'pointmass-small', config: { eta: 2.5, hiddenDims: [8, 8] } }] },
      { ...base, agents: [{ class: 'LLMDPD', config: { eta: -1 } }] },
      { ...base, agents: [{ class: 'LLMDPD', config: { timeEmbeddingDim: 7 } }] },
      { ...base, agents: [{ class: 'LLMDPD', config: { betaSchedule: 'cosine' } }] },
      { ...base, agents: [{ class: 'LLMDPD', config: { betaSchedule: 'sigmoid' } }] },
      { ...base, agents: [{ class: 'LLMDPD', config: { observationDim: 4 } }] },
      { ...base, agents: [{ class: 'DiffusionQL', config: { useTextPrompt: false } }] },
      { ...base, agents: [] },
      { ...base, agents: [{ name: 'bad name', class: 'LLMDPD' }] },
      { ...base, data: [{ kind: 'suite', suite: 'pointmass-reach', split: { seen: ['a'], unseen: ['b'] } }] },
      { ...base, data: [{ kind: 'suite', suite: 'pointmass-reach', split: { seen: [], unseen: ['b'] } }] },
      { ...base, data: [{ kind: 'suite', suite: 'other-suite' }] },
      { ...base, data: [{ kind: 'd4rl', path: 'x.hdf5', datasetId: 'hopper-medium-v2', env: 'Hopper-v4' }] },
      { ...base, data: [{ kind: 'minari', dataset: 'mujoco/hopper/medium-v0', env: 'Hopper-v5', text: 'hop' }] },
      { ...base, data: [{ kind: 'minari' }] },
      { ...base, data: [{ kind: 'metaworld', path: 'mw', split: { seen: ['hand-insert'], unseen: ['box-close'] } }] },
      { ...base, data: [{ kind: 'metaworld', path: 'mw', assetsDir: 7 }] },
      { ...base, seeds: [0, 1, 1] },
      { ...base, seeds: [-1] },
      { ...base, steps: 2.5 },
      { ...base, evaluation: { every: 500, episodes: 5, seed: 0, maxEpisodeSteps: 100 } },
      { ...base, evaluation: { every: 500, repeat: 2 } },
      { ...base, bootstrap: { reps: 1000, confidence: 0.9, seed: 1 } },
      { ...base, bootstrap: { confidence: 1 } },
      { ...base, keepBest: true },
      { ...base, keepBest: 'yes' },
      { ...base, colour: 'blue' },
      42,
      [base],
    ];
    for (const c of cases) {
      const accepted = problems(c).length === 0;
      expect({ spec: c, accepted: conforms(schema, c) }).toEqual({ spec: c, accepted });
    }
    // Both verdicts occur, so the comparison means something.
    const verdicts = cases.map((c) => problems(c).length === 0);
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(5);
    expect(verdicts.filter((v) => !v).length).toBeGreaterThan(5);
  });
});
