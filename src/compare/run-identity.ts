/**
 * How a comparison labels its run folders: the identity it stores in `params.json` (under
 * `data.comparison`), the evaluated tasks with their split (under `data.tasks`), and the score
 * each run's best evaluation is chosen by. Free of tfjs, so reports load fast.
 *
 * @module
 */

/** What a comparison records about itself in each run folder's `params.json`, under `data.comparison`. */
export interface RunIdentity {
  /** The comparison's name. */
  readonly name: string;
  /** The run's folder name. */
  readonly run: string;
  /** The run's identity hash. */
  readonly key: string;
  /** The agent's name in the comparison. */
  readonly agent: string;
  /** Its registered class. */
  readonly agentClass: string;
  /** Its preset, or null. */
  readonly preset: string | null;
  /** The data source's name. */
  readonly data: string;
}

/** A task as recorded in `params.json` (`data.tasks`): its name, split, subset and ranking metric. */
export interface RecordedTask {
  /** Task name. */
  readonly name: string;
  /** Seen (trained on) or unseen (held out). */
  readonly split: 'seen' | 'unseen';
  /** A finer group of the split (e.g. `unseen-paraphrase`), when the source has one. */
  readonly subset?: string;
  /** The metric the task is ranked by. */
  readonly metric: string;
}

/** The metric a task is ranked by: success rate, else normalised score, else return. */
export function primaryMetric(task: { readonly hasSuccess: boolean; readonly referenceScore: unknown }): string {
  return task.hasSuccess ? 'success' : task.referenceScore !== null ? 'normalized' : 'return';
}

/** The identity a comparison stores in a run folder, or null for a folder written otherwise. */
export function identityOf(data: unknown): RunIdentity | null {
  const c = (data as { comparison?: unknown } | null)?.comparison as Partial<RunIdentity> | undefined;
  return c !== undefined && typeof c.key === 'string' && typeof c.agent === 'string' ? (c as RunIdentity) : null;
}

/** Mean of the seen tasks' primary metric in an evaluation (the score the best checkpoint is chosen by). */
export function seenScore(values: Readonly<Record<string, number>>, tasks: readonly RecordedTask[]): number {
  const scores = tasks
    .filter((t) => t.split === 'seen')
    .map((t) => values[`eval/${t.name}/${t.metric}`])
    .filter((v): v is number => v !== undefined && Number.isFinite(v));
  return scores.length === 0 ? NaN : scores.reduce((a, b) => a + b, 0) / scores.length;
}
