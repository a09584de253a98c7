// IQL, TD3+BC and BC for `npm run bench:agents`: ms per training step and per `act` of one state
// at hopper sizes (state 11, action 3, batch 256, CORL's 2x256 ReLU networks and
// hyperparameters), each next to its PyTorch reference (bench/torch/{iql,td3_bc,bc}_step.py) run
// in the same benchmark on 1 thread, and the ratio. Target: every step <= 1.5x its reference.
//
// On a shared machine the load moves between the two timings, so the benchmark alternates them:
// `rounds` times ours then the reference's, and reports the median of each and of the per-round
// ratios. TD3+BC's steps alternate between critic-only and actor steps, so both sides time pairs
// of steps and report half a pair.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Rng } from '../../dist/core/rng.js';
import { BCAgent } from '../../dist/agents/bc.js';
import { IQLAgent } from '../../dist/agents/iql.js';
import { TD3BCAgent } from '../../dist/agents/td3-bc.js';
import { emit, medianMs, round3 } from './report.js';

const TARGET_RATIO = 1.5;

const BASELINES = [
  { name: 'iql', label: 'IQL', script: 'iql_step.py', create: (dims) => new IQLAgent(dims), pairSteps: 1 },
  { name: 'td3-bc', label: 'TD3+BC', script: 'td3_bc_step.py', create: (dims) => new TD3BCAgent(dims), pairSteps: 2 },
  { name: 'bc', label: 'BC', script: 'bc_step.py', create: (dims) => new BCAgent(dims), pairSteps: 1 },
];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

function pytorchReference(script, mode, steps) {
  const path = new URL(`../torch/${script}`, import.meta.url).pathname;
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const out = execFileSync(python, [path, '--mode', mode, '--steps', String(steps), '--threads', '1'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out.trim().split('\n').pop());
}

/**
 * Times our IQL, TD3+BC and BC agents and their PyTorch references; prints one JSON line per
 * measurement and per ratio.
 * @param {{ buffer: object, common: object, steps: number, torch: boolean, rounds?: number }} options
 *   buffer: hopper-shaped transitions (observationDim 11, actionDim 3); common: the facts every
 *   line carries; steps: timed calls per measurement; torch: whether to run the references.
 */
export async function benchIqlTd3bcBaselines({ buffer, common, steps, torch, rounds = 3 }) {
  const dims = { observationDim: buffer.observationDim, actionDim: buffer.actionDim };
  const observation = buffer.sample(1, new Rng(4)).observations;
  for (const baseline of BASELINES) {
    const agent = baseline.create(dims);
    await agent.bindTasks(buffer);
    const rng = new Rng(3);
    const batch = buffer.sample(256, rng);
    for (let i = 0; i < 4; i++) agent.update(batch, false);
    const pair = () => {
      for (let i = 0; i < baseline.pairSteps; i++) {
        buffer.sampleInto(batch, rng);
        agent.update(batch, false);
      }
    };
    const rows = { step: [], act: [], refStep: [], refAct: [], ref: null };
    for (let round = 0; round < rounds; round++) {
      rows.step.push(medianMs(pair, { warmup: 0, iterations: steps }) / baseline.pairSteps);
      rows.act.push(medianMs(() => agent.act(observation), { warmup: 5, iterations: 50 }));
      if (!torch) continue;
      try {
        const step = pytorchReference(baseline.script, 'step', steps);
        const act = pytorchReference(baseline.script, 'act', 50);
        rows.refStep.push(step.ms_per_step);
        rows.refAct.push(act.ms_per_step);
        rows.ref = step;
      } catch (error) {
        emit({
          case: `pytorch-reference-${baseline.name}`,
          error: `could not run bench/torch/${baseline.script}: ${String(error.message).split('\n')[0]}. Install Debian's python3-torch and libopenblas0-pthread.`,
        });
        torch = false;
      }
    }
    agent.dispose();
    const oursStep = median(rows.step);
    const oursAct = median(rows.act);
    emit({ case: `${baseline.name}-step`, ms: round3(oursStep), rounds: rows.step.map(round3), batch: 256, ...common });
    emit({ case: `${baseline.name}-act-one-state`, ms: round3(oursAct), rounds: rows.act.map(round3), ...common });
    if (rows.refStep.length === 0) continue;
    const stepRatios = rows.step.slice(0, rows.refStep.length).map((ms, i) => ms / rows.refStep[i]);
    const actRatios = rows.act.slice(0, rows.refAct.length).map((ms, i) => ms / rows.refAct[i]);
    const { impl, torch: torchVersion, blas } = rows.ref;
    emit({
      case: `pytorch-reference-${baseline.name}`,
      impl,
      stepMs: round3(median(rows.refStep)),
      actMs: round3(median(rows.refAct)),
      rounds: rows.refStep.map(round3),
      threads: 1,
      torch: torchVersion,
      blas,
      machine: common.machine,
    });
    const stepRatio = median(stepRatios);
    emit({
      case: `ratio-${baseline.name}-vs-pytorch-1-thread`,
      agent: baseline.label,
      stepRatio: round3(stepRatio),
      stepRatios: stepRatios.map(round3),
      actRatio: round3(median(actRatios)),
      target: TARGET_RATIO,
      meetsTarget: stepRatio <= TARGET_RATIO,
      ...common,
    });
  }
}
