// The agents and data of bench:compare's grid for the scripts that train them outside the runner
// (bench:warmup, bench:replay-grid): LLMDPD and Diffusion-QL at a point mass's sizes
// (observation 4, action 2) on synthetic data, 4 prompted tasks for LLMDPD. The networks and
// batch come from a preset name, as bench:compare's --preset.

/** A point mass's widths, and the transitions of synthetic data per task. */
export const OBSERVATION_DIM = 4;
export const ACTION_DIM = 2;
const TRANSITIONS = 5000;

/** The library modules a training run needs (imported on demand, so that child processes stay light). */
export function gridModules() {
  return Promise.all([
    import('../../dist/compare/agent-registry.js'),
    import('./synthetic-data.js'),
    import('../../dist/buffers/multi-task-dataset.js'),
    import('../../dist/core/rng.js'),
  ]);
}

/** An agent class's config under a preset name (`none`: its defaults); throws on an unknown name. */
export function presetConfig(cls, preset) {
  if (preset === 'none') return { ...cls.defaults };
  const values = cls.presets[preset];
  if (values === undefined)
    throw new Error(`--preset ${preset}: no such preset (known: none, ${Object.keys(cls.presets).join(', ')})`);
  return { ...cls.defaults, ...values };
}

/**
 * A fresh agent of the grid (`'LLMDPD'` or `'DiffusionQL'`) with its training data, a batch and
 * the batch's sampler, and the acting context of its first task (undefined for Diffusion-QL).
 */
export async function gridAgent(name, seed, preset) {
  const [{ agentClass }, { syntheticBuffer }, { MultiTaskDataset }, { Rng }] = await gridModules();
  const buffer = syntheticBuffer(1, OBSERVATION_DIM, ACTION_DIM, TRANSITIONS);
  const cls = agentClass(name);
  const config = presetConfig(cls, preset);
  const agent = cls.create({
    config,
    observationDim: OBSERVATION_DIM,
    actionDim: ACTION_DIM,
    seed,
    ...(name === 'DiffusionQL' ? { conditioner: { kind: 'none' } } : {}),
  });
  let source = buffer;
  let context;
  if (name === 'LLMDPD') {
    const tasks = [0, 1, 2, 3].map((i) => ({
      name: `task-${i}`,
      buffer,
      textPrompt: `Task: reach goal ${i + 1}.`,
      trajectoryPrompt: buffer.trajectory({ start: 0, length: 20 }),
    }));
    source = new MultiTaskDataset(tasks);
    await agent.prepareTasks(source);
    context = { textPrompt: tasks[0].textPrompt, trajectoryPrompt: tasks[0].trajectoryPrompt };
  }
  const rng = new Rng(100 + seed);
  const batch = source.sample(config.batchSize, rng);
  return { agent, context, nextBatch: () => source.sampleInto(batch, rng), batch };
}
