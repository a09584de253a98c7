// The soft actor-critic baselines of `npm run bench:agents`: ms per training step and per act of
// CQL and SAC-N (N = 2, plain SAC, and N = 10, CORL's default) at hopper sizes (state 11, action 3,
// batch 256, 3x256 ReLU networks, CORL's hyperparameters), each next to its PyTorch reference
// (bench/torch/cql_step.py, bench/torch/sac_n_step.py) run in the same benchmark on 1 thread.
// Target: every step <= 1.5x its reference. Called from bench/agents.js.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Rng } from '../../dist/core/rng.js';
import { CQLAgent } from '../../dist/agents/cql.js';
import { SACNAgent } from '../../dist/agents/sac-n.js';
import { emit, medianMs, round3 } from './report.js';

const TARGET_RATIO = 1.5;

/** Runs a reference script; returns its JSON line, or an error record saying what to install. */
function runReference(script, args) {
  const path = new URL(`../torch/${script}`, import.meta.url).pathname;
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  try {
    const out = execFileSync(python, [path, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out.trim().split('\n').pop());
  } catch (error) {
    return {
      error: `could not run ${python} ${path}: ${String(error.message).split('\n')[0]}. Install Debian's python3-torch and libopenblas0-pthread.`,
    };
  }
}

/** Median ms of `update` on fresh batches of `buffer` (5 warm-up steps). */
function timeSteps(agent, buffer, steps) {
  const rng = new Rng(3);
  const batch = buffer.sample(256, rng);
  for (let i = 0; i < 5; i++) agent.update(batch, false);
  return medianMs(
    () => {
      buffer.sampleInto(batch, rng);
      agent.update(batch, false);
    },
    { warmup: 0, iterations: steps },
  );
}

/**
 * Times CQL and SAC-N (N = 2, 10) and their references; prints one line per measurement and one
 * ratio line per agent.
 * @param {{ buffer: import('../../dist/buffers/replay-buffer.js').ReplayBuffer, steps: number,
 *   torch: boolean, common: object }} options - hopper-shaped data, timed steps, whether to run
 *   the references, the facts every line carries.
 */
export async function benchSoftActorCritics({ buffer, steps, torch, common }) {
  const S = buffer.observationDim;
  const A = buffer.actionDim;
  const cases = [
    { name: 'cql', make: () => new CQLAgent({ observationDim: S, actionDim: A }), script: 'cql_step.py', args: [] },
    {
      name: 'sac-n2',
      make: () => new SACNAgent({ observationDim: S, actionDim: A, criticCount: 2 }),
      script: 'sac_n_step.py',
      args: ['--critics', '2'],
    },
    {
      name: 'sac-n10',
      make: () => new SACNAgent({ observationDim: S, actionDim: A, criticCount: 10 }),
      script: 'sac_n_step.py',
      args: ['--critics', '10'],
    },
  ];
  const observation = buffer.sample(1, new Rng(4)).observations;
  for (const c of cases) {
    const agent = c.make();
    await agent.bindTasks(buffer);
    const stepMs = timeSteps(agent, buffer, steps);
    const actMs = medianMs(() => agent.act(observation), { warmup: 10, iterations: 100 });
    agent.dispose();
    emit({ case: `${c.name}-step`, ms: round3(stepMs), batch: 256, ...common });
    emit({ case: `${c.name}-act-one-state`, ms: round3(actMs), ...common });
    if (!torch) continue;
    const refSteps = String(Math.max(10, Math.min(steps, 40)));
    const ref = runReference(c.script, [...c.args, '--steps', refSteps, '--threads', '1']);
    const refAct = runReference(c.script, [...c.args, '--mode', 'act', '--steps', '100', '--threads', '1']);
    emit({ case: `pytorch-reference-${c.name}-step`, ...ref, machine: common.machine });
    emit({ case: `pytorch-reference-${c.name}-act`, ...refAct, machine: common.machine });
    if (ref.ms_per_step === undefined) continue;
    const ratio = stepMs / ref.ms_per_step;
    emit({
      case: `ratio-${c.name}-vs-pytorch-1-thread`,
      oursMs: round3(stepMs),
      pytorchMs: ref.ms_per_step,
      ratio: round3(ratio),
      actRatio: refAct.ms_per_step === undefined ? null : round3(actMs / refAct.ms_per_step),
      target: TARGET_RATIO,
      meetsTarget: ratio <= TARGET_RATIO,
      ...common,
    });
  }
}
