/**
 * What is on disk for a planned run, before it is (re)started: nothing; a finished run whose
 * files are intact (skipped); an interrupted run with a usable checkpoint (resumed); or a
 * folder that cannot be trusted (damaged or cut-off rows, a finished status without the rows
 * to back it, another run's params), which is moved aside and run again from scratch.
 *
 * @module
 */
import { existsSync, readdirSync, renameSync } from 'node:fs';
import type { LogRow } from '../core/run/format.js';
import { readRunFolder } from '../core/run/reader.js';
import type { RunPlan } from './plan.js';

/** The verdict on a run folder. */
export interface RunInspection {
  /**
   * `absent`: nothing there; `completed`: finished and intact; `resumable`: interrupted with a
   * checkpoint and rows up to it; `restart`: present but unusable (see `reason`).
   */
  readonly state: 'absent' | 'completed' | 'resumable' | 'restart';
  /** Why a folder must be restarted (or what was found). */
  readonly reason: string;
  /** The step a resumable run continues from (its checkpoint's). */
  readonly step: number;
}

/**
 * The steps at which a run writes a metrics row: every `logEvery` steps, at the end of every
 * epoch (`evaluation.every` steps) and at the last step.
 */
export function expectedRowSteps(plan: Pick<RunPlan, 'steps' | 'logEvery' | 'evaluation'>): number[] {
  const out: number[] = [];
  for (let s = 1; s <= plan.steps; s++)
    if (s % plan.logEvery === 0 || s % plan.evaluation.every === 0 || s === plan.steps) out.push(s);
  return out;
}

/** The steps at which a run is evaluated: every `evaluation.every` steps and at the last step. */
export function expectedEvaluationSteps(plan: Pick<RunPlan, 'steps' | 'evaluation'>): number[] {
  const out: number[] = [];
  for (let s = plan.evaluation.every; s < plan.steps; s += plan.evaluation.every) out.push(s);
  out.push(plan.steps);
  return out;
}

function shortList(steps: readonly number[]): string {
  return `[${steps.slice(0, 6).join(', ')}${steps.length > 6 ? `, ... ${steps.at(-1)}` : ''}]`;
}

/** Problems of `rows` against the steps expected up to `upTo`. */
function rowProblems(name: string, rows: readonly LogRow[], expected: readonly number[], upTo: number): string[] {
  const want = expected.filter((s) => s <= upTo);
  const have = rows.filter((r) => r.step <= upTo).map((r) => r.step);
  if (have.length !== want.length || have.some((s, i) => s !== want[i]))
    return [`${name} has rows at steps ${shortList(have)} where ${shortList(want)} were expected`];
  if (name === 'evaluations.jsonl') {
    const keys = (r: LogRow) => Object.keys(r.values).sort().join(',');
    if (rows.some((r) => keys(r) !== keys(rows[0]))) return [`${name} rows do not all measure the same tasks`];
  }
  return [];
}

/** Inspects the folder of `plan` at `dir`. */
export function inspectRun(plan: RunPlan, dir: string): RunInspection {
  if (!existsSync(dir) || readdirSync(dir).length === 0) return { state: 'absent', reason: 'no folder', step: 0 };
  let run: ReturnType<typeof readRunFolder>;
  try {
    run = readRunFolder(dir);
  } catch (error) {
    return { state: 'restart', reason: (error as Error).message, step: 0 };
  }
  const identity = (run.params.data as { comparison?: { key?: unknown } }).comparison;
  if (identity?.key !== plan.key)
    return { state: 'restart', reason: 'the folder holds a different run (its params differ from the spec)', step: 0 };
  if (run.status === null) return { state: 'restart', reason: 'status.json is missing', step: 0 };
  const cutOff = run.warnings.filter((w) => /cut off/.test(w));
  if (run.state === 'completed') {
    const problems = [
      ...(run.status.step !== plan.steps || run.status.targetSteps !== plan.steps
        ? [`status.json says step ${run.status.step} of ${run.status.targetSteps}, the spec asks for ${plan.steps}`]
        : []),
      ...cutOff,
      ...rowProblems('metrics.jsonl', run.metrics, expectedRowSteps(plan), Infinity),
      ...rowProblems('evaluations.jsonl', run.evaluations, expectedEvaluationSteps(plan), Infinity),
      ...(run.hasCheckpoint ? [] : ['checkpoint/ is missing']),
    ];
    return problems.length === 0
      ? { state: 'completed', reason: 'finished and intact', step: plan.steps }
      : { state: 'restart', reason: `marked completed but ${problems.join('; ')}`, step: 0 };
  }
  const at = run.status.checkpointStep;
  if (!run.hasCheckpoint || at === null)
    return { state: 'restart', reason: `${run.state} before its first checkpoint`, step: 0 };
  // Rows after the checkpoint are replayed on resume; rows up to it must all be there.
  const problems = [
    ...rowProblems('metrics.jsonl', run.metrics, expectedRowSteps(plan), at),
    ...rowProblems('evaluations.jsonl', run.evaluations, expectedEvaluationSteps(plan), at),
  ];
  return problems.length === 0
    ? { state: 'resumable', reason: `${run.state} with a checkpoint at step ${at}`, step: at }
    : { state: 'restart', reason: `${run.state}, but ${problems.join('; ')}`, step: 0 };
}

/**
 * Moves an unusable run folder aside (`<dir>.<label>-<time>`), so nothing on disk is lost,
 * and returns the new path.
 */
export function moveAside(dir: string, label: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let target = `${dir}.${label}-${stamp}`;
  for (let i = 1; existsSync(target); i++) target = `${dir}.${label}-${stamp}-${i}`;
  renameSync(dir, target);
  return target;
}
