// bench:metaworld-experts — the Meta-World envs on the user's Meta-World models: env steps per
// second per task, the scripted experts' success over 100 seeded episodes, the noisy behaviours'
// success, and the time to collect and write each task's offline dataset.
//
//   npm run bench:metaworld-experts                     # build, then this script
//   node bench/metaworld-experts.js --assets /path/to/metaworld/assets --episodes 100
//   node bench/metaworld-experts.js --tasks box-close,bin-picking --behaviour-episodes 20 --data-episodes 20
//
// The asset folder comes from --assets, else METAWORLD_ASSETS, else ../shared/metaworld/assets
// beside the repository (a data path: where the project's machines keep Meta-World's assets as a
// stand-in for a user's installed metaworld package; docs/envs/metaworld.md, "The models: the
// user's asset folder"). Prints one JSON line per measurement and a summary table at the end.
//
// - steps/s: makeEnv(id) (TimeLimit and OrderEnforcing wrappers included), uniform random
//   actions, resets included (each reset drives the hand to its start: 250 physics steps).
// - expert: the deterministic expert (metaWorldExpert) on reset seeds 0..episodes-1; an episode
//   counts as a success when info.success is 1 at any step (Meta-World's protocol); the episode
//   stops at its first success. Also the mean and largest step of first success.
// - behaviours: the noisy expert, medium and random behaviours (metaWorldBehaviour) on
//   --behaviour-episodes seeds each, same rule.
// - data: writeMetaWorldDatasets with --data-episodes whole episodes per task (25% random, 50%
//   medium, 25% expert), D4RL + Minari files into a temporary folder; seconds per task.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../dist/core/rng.js';
import {
  METAWORLD_TASKS,
  loadMetaWorldAssets,
  makeEnv,
  metaWorldBehaviour,
  metaWorldEnvId,
  metaWorldExpert,
} from '../dist/envs/index.js';
import { writeMetaWorldDatasets } from '../dist/suites/index.js';
import { emit, machineFacts, round3 } from './lib/report.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const args = {
    assets: process.env.METAWORLD_ASSETS || path.join(HERE, '..', '..', 'shared', 'metaworld', 'assets'),
    episodes: 100,
    behaviourEpisodes: 20,
    dataEpisodes: 20,
    speedSteps: 3000,
    tasks: [...METAWORLD_TASKS],
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (key === '--assets') args.assets = value;
    else if (key === '--episodes') args.episodes = Number(value);
    else if (key === '--behaviour-episodes') args.behaviourEpisodes = Number(value);
    else if (key === '--data-episodes') args.dataEpisodes = Number(value);
    else if (key === '--speed-steps') args.speedSteps = Number(value);
    else if (key === '--tasks') args.tasks = value.split(',');
    else
      throw new Error(
        `unknown argument ${key}; use --assets DIR --episodes N --behaviour-episodes N --data-episodes N --speed-steps N --tasks a,b`,
      );
  }
  for (const t of args.tasks) if (!METAWORLD_TASKS.includes(t)) throw new Error(`unknown task ${t}`);
  if (!existsSync(args.assets))
    throw new Error(`no Meta-World asset folder at ${args.assets}; pass --assets or set METAWORLD_ASSETS`);
  return args;
}

/** Env steps per second with random actions through makeEnv, resets included. */
function stepsPerSecond(task, assetsDir, steps) {
  const env = makeEnv(metaWorldEnvId(task), { assetsDir });
  const rng = new Rng(1);
  let resets = 1;
  try {
    env.reset({ seed: 0 });
    const t0 = performance.now();
    for (let t = 0; t < steps; t++) {
      const a = Float32Array.of(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1));
      const [, , terminated, truncated] = env.step(a);
      if (terminated || truncated) {
        env.reset();
        resets++;
      }
    }
    return { stepsPerSecond: steps / ((performance.now() - t0) / 1000), resets };
  } finally {
    env.close();
  }
}

