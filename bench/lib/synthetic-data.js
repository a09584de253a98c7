// Synthetic offline data for the step benchmarks: random transitions of a given size, with an
// episode end every 200 steps. Only the shapes matter to a training step's cost.
import { Rng } from '../../dist/core/rng.js';
import { ReplayBuffer } from '../../dist/buffers/replay-buffer.js';

/** `transitions` random transitions with `observationDim`-wide states and `actionDim`-wide actions. */
export function syntheticBuffer(seed, observationDim, actionDim, transitions) {
  const rng = new Rng(seed);
  const N = transitions;
  return ReplayBuffer.fromArrays({
    observations: rng.fillNormal(new Float32Array(N * observationDim)),
    actions: rng.fillUniform(new Float32Array(N * actionDim), -1, 1),
    rewards: rng.fillUniform(new Float32Array(N), 0, 3),
    nextObservations: rng.fillNormal(new Float32Array(N * observationDim)),
    terminals: Uint8Array.from({ length: N }, (_, i) => (i % 200 === 199 ? 1 : 0)),
    observationDim,
    actionDim,
  });
}
