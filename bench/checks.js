// node bench/checks.js (after npm run build): the cost of the non-finite checks next to what they
// guard, for Diffusion-QL at hopper sizes (state 11, action 3, batch 256, K = 5, 3x256 Mish):
//   - fit's metric check, run on every metric read (here: every step, logEvery 1), against a
//     training step that reads its metrics (the read is the device sync the check follows);
//   - the finiteness scan of every weight and Adam moment, run once per checkpoint on the host
//     copy the save makes anyway, against the save itself and against one step;
//   - the observation check of act (conversion, length, finiteness), against act.
// The metric check is not exported; its loop is repeated here as src/agents/common/fit-loop.ts
// has it. Options: --backend, --threads N, --steps N.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initEngine } from '../dist/engine/index.js';
import { Rng } from '../dist/core/rng.js';
import { DiffusionQLAgent } from '../dist/agents/diffusion-ql.js';
import { firstNonFinite, oneObservation } from '../dist/agents/common/policy-inputs.js';
import { syntheticBuffer } from './lib/synthetic-data.js';
import { emit, machineFacts, medianMs, round3 } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    threads: { type: 'string', default: '1' },
    steps: { type: 'string', default: '30' },
  },
});
const engine = await initEngine({ backend: args.backend, threads: Number(args.threads) });
const S = 11;
const A = 3;
const N = 20_000;
const rng = new Rng(1);
const data = syntheticBuffer(1, S, A, N);
const agent = new DiffusionQLAgent({ observationDim: S, actionDim: A, emaStartStep: 0 });
const batch = data.sample(256, rng);
const iterations = Number(args.steps);

// 1. A training step that reads its metrics, and the check fit runs on them.
let metrics = null;
const stepMs = medianMs(
  () => {
    data.sampleInto(batch, rng);
    metrics = agent.update(batch, true);
  },
  { warmup: 5, iterations },
);
function checkMetrics(m) {
  for (const [name, value] of Object.entries(m)) if (value - value !== 0) throw new Error(name);
}
const reps = 100_000;
const metricCheckMs =
  medianMs(() => {
    for (let i = 0; i < reps; i++) checkMetrics(metrics);
  }) / reps;

// 2. A checkpoint, and the scan of its weights and moments.
const dir = mkdtempSync(join(tmpdir(), 'llmdpd-bench-checks-'));
const saveMs = medianMs(() => agent.save(dir), { warmup: 2, iterations: 10 });
const columns = [
  ...Object.values(agent.variableGroups()).flatMap((vs) => vs.map((v) => Float32Array.from(v.dataSync()))),
  // `optimizers` is a protected getter of the agents (readable from JavaScript), no longer a method.
  ...Object.values(agent.optimizers).flatMap((o) => {
    const s = o.getState();
    return [...s.firstMoments, ...s.secondMoments];
  }),
];
const values = columns.reduce((n, c) => n + c.length, 0);
const scanMs = medianMs(() => {
  for (const c of columns) if (firstNonFinite(c) >= 0) throw new Error('non-finite');
});
rmSync(dir, { recursive: true, force: true });

// 3. act, and its observation check.
const observation = rng.fillNormal(new Float32Array(S));
const actMs = medianMs(() => agent.act(observation), { warmup: 5, iterations });
const observationCheckMs =
  medianMs(() => {
    for (let i = 0; i < 10_000; i++) oneObservation(observation, S, 'bench');
  }) / 10_000;

emit({
  bench: 'checks',
  machine: machineFacts(),
  backend: engine.backend,
  threads: engine.threads,
  stepWithMetricsMs: round3(stepMs),
  metricCheckUs: round3(metricCheckMs * 1000),
  metricCheckShareOfStep: Number((metricCheckMs / stepMs).toExponential(2)),
  checkpointValues: values,
  saveMs: round3(saveMs),
  weightScanMs: round3(scanMs),
  weightScanShareOfSave: round3(scanMs / saveMs),
  weightScanInSteps: round3(scanMs / stepMs),
  actMs: round3(actMs),
  observationCheckUs: round3(observationCheckMs * 1000),
  observationCheckShareOfAct: Number((observationCheckMs / actMs).toExponential(2)),
});
agent.dispose();
