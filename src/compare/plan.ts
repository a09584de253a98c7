/**
 * Expands a comparison spec into its runs: one per (agent, data source, seed), each a plain
 * JSON object that a worker thread or a queue worker on another machine can execute alone.
 * A run's `key` hashes everything that defines it, so a changed spec never mistakes an old
 * folder (or queue job) for the new run.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { AgentSpec, ComparisonSpec, DataSpec, EvaluationSpec } from './spec.js';

/** One run of a comparison. */
export interface RunPlan {
  /** Folder name: `<agent>__<data>__s<seed>`. */
  readonly id: string;
  /** Hash (hex, 20 characters) of everything that defines the run. */
  readonly key: string;
  /** The comparison's name. */
  readonly comparison: string;
  /** The agent. */
  readonly agent: AgentSpec;
  /** The data source. */
  readonly data: DataSpec;
  /** The seed. */
  readonly seed: number;
  /** Gradient steps. */
  readonly steps: number;
  /** Steps per metrics row. */
  readonly logEvery: number;
  /** Steps between checkpoints. */
  readonly checkpointEvery: number;
  /** Evaluation schedule. */
  readonly evaluation: EvaluationSpec;
  /** Keep the best checkpoint. */
  readonly keepBest: boolean;
}

/** JSON with object keys sorted, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** The identity hash of a run. */
export function runKey(plan: Omit<RunPlan, 'key' | 'id' | 'comparison'>): string {
  const identity = {
    agent: { name: plan.agent.name, class: plan.agent.class, config: plan.agent.resolvedConfig },
    data: plan.data,
    seed: plan.seed,
    steps: plan.steps,
    logEvery: plan.logEvery,
    checkpointEvery: plan.checkpointEvery,
    evaluation: plan.evaluation,
    keepBest: plan.keepBest,
  };
  return createHash('sha256').update(canonicalJson(identity)).digest('hex').slice(0, 20);
}

/**
 * The runs of a spec, ordered data source by data source, seed by seed, with the agents
 * interleaved (so partial results compare agents early).
 */
export function planRuns(spec: ComparisonSpec): RunPlan[] {
  const runs: RunPlan[] = [];
  for (const data of spec.data)
    for (const seed of spec.seeds)
      for (const agent of spec.agents) {
        const body = {
          agent,
          data,
          seed,
          steps: spec.steps,
          logEvery: spec.logEvery,
          checkpointEvery: spec.checkpointEvery,
          evaluation: spec.evaluation,
          keepBest: spec.keepBest,
        };
        runs.push({ id: `${agent.name}__${data.name}__s${seed}`, key: runKey(body), comparison: spec.name, ...body });
      }
  return runs;
}
