/**
 * What is on disk for a planned run, before it is (re)started: nothing; a finished run whose
 * files are intact (skipped); an interrupted run with a usable checkpoint (resumed); or a
 * folder that cannot be trusted (partial or malformed rows, a finished status without the
 * rows to back it, another run's params), which is moved aside and run again from scratch.
 *
 * @module
 */
import { existsSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { RunPlan } from './plan.js';
import { RUN_FOLDER_FORMAT, RUN_FOLDER_VERSION, RunFolder, type RunRow } from './run-folder.js';

/** The verdict on a run folder. */
export interface RunInspection {
  /**
   * `absent`: nothing there; `completed`: finished and intact; `resumable`: interrupted with a
   * checkpoint and rows up to it; `restart`: present but unusable (see `reason`).
   */
  readonly state: 'absent' | 'completed' | 'resumable' | 'restart';
  /** Why a folder must be restarted (or what was found). */
  readonly reason: string;
  /** Steps done according to the checkpoint's status (resumable runs). */
  readonly step: number;
}

/** The steps at which a run writes a metrics row. */
export function expectedRowSteps(plan: Pick<RunPlan, 'steps' | 'logEvery'>): number[] {
  const out: number[] = [];
  for (let s = plan.logEvery; s < plan.steps; s += plan.logEvery) out.push(s);
  out.push(plan.steps);
  return out;
}

/** The steps at which a run is evaluated. */
export function expectedEvaluationSteps(plan: Pick<RunPlan, 'steps' | 'evaluation'>): number[] {
  const out: number[] = [];
  for (let s = plan.evaluation.every; s < plan.steps; s += plan.evaluation.every) out.push(s);
  out.push(plan.steps);
  return out;
}

/** Problems of `rows` against the steps expected up to `upTo` (all of them for a finished run). */
function rowProblems(name: string, rows: readonly RunRow[], expected: readonly number[], upTo: number): string[] {
  const want = expected.filter((s) => s <= upTo);
  const have = rows.filter((r) => r.step <= upTo).map((r) => r.step);
  if (have.length !== want.length || have.some((s, i) => s !== want[i]))
    return [
      `${name} has rows at steps [${have.slice(0, 8).join(', ')}${have.length > 8 ? ', ...' : ''}] where [${want.slice(0, 8).join(', ')}${want.length > 8 ? ', ...' : ''}] were expected`,
    ];
  const keys = rows.length > 0 ? Object.keys(rows[0]).sort().join(',') : '';
  if (name === 'evaluations.jsonl' && rows.some((r) => Object.keys(r).sort().join(',') !== keys))
    return [`${name} rows do not all measure the same tasks`];
  return [];
}

/** Inspects the folder of `plan` at `dir`. */
export function inspectRun(plan: RunPlan, dir: string): RunInspection {
  if (!existsSync(dir) || readdirSync(dir).length === 0) return { state: 'absent', reason: 'no folder', step: 0 };
  const folder = new RunFolder(dir);
  const params = folder.readParams();
  if (params === null) return { state: 'restart', reason: 'params.json is missing or not JSON', step: 0 };
  if (params.format !== RUN_FOLDER_FORMAT || params.version !== RUN_FOLDER_VERSION)
    return {
      state: 'restart',
      reason: `params.json is not a ${RUN_FOLDER_FORMAT} v${RUN_FOLDER_VERSION} file`,
      step: 0,
    };
  const comparison = params.comparison as { key?: unknown } | undefined;
  if (comparison?.key !== plan.key)
    return { state: 'restart', reason: 'the folder holds a different run (its params differ from the spec)', step: 0 };
  const status = folder.readStatus();
  if (status === null) return { state: 'restart', reason: 'status.json is missing or not JSON', step: 0 };
  const metrics = folder.readRows('metrics');
  const evaluations = folder.readRows('evaluations');
  const hasCheckpoint = existsSync(join(folder.checkpointDir)) && readdirSync(folder.checkpointDir).length > 0;
  if (status.state === 'completed') {
    const problems = [
      ...(status.step !== plan.steps || status.targetSteps !== plan.steps
        ? [`status.json says step ${status.step} of ${status.targetSteps}, the spec asks for ${plan.steps}`]
        : []),
      ...metrics.problems,
      ...evaluations.problems,
      ...rowProblems('metrics.jsonl', metrics.rows, expectedRowSteps(plan), Infinity),
      ...rowProblems('evaluations.jsonl', evaluations.rows, expectedEvaluationSteps(plan), Infinity),
      ...(hasCheckpoint ? [] : ['checkpoint/ is missing']),
    ];
    return problems.length === 0
      ? { state: 'completed', reason: 'finished and intact', step: plan.steps }
      : { state: 'restart', reason: `marked completed but ${problems.join('; ')}`, step: 0 };
  }
  if (!hasCheckpoint) return { state: 'restart', reason: `${status.state} before its first checkpoint`, step: 0 };
  // Rows after the checkpoint are redone on resume; rows up to it must all be there.
  const problems = [
    ...rowProblems('metrics.jsonl', metrics.rows, expectedRowSteps(plan), status.step),
    ...rowProblems('evaluations.jsonl', evaluations.rows, expectedEvaluationSteps(plan), status.step),
  ];
  return problems.length === 0
    ? { state: 'resumable', reason: `${status.state} at step ${status.step}`, step: status.step }
    : { state: 'restart', reason: `${status.state}, but ${problems.join('; ')}`, step: 0 };
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
