// Records one training step's registered kernels and replays them without tfjs's engine: the
// prototype of a recorded training step that bench:kernels (step-kernels.js) and
// bench:replay-grid measure. Not a training step: the replay reuses the recorded inputs and
// leaves out the optimiser's in-place updates (BENCHMARKS.md, "Comparison runner").

/**
 * Records the registered kernels `step` calls (top level only: a kernel that calls others is one
 * call), each with its function, inputs and attributes, and keeps every input that the step did
 * not itself produce alive (one extra reference). Returns a function that replays them directly
 * on the backend and frees what it produced, and one that releases the kept inputs.
 */
export function recordKernels(tf, step) {
  const backend = tf.backend();
  const calls = [];
  const seen = new Set();
  const kept = [];
  const configs = tf.getKernelsForBackend(tf.getBackend());
  let depth = 0;
  for (const config of configs) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (call) => {
        depth += 1;
        try {
          const top = depth === 1;
          if (top) {
            for (const t of Object.values(call.inputs)) {
              if (t != null && !seen.has(t.dataId)) {
                seen.add(t.dataId);
                backend.incRef(t.dataId);
                kept.push(t.dataId);
              }
            }
          }
          const out = inner(call);
          const outs = Array.isArray(out) ? out : [out];
          if (top) {
            outs.forEach((o) => seen.add(o.dataId));
            const inputs = Array.isArray(call.inputs) ? [...call.inputs] : { ...call.inputs };
            calls.push({ fn: inner, inputs, attrs: call.attrs, outIds: outs.map((o) => o.dataId) });
          }
          return out;
        } finally {
          depth -= 1;
        }
      },
    });
  }
  try {
    step();
  } finally {
    for (const config of configs) {
      tf.unregisterKernel(config.kernelName, config.backendName);
      tf.registerKernel(config);
    }
  }
  const replay = () => {
    const produced = new Map();
    const created = [];
    for (const c of calls) {
      const inputs = Array.isArray(c.inputs) ? [] : {};
      for (const key in c.inputs) {
        const t = c.inputs[key];
        if (t != null) inputs[key] = produced.get(t.dataId) ?? t;
      }
      const out = c.fn({ inputs, attrs: c.attrs, backend });
      const outs = Array.isArray(out) ? out : [out];
      outs.forEach((o, j) => {
        produced.set(c.outIds[j], o);
        created.push(o);
      });
    }
    for (const o of created) backend.disposeData(o.dataId);
  };
  const release = () => kept.forEach((id) => backend.disposeData(id));
  return { kernels: calls.length, replay, release };
}
