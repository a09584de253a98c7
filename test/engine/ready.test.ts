// Runs in its own module registry (jest gives each test file one), so no backend is set up yet.
import { DiffusionQLAgent } from '../../src/agents/diffusion-ql.js';
import { BackendError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { backendReady, initEngine } from '../../src/engine/index.js';
import { Dense } from '../../src/nets/dense.js';

test('building networks before initEngine fails with a BackendError that says to call it; after it, they build', async () => {
  expect(backendReady()).toBe(false);
  expect(() => new DiffusionQLAgent({ observationDim: 3, actionDim: 1 })).toThrow(BackendError);
  expect(() => new DiffusionQLAgent({ observationDim: 3, actionDim: 1 })).toThrow(
    /needs a tensor backend, and none is initialised yet\. Call `await initEngine\(\)`/,
  );
  expect(() => new Dense({ inputDim: 2, outputDim: 2, rng: new Rng(0) })).toThrow(/await initEngine\(\)/);
  await initEngine({ backend: 'cpu' });
  expect(backendReady()).toBe(true);
  const layer = new Dense({ inputDim: 2, outputDim: 2, rng: new Rng(0) });
  layer.dispose();
});
