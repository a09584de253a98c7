/**
 * The `task-id` conditioner: c is a learned embedding row per seen task, as multi-task agents
 * without task descriptions do (e.g. MT-SAC's one-hot task id, here through a trained table).
 * It cannot condition on a task it has not seen: acting in one is an {@link UnseenTaskError}.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/rng.js';
import { reserveWeights } from '../../nets/weight-budget.js';
import { type TaskIdConditionerConfig, UnseenTaskError } from './config.js';
import type { TaskContext } from '../agent.js';
import type { ConditionerImplementation, ConditionNetwork, TrainingTask } from './kind.js';

let uniqueId = 0;

/** The embedding table; rows are looked up as a product with one-hot rows (so the gradient is a product too). */
class TaskEmbedding implements ConditionNetwork<number> {
  readonly table: tf.Variable<tf.Rank.R2>;

  constructor(
    private readonly config: TaskIdConditionerConfig,
    rng: Rng,
    name: string,
    trainable: boolean,
  ) {
    // nn.Embedding's initialisation: N(0, 1).
    reserveWeights(
      config.tasks.length * config.embeddingDim,
      `${name}/table (${config.tasks.length} x ${config.embeddingDim})`,
    );
    const values = rng.fillNormal(new Float32Array(config.tasks.length * config.embeddingDim));
    this.table = tf.tidy(() =>
      tf.variable(
        tf.tensor2d(values, [config.tasks.length, config.embeddingDim]),
        trainable,
        `${name}_${uniqueId++}/table`,
      ),
    );
  }

  apply(inputs: readonly number[]): tf.Tensor2D {
    const n = this.config.tasks.length;
    const oneHot = new Float32Array(inputs.length * n);
    inputs.forEach((row, i) => (oneHot[i * n + row] = 1));
    return tf.tidy(() => tf.matMul(tf.tensor2d(oneHot, [inputs.length, n]), this.table));
  }

  randomState(): null {
    return null;
  }

  setRandomState(): void {}

  trainableVariables(): tf.Variable[] {
    return [this.table];
  }

  dispose(): void {
    this.table.dispose();
  }
}

/** Builds the `task-id` kind for a resolved config. */
export function taskIdConditioner(config: TaskIdConditionerConfig): ConditionerImplementation<number> {
  const rowOf = (name: string | undefined, what: string): number => {
    const row = name === undefined ? -1 : config.tasks.indexOf(name);
    if (row < 0) {
      const known = config.tasks.join(', ');
      throw new UnseenTaskError(
        name === undefined
          ? `${what}: a task-id conditioner needs the task's name; pass context.task (one of ${known}).`
          : `${what}: task ${JSON.stringify(name)} was not seen in training (seen: ${known}). A task-id conditioner can only act in seen tasks; for unseen ones use a conditioner that reads what describes them ('prompts' or 'features').`,
      );
    }
    return row;
  };
  return {
    width: config.embeddingDim,
    prepareTask: (task: TrainingTask) =>
      Promise.resolve([rowOf(task.name, `task-id conditioner (training task ${task.index})`)]),
    ready: () => Promise.resolve(),
    prepareContext: (context: TaskContext, what: string) => rowOf(context.task, what),
    createNetwork: (rng, name, trainable) => new TaskEmbedding(config, rng, name, trainable),
    getState: () => null,
    setState: () => {},
  };
}
