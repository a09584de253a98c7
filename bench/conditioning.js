// Which critic conditioning should LLMDPD use by default? Trains LLMDPD on the 12 seen tasks of
// the built-in pointmass-reach suite with the demo's sizes (src/cli/demo-job.ts), once per
// (critic conditioning, seed), and evaluates every seen and unseen task; prints one JSON line
// per run and a summary per option (mean ± std over seeds of the unseen and seen success).
// The measurement behind docs/algorithms/conditioning.md, "Critic conditioning".
// Options: --options none,ema,online-detached  --seeds 0,1,2  --steps 12000  --episodes 10
//          --conditioner prompts|task-id|features (to compare conditioners with one option)
//          --dropout 0.1 (the prompts conditioner's trajectory dropout; its default when absent)
import { parseArgs } from 'node:util';
import { initEngine } from '../dist/engine/index.js';
import { makeSuite } from '../dist/suites/index.js';
import { evaluatePolicy } from '../dist/eval/index.js';
import { DiffusionQLAgent } from '../dist/agents/diffusion-ql.js';
import { LLMDPDAgent } from '../dist/agents/llmdpd.js';
import { DEMO_AGENT_CONFIG, DEMO_LLMDPD_PROMPT_CONFIG } from '../dist/cli/demo-job.js';
import { emit, machineFacts } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    options: { type: 'string', default: 'none,ema,online-detached' },
    seeds: { type: 'string', default: '0,1,2' },
    steps: { type: 'string', default: '12000' },
    episodes: { type: 'string', default: '10' },
    conditioner: { type: 'string', default: 'prompts' },
    dropout: { type: 'string' },
  },
});
const engine = await initEngine();
const suite = await makeSuite('pointmass-reach', { seed: 0, transitionsPerTask: 10_000 });
const steps = Number(args.steps);

function build(option, seed) {
  const common = { ...DEMO_AGENT_CONFIG, seed, criticConditioning: option };
  switch (args.conditioner) {
    case 'prompts':
      return new LLMDPDAgent({
        ...common,
        ...DEMO_LLMDPD_PROMPT_CONFIG,
        ...(args.dropout === undefined ? {} : { trajectoryDropout: Number(args.dropout) }),
      });
    case 'task-id':
      return new DiffusionQLAgent({ ...common, conditioner: { kind: 'task-id', tasks: suite.dataset.tasks } });
    case 'features':
      return new DiffusionQLAgent({ ...common, conditioner: { kind: 'features', paramKeys: ['goalX', 'goalY'] } });
    default:
      throw new Error(`unknown --conditioner ${args.conditioner}`);
  }
}

function contextOf(task) {
  return {
    textPrompt: task.textPrompt,
    trajectoryPrompt: task.trajectoryPrompt,
    task: task.name,
    features: [task.params.goalX, task.params.goalY],
  };
}

const results = [];
for (const option of args.options.split(',')) {
  for (const seed of args.seeds.split(',').map(Number)) {
    const agent = build(option, seed);
    const started = performance.now();
    const report = await agent.fit(suite.dataset, { steps, stepsPerEpoch: steps, logEvery: 500, progress: 'off' });
    const trainSeconds = (performance.now() - started) / 1000;
    const success = { seen: [], unseen: [] };
    for (const task of suite.tasks) {
      let policy;
      try {
        policy = await agent.policy(contextOf(task));
      } catch (error) {
        if (task.role === 'unseen' && args.conditioner === 'task-id') continue; // no unseen task ids
        throw error;
      }
      const r = await evaluatePolicy({ batched: (o) => policy.actBatch(o) }, () => task.makeEnv(), {
        episodes: Number(args.episodes),
        seed: 1000 + seed,
        vectorized: true,
        numEnvs: Number(args.episodes),
      });
      success[task.role].push(r.successRate ?? 0);
    }
    agent.dispose();
    const mean = (xs) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
    const row = {
      case: 'critic-conditioning-run',
      conditioner: args.conditioner,
      criticConditioning: option,
      ...(args.dropout === undefined ? {} : { trajectoryDropout: Number(args.dropout) }),
      seed,
      steps,
      seenSuccess: mean(success.seen),
      unseenSuccess: mean(success.unseen),
      finalMetrics: report.history.at(-1)?.metrics,
      trainSeconds: Math.round(trainSeconds),
    };
    results.push(row);
    emit(row);
  }
}
const stats = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean: m, std: Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1)) };
};
for (const option of args.options.split(',')) {
  const rows = results.filter((r) => r.criticConditioning === option);
  emit({
    case: 'critic-conditioning-summary',
    conditioner: args.conditioner,
    criticConditioning: option,
    seeds: rows.map((r) => r.seed),
    steps,
    unseen: rows[0]?.unseenSuccess === null ? null : stats(rows.map((r) => r.unseenSuccess)),
    seen: stats(rows.map((r) => r.seenSuccess)),
    backend: engine.backend,
    machine: machineFacts(),
  });
}
