/**
 * The `features` conditioner: c is a vector the user knows for each task (the true goal, the
 * env parameters), given as it is. Nothing is learned in it (the actor's first layer projects
 * it), so it measures how well an agent does when it is told exactly what the task is: an
 * upper bound for conditioners that must infer the task from prompts.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../../core/errors.js';
import { checkFinite } from '../common/policy-inputs.js';
import type { FeaturesConditionerConfig } from './config.js';
import type { TaskContext } from '../agent.js';
import type { ConditionerImplementation, ConditionNetwork, TrainingTask } from './kind.js';

/** Uploads the vectors; no variables. */
class FeatureRows implements ConditionNetwork<Float32Array> {
  constructor(private readonly dim: number) {}

  apply(inputs: readonly Float32Array[]): tf.Tensor2D {
    const rows = new Float32Array(inputs.length * this.dim);
    inputs.forEach((v, i) => rows.set(v, i * this.dim));
    return tf.tensor2d(rows, [inputs.length, this.dim]);
  }

  randomState(): null {
    return null;
  }

  setRandomState(): void {}

  trainableVariables(): tf.Variable[] {
    return [];
  }

  dispose(): void {}
}

/** Builds the `features` kind for a resolved config. */
export function featuresConditioner(config: FeaturesConditionerConfig): ConditionerImplementation<Float32Array> {
  const vector = (values: ArrayLike<unknown>, what: string): Float32Array => {
    const v = Float32Array.from(values as ArrayLike<number>);
    if (v.length !== config.dim)
      throw new ShapeError(
        `${what}: expected ${config.dim} finite numbers, got ${JSON.stringify(Array.from(values))}.`,
      );
    checkFinite(
      v,
      config.dim,
      'features',
      what,
      `Fix: pass ${config.dim} finite numbers (the task's feature vector, as in conditioner.table).`,
    );
    return v;
  };
  const fromTable = (name: string | undefined) => (name === undefined ? undefined : config.table[name]);
  return {
    width: config.dim,
    prepareTask: (task: TrainingTask) => {
      const what = `features conditioner, task ${JSON.stringify(task.name)}`;
      const listed = fromTable(task.name);
      if (listed !== undefined) return Promise.resolve([vector(listed, what)]);
      const params = task.params ?? {};
      const missing = config.paramKeys.filter((k) => typeof params[k] !== 'number');
      if (config.paramKeys.length === 0 || missing.length > 0)
        throw new ConfigError(
          `${what}: no vector for this task: it is not in conditioner.table` +
            (config.paramKeys.length > 0
              ? ` and its params lack the number(s) ${missing.join(', ')}.`
              : ' and conditioner.paramKeys is empty.') +
            ' Add the task to the table or name the task parameters that hold its features.',
        );
      return Promise.resolve([
        vector(
          config.paramKeys.map((k) => params[k]),
          what,
        ),
      ]);
    },
    ready: () => Promise.resolve(),
    prepareContext: (context: TaskContext, what: string) => {
      if (context.features !== undefined) return vector(context.features, `${what}: context.features`);
      const listed = fromTable(context.task);
      if (listed !== undefined) return vector(listed, what);
      throw new ConfigError(
        `${what}: this agent conditions on task features; pass context.features (${config.dim} numbers)` +
          (context.task === undefined ? '.' : `; task ${JSON.stringify(context.task)} is not in conditioner.table.`),
      );
    },
    createNetwork: () => new FeatureRows(config.dim),
    getState: () => null,
    setState: () => {},
  };
}
