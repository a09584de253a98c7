/**
 * {@link runUpdate}: the update skeleton of `docs/algorithms/README.md` ("How an agent is built
 * here") as a function, so that an agent's `update` holds only its gradient steps: group the batch
 * by task, stage it as tensors inside one `tf.tidy`, run the agent's steps, read the metrics on
 * logging steps, move the target networks, count the step.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../../core/types.js';
import type { Metrics } from '../agent.js';
import type { TaskSelection } from '../conditioning/task-conditioning.js';
import type { AgentScaffold } from './agent-scaffold.js';
import { type BatchTensors, stageBatch } from './batch-tensors.js';
import { LoggedScalars } from './metrics.js';

/** What the body of an update receives: the staged batch, its tasks, the metric keeper and the step. */
export interface UpdateInputs extends BatchTensors {
  /** The batch's tasks (for the conditioner's rows). */
  readonly tasks: TaskSelection;
  /** Keeps scalars for the metrics from inside gradient closures. */
  readonly logged: LoggedScalars;
  /** Gradient steps done before this one (0-based index of this update). */
  readonly step: number;
}

/** The scalars an update logs, by metric name; an absent key is not logged this step. */
export type LoggedValues = Readonly<Partial<Record<string, tf.Scalar>>>;

/** An update's algorithm: its gradient steps; returns the scalars to log (read on logging steps only). */
export type UpdateBody = (inputs: UpdateInputs) => LoggedValues;

/**
 * Runs one update of the agent that owns `scaffold`: groups the batch by task (throws when its
 * tasks are not bound), stages it through the scaffold's scalers inside one `tf.tidy`,
 * runs `body`, reads the metrics when `readMetrics` is true, then moves the target networks and
 * counts the step.
 * @returns the metrics on logging steps, else null.
 * @throws {@link ShapeError} on wrong batch widths; {@link ConfigError} on unbound tasks.
 */
export function runUpdate(
  scaffold: AgentScaffold,
  batch: Batch,
  readMetrics: boolean,
  body: UpdateBody,
): Metrics | null {
  const { conditioning, dims, targets } = scaffold.options;
  const tasks = conditioning.select(batch);
  const logged = new LoggedScalars(readMetrics);
  let metrics: Metrics | null = null;
  try {
    tf.tidy(() => {
      const staged = stageBatch(batch, dims, scaffold.scalers);
      const values = body({ ...staged, tasks, logged, step: scaffold.step });
      const present = Object.entries(values).filter((entry): entry is [string, tf.Scalar] => entry[1] !== undefined);
      metrics = logged.read(Object.fromEntries(present));
    });
  } finally {
    logged.dispose();
  }
  targets.update(scaffold.step);
  scaffold.step += 1;
  return metrics;
}
