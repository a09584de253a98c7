/**
 * Multi-task data for running the conformance suite with a task conditioner: one small random
 * buffer per task name, its text prompt the name and its trajectory prompt its first steps.
 */
import { MultiTaskDataset } from '../../src/buffers/multi-task-dataset.js';
import { randomBuffer } from './agent-conformance.js';

/** Random tasks named `names`, with `n` transitions each, drawn from seeds `seed`, `seed + 1`, …. */
export function randomTasks(
  names: readonly string[],
  observationDim: number,
  actionDim: number,
  n = 128,
  seed = 30,
): MultiTaskDataset {
  return new MultiTaskDataset(
    names.map((name, i) => {
      const buffer = randomBuffer(observationDim, actionDim, n, seed + i);
      return { name, buffer, textPrompt: name, trajectoryPrompt: buffer.trajectory({ start: 0, length: 3 }) };
    }),
  );
}