/** Success rate of `act(obs, rng)` over `episodes` seeded episodes (stop at first success). */
function successRate(task, assetsDir, act, episodes) {
  const env = makeEnv(metaWorldEnvId(task), { assetsDir });
  let wins = 0;
  const firsts = [];
  const failed = [];
  let steps = 0;
  const t0 = performance.now();
  try {
    for (let ep = 0; ep < episodes; ep++) {
      let [obs] = env.reset({ seed: ep });
      const rng = new Rng(10_000 + ep);
      let first = -1;
      for (let t = 0; t < 500; t++) {
        const [next, , , truncated, info] = env.step(act(obs, { rng }));
        steps++;
        obs = next;
        if (info.success === 1) {
          first = t + 1;
          break;
        }
        if (truncated) break;
      }
      if (first > 0) {
        wins++;
        firsts.push(first);
      } else failed.push(ep);
    }
  } finally {
    env.close();
  }
  return {
    success: wins / episodes,
    episodes,
    meanStepsToSuccess: firsts.length > 0 ? round3(firsts.reduce((a, b) => a + b, 0) / firsts.length) : null,
    maxStepsToSuccess: firsts.length > 0 ? Math.max(...firsts) : null,
    failedSeeds: failed,
    stepsPerSecond: round3(steps / ((performance.now() - t0) / 1000)),
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  emit({ bench: 'metaworld-experts', machine: machineFacts(), loadavg: os.loadavg().map(round3), args });
  const t0 = performance.now();
  await loadMetaWorldAssets({ assetsDir: args.assets });
  emit({ kind: 'load', seconds: round3((performance.now() - t0) / 1000) });
  const rows = [];
  for (const task of args.tasks) {
    const speed = stepsPerSecond(task, args.assets, args.speedSteps);
    emit({ kind: 'speed', task, steps: args.speedSteps, ...speed, stepsPerSecond: round3(speed.stepsPerSecond) });
    const expert = metaWorldExpert(task);
    const deterministic = successRate(task, args.assets, (o) => expert(o), args.episodes);
    emit({ kind: 'expert', task, ...deterministic });
    const behaviours = {};
    for (const kind of ['expert', 'medium', 'random']) {
      const policy = metaWorldBehaviour(task, kind);
      behaviours[kind] = successRate(task, args.assets, policy, args.behaviourEpisodes);
      emit({ kind: `behaviour-${kind}`, task, ...behaviours[kind] });
    }
    rows.push({ task, speed: speed.stepsPerSecond, expert: deterministic, behaviours });
  }
  const dataRows = {};
  if (args.dataEpisodes > 0) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'llmdpd-mw-bench-'));
    try {
      const t1 = performance.now();
      const result = await writeMetaWorldDatasets(dir, {
        assetsDir: args.assets,
        seed: 0,
        episodes: args.dataEpisodes,
        tasks: args.tasks,
      });
      for (const t of result.manifest.tasks) {
        const successes = t.episodeSuccesses;
        const byKind = {};
        for (const kind of ['random', 'medium', 'expert']) {
          const idx = t.episodeBehaviours.map((b, i) => (b === kind ? i : -1)).filter((i) => i >= 0);
          byKind[kind] = idx.length === 0 ? null : round3(idx.filter((i) => successes[i]).length / idx.length);
        }
        dataRows[t.task] = { seconds: round3(t.seconds), transitions: t.transitions, successByBehaviour: byKind };
        emit({
          kind: 'data',
          task: t.task,
          transitions: t.transitions,
          seconds: round3(t.seconds),
          successByBehaviour: byKind,
        });
      }
      emit({ kind: 'data-total', seconds: round3((performance.now() - t1) / 1000), files: result.files.length });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const pct = (x) => (x === null || x === undefined ? '-' : `${Math.round(x * 100)}%`);
  const lines = [
    '',
    '| task | env steps/s | expert success (n) | steps to success (mean / max) | noisy expert | medium | random | data s (transitions) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const d = dataRows[r.task];
    lines.push(
      `| ${r.task} | ${Math.round(r.speed)} | ${pct(r.expert.success)} (${r.expert.episodes}) | ${r.expert.meanStepsToSuccess ?? '-'} / ${r.expert.maxStepsToSuccess ?? '-'} | ` +
        `${pct(r.behaviours.expert.success)} | ${pct(r.behaviours.medium.success)} | ${pct(r.behaviours.random.success)} | ` +
        `${d === undefined ? '-' : `${d.seconds} (${d.transitions})`} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  emit({ kind: 'done', seconds: round3((performance.now() - t0) / 1000), loadavg: os.loadavg().map(round3) });
}

await main();
