import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatMetric } from '../../src/core/progress.js';
import { readRunFolder, RunFolderWriter } from '../../src/core/run/index.js';
import { algorithmOfCheckpoint } from '../../src/cli/algorithms.js';
import { findPngConverter } from '../../src/cli/plot.js';
import { DiffusionQLAgent } from '../../src/agents/diffusion-ql.js';
import { loadExportedPolicy } from '../../src/export/artefact.js';
import { expectClose } from '../support/tensors.js';
import { cli, SMALL_CONFIG, writePendulumD4rl } from './helpers.js';

const RUN = {
  agent: 'DiffusionQLAgent',
  config: {},
  seed: 0,
  data: {},
  fit: {},
  engine: null,
};

let root: string;
let data: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'llmdpd-cli-'));
  data = join(root, 'pendulum.hdf5');
  await writePendulumD4rl(data);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('llmdpd usage', () => {
  test('--version prints the package version; each command has its own --help', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await cli('--version')).toEqual({ code: 0, out: `${pkg.version}\n`, err: '' });
    const train = await cli('train', '--help');
    const evaluate = await cli('eval', '--help');
    expect(train.code).toBe(0);
    expect(train.out).toMatch(/^Usage: llmdpd train \[options\] <algorithm>/);
    expect(train.out).toContain('--eval-env <id>');
    expect(evaluate.out).toMatch(/^Usage: llmdpd eval \[options\] <checkpoint>/);
    expect(evaluate.out).not.toContain('--eval-env');
    expect((await cli('plot', '--help')).out).toMatch(/^Usage: llmdpd plot \[options\] <runs\.\.\.>/);
    const exportHelp = (await cli('export', '--help')).out;
    expect(exportHelp).toMatch(/^Usage: llmdpd export \[options\] <checkpoint> <dir>/);
    expect(exportHelp).toContain('--task <name>');
    expect(train.out).toContain('--preset <dataset>');
    expect((await cli()).out).toMatch(/Commands:[\s\S]*train[\s\S]*eval[\s\S]*plot[\s\S]*export[\s\S]*demo/);
  });

  test('usage errors are one line on stderr with exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['train', 'diffusion-ql', '--data', data, '--stpes', '3'],
        /^error: unknown option '--stpes' \(Did you mean --steps\?\)/,
      ],
      [['train', 'diffusion-ql'], /required option '--data <source>' not specified/],
      [['train', 'diffusion-ql', '--data', data, '--seeds', '0,,1'], /no empty item/],
      [['train', 'diffusion-ql', '--data', data, '--seeds', '0,1,0'], /lists 0 more than once/],
      [['train', 'diffusion-ql', '--data', data, '--seeds', ''], /no empty item/],
      [['train', 'diffusion-ql', '--data', data, '--steps', '-5'], /--steps must be an integer >= 1, got "-5"/],
      [['train', 'sac', '--data', data], /Unknown algorithm "sac"; choose one of bc, diffusion-ql, llmdpd/],
      [['train', 'bc', '--data', data, '--preset', 'hopper-medium-v2'], /--preset: bc has no per-dataset presets/],
      [['export', join(root, 'nothing-here'), join(root, 'p')], /nothing-here does not exist/],
      [['export', join(root, 'nothing-here')], /missing required argument 'dir'/],
      [
        ['train', 'llmdpd', '--data', data, '--out', join(root, 'never')],
        /llmdpd trains on multi-task data with prompts/,
      ],
      [['train', 'diffusion-ql', '--data', join(root, 'missing.hdf5')], /missing\.hdf5 does not exist/],
      [
        ['train', 'diffusion-ql', '--data', data, '--eval-env', 'Hoper-v4'],
        /--eval-env Hoper-v4 is not a registered env/,
      ],
      [['train', 'diffusion-ql', '--data', data, '--config', '{"seed": 3}'], /--config sets seed/],
      [['frobnicate'], /^error: unknown command 'frobnicate'/],
      [['eval', join(root, 'nothing-here')], /nothing-here does not exist/],
      [['plot', join(root, 'nothing-here')], /nothing-here is not a folder/],
      [['plot', root, '--out', join(root, 'x.gif')], /--out must end in \.svg or \.png/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect({ args, code: r.code, out: r.out }).toEqual({ args, code: 2, out: '' });
      expect(r.err).toMatch(message);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    }
  });

  test('the output folder is checked before any work: a non-empty folder is refused and left alone', async () => {
    const out = join(root, 'taken');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const started = performance.now();
    const r = await cli('train', 'diffusion-ql', '--data', 'pointmass-reach', '--out', out);
    expect(performance.now() - started).toBeLessThan(2000); // the suite (seconds to generate) was never built
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out .*taken already exists and is not empty/);
    expect(readdirSync(out)).toEqual(['notes.txt']);
    const file = join(root, 'a-file');
    writeFileSync(file, '');
    expect((await cli('train', 'diffusion-ql', '--data', data, '--out', file)).err).toMatch(/is a file; give a folder/);
  });

  test('failures are one line with exit code 1; --debug adds the stack', async () => {
    const broken = join(root, 'broken.hdf5');
    writeFileSync(broken, 'not hdf5');
    const r = await cli('train', 'diffusion-ql', '--data', broken, '--out', join(root, 'broken-run'));
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^error: DatasetError: /);
    const debug = await cli('train', 'diffusion-ql', '--data', broken, '--out', join(root, 'broken-run2'), '--debug');
    expect(debug.code).toBe(1);
    expect(debug.err).toMatch(/\n\s+at /);
  });

  test('data whose actions leave maxAction is refused at fit with the fix; action scaling trains on it', async () => {
    // The Pendulum file's actions reach ±2 and the default maxAction is 1.
    const refused = await cli('train', 'bc', '--data', data, '--steps', '5', '--eval-episodes', '0', '--out', join(root, 'runs', 'bc-refused'), '--progress', 'off'); // prettier-ignore
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(
      /^error: ActionRangeError: The data's actions reach from -2 to 2 .*beyond the policy's range \[-1, 1\].*--config '\{"actionScaler":\{"kind":"min-max"\}\}'/,
    );
    const scaled = await cli('train', 'bc', '--data', data, '--steps', '5', '--eval-episodes', '0', '--config', '{"actionScaler":{"kind":"min-max"},"hiddenDims":[16]}', '--out', join(root, 'runs', 'bc-scaled'), '--progress', 'off'); // prettier-ignore
    expect(scaled.err).toBe('');
    expect(scaled.code).toBe(0);
  }, 60_000);
});

describe('llmdpd train, eval and plot on a D4RL-layout file', () => {
  test('two seeds into seed<N> run folders, evaluated on the env every epoch; eval as a table and JSON; plot SVG', async () => {
    const out = join(root, 'runs', 'dql');
    const train = await cli(
      'train', 'diffusion-ql', '--data', data, '--steps', '40', '--steps-per-epoch', '20', '--log-every', '10',
      '--seeds', '0,1', '--eval-env', 'Pendulum-v1', '--eval-episodes', '2', '--config', SMALL_CONFIG,
      '--out', out, '--progress', 'off',
    ); // prettier-ignore
    expect(train.err).toBe('');
    expect(train.code).toBe(0);
    expect(train.out).toMatch(/Run folder .*seed0: completed at step 40 eval\/return=-\d/);
    expect(train.out).toMatch(/Run folder .*seed1: completed at step 40 eval\/return=-\d/);
    for (const seed of [0, 1]) {
      const run = readRunFolder(join(out, `seed${seed}`));
      expect(run.finished).toBe(true);
      expect(run.params.seed).toBe(seed);
      expect(run.params.config).toMatchObject({ hiddenDims: [32, 32], seed });
      expect(run.params.data).toMatchObject({ kind: 'd4rl', transitions: 1990, evalEnv: 'Pendulum-v1' });
      expect(run.metrics.map((r) => r.step)).toEqual([10, 20, 30, 40]);
      expect(run.evaluations.map((r) => r.step)).toEqual([20, 40]);
      expect(Object.keys(run.evaluations[0].values)).toEqual(['eval/return']);
    }

    const table = await cli('eval', join(out, 'seed0'), '--episodes', '2', '--seed', '5');
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^DiffusionQLAgent at step 40 \(.*seed0.checkpoint\), seed 5$/);
    expect(lines[1]).toMatch(/^target\s+episodes\s+return\s+length\s+success\s+score$/);
    expect(lines[2]).toMatch(/^Pendulum-v1\s+2\s+-\S+ ± \S+\s+200\.0\s+-\s+-$/);
    const json = await cli('eval', join(out, 'seed0'), '--episodes', '2', '--seed', '5', '--json');
    const report = JSON.parse(json.out) as {
      step: number;
      results: { target: string; episodes: number; meanReturn: number }[];
    };
    expect(report.step).toBe(40);
    expect(report.results).toHaveLength(1);
    expect(report.results[0]).toMatchObject({ target: 'Pendulum-v1', episodes: 2, meanLength: 200 });
    expect(lines[2]).toContain(`${formatMetric(report.results[0].meanReturn)} ± `); // same seed, same episodes

    const svg = join(root, 'plots', 'curves.svg');
    const plot = await cli('plot', out, '--metric', 'eval/return,loss/critic', '--out', svg);
    expect(plot.code).toBe(0);
    expect(plot.out).toMatch(/Wrote .*curves\.svg: dql \(2 runs\); eval\/return, loss\/critic/);
    const text = readFileSync(svg, 'utf8');
    expect(text.startsWith('<svg')).toBe(true);
    expect(text.match(/<polyline /g)).toHaveLength(2); // one mean line per panel
    expect(text.match(/<polygon /g)).toHaveLength(2); // one ± std band per panel (two seeds)
    expect((await cli('plot', out, '--out', svg)).err).toMatch(/curves\.svg already exists; pass --force/);
    expect((await cli('plot', out, '--out', svg, '--force')).code).toBe(0);
    expect((await cli('plot', out, '--metric', 'eval/score', '--out', svg, '--force')).err).toMatch(
      /--metric eval\/score is in none of the runs; they have eval\/return, loss\/actor/,
    );

    const policyDir = join(root, 'policies', 'dql');
    const exported = await cli('export', join(out, 'seed0'), policyDir, '--json');
    expect(exported.err).toBe('');
    expect(exported.code).toBe(0);
    const summary = JSON.parse(exported.out) as Record<string, unknown>;
    expect(summary).toMatchObject({ agent: 'DiffusionQLAgent', acting: 'diffusion', step: 40, task: null });
    // The exported random state is the checkpoint's acting stream, so a loaded agent acts the same.
    const agent = DiffusionQLAgent.load(join(out, 'seed0', 'checkpoint'));
    const observations = Float32Array.of(1, 0, 0.5, 0.6, -0.8, -1.2);
    expectClose(loadExportedPolicy(policyDir).actBatch(observations), agent.actBatch(observations), 1e-4, 1e-4);
    agent.dispose();
    expect((await cli('export', join(out, 'seed0'), policyDir)).err).toMatch(/already holds an export; pass --force/);
    const again = await cli('export', join(out, 'seed0'), policyDir, '--force');
    expect(again.out).toMatch(
      /^Exported DiffusionQLAgent at step 40 to .*dql: diffusion acting, \d+ weight tensors, [\d.]+ KiB\./,
    );
    expect((await cli('export', join(out, 'seed0'), policyDir, '--best')).err).toMatch(/holds no checkpoint/);
  }, 120_000);

  test('--keep-best keeps the best epoch by the env evaluation in best/; eval and export --best use it', async () => {
    const out = join(root, 'runs', 'bc-best');
    const args = ['--data', data, '--steps-per-epoch', '10', '--eval-env', 'Pendulum-v1', '--eval-episodes', '1', '--config', '{"hiddenDims":[16],"maxAction":2}', '--out', out, '--progress', 'off']; // prettier-ignore
    const train = await cli('train', 'bc', '--steps', '30', '--keep-best', ...args);
    expect(train.err).toBe('');
    expect(train.out).toMatch(/best epoch by return: -?[\d.]+ at step (10|20|30) \(checkpoint .*best\)/);
    const returns = readRunFolder(out).evaluations.map((r) => r.values['eval/return']);
    const bestStep = (10 * (returns.indexOf(Math.max(...returns)) + 1)).toString();
    expect(train.out).toContain(`at step ${bestStep} `);
    const evaluated = JSON.parse((await cli('eval', out, '--best', '--episodes', '1', '--json')).out) as {
      step: number;
    };
    expect(evaluated.step).toBe(Number(bestStep));
    expect((await cli('export', out, join(root, 'policies', 'bc-best'), '--best')).code).toBe(0);
    const resumed = await cli('train', 'bc', '--steps', '40', '--keep-best', '--resume', ...args);
    expect(resumed.code).toBe(0); // ranks the new epoch against the best logged before the resume
    expect(
      (await cli('train', 'bc', '--steps', '5', '--keep-best', ...args.slice(0, 6), '--eval-episodes', '0')).err,
    ).toMatch(/--keep-best ranks epochs by their evaluation; give --eval-episodes at least 1/);
  }, 120_000);

  test('iql and td3-bc train from the command line into run folders whose checkpoints load', async () => {
    for (const algorithm of ['iql', 'td3-bc']) {
      const out = join(root, 'runs', algorithm);
      const config = JSON.stringify({ hiddenDims: [16, 16], batchSize: 16, maxAction: 2 });
      const r = await cli(
        'train', algorithm, '--data', data, '--steps', '6', '--steps-per-epoch', '3', '--eval-episodes', '0',
        '--config', config, '--out', out, '--progress', 'off',
      ); // prettier-ignore
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const run = readRunFolder(out);
      expect(run.status?.state).toBe('completed');
      expect(run.params.agent).toBe(algorithm === 'iql' ? 'IQLAgent' : 'TD3BCAgent');
      const loaded = algorithmOfCheckpoint(run.paths.checkpoint).load(run.paths.checkpoint);
      expect(loaded.step).toBe(6);
      loaded.dispose();
      const exported = await cli('export', out, join(root, 'policies', algorithm), '--json');
      expect(exported.err).toBe('');
      expect(JSON.parse(exported.out)).toMatchObject({ acting: 'deterministic', step: 6 });
    }
    const preset = join(root, 'runs', 'iql-preset');
    const r = await cli(
      'train', 'iql', '--data', data, '--steps', '3', '--eval-episodes', '0', '--preset', 'hopper-medium-v2',
      '--config', JSON.stringify({ hiddenDims: [16, 16], batchSize: 16, maxAction: 2 }), '--out', preset, '--progress', 'off',
    ); // prettier-ignore
    expect(r.err).toBe('');
    expect(readRunFolder(preset).params.config).toMatchObject({ policy: 'deterministic', tau: 0.001 });
  }, 120_000);

  test('--resume continues a run to a larger --steps; a run already there does nothing', async () => {
    const out = join(root, 'runs', 'resumed');
    const common = [
      '--data',
      data,
      '--steps-per-epoch',
      '10',
      '--eval-episodes',
      '0',
      '--config',
      SMALL_CONFIG,
      '--out',
      out,
      '--progress',
      'off',
    ];
    expect((await cli('train', 'diffusion-ql', '--steps', '20', ...common)).code).toBe(0);
    const more = await cli('train', 'diffusion-ql', '--steps', '30', '--resume', ...common);
    expect(more.err).toBe('');
    expect(more.out).toMatch(/completed at step 30/);
    const run = readRunFolder(out);
    expect(run.metrics.map((r) => r.step)).toEqual([10, 20, 30]);
    expect(run.params.resumes?.map((r) => r.step)).toEqual([20]);
    expect((await cli('train', 'diffusion-ql', '--steps', '30', '--resume', ...common)).out).toMatch(
      /already at step 30 of 30; nothing to do/,
    );
    expect(
      (
        await cli(
          'train',
          'diffusion-ql',
          '--steps',
          '30',
          '--resume',
          ...common.slice(0, -4),
          '--out',
          join(root, 'nope'),
        )
      ).err,
    ).toMatch(/--resume: .*nope is not a run folder/);
  }, 120_000);

  test('plot writes a PNG through rsvg-convert when it is installed, and says what to install when not', async () => {
    const out = join(root, 'runs', 'png-source');
    const writer = RunFolderWriter.open(out, { ...RUN, startStep: 0, targetSteps: 20 });
    writer.evaluation({ step: 10, epoch: 1, seconds: 1, values: { 'eval/return': -10 } });
    writer.evaluation({ step: 20, epoch: 2, seconds: 2, values: { 'eval/return': -5 } });
    writer.finish('completed', 20);
    const png = join(root, 'plots', 'curves.png');
    const r = await cli('plot', out, '--out', png, '--force');
    if (findPngConverter() === null) {
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/needs an SVG converter and none was found .* install librsvg2-bin/);
    } else {
      expect(r.code).toBe(0);
      expect(readFileSync(png).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    }
  }, 60_000);
});

test('Ctrl-C during llmdpd train stops cleanly: exit 130, status stopped, and --resume continues', async () => {
  const out = join(root, 'runs', 'interrupted');
  const args = ['train', 'diffusion-ql', '--data', data, '--steps-per-epoch', '5', '--eval-episodes', '0'];
  const running = cli(...args, '--steps', '100000', '--config', SMALL_CONFIG, '--out', out, '--progress', 'off');
  const started = Date.now();
  while (Date.now() - started < 20_000) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      if ((readRunFolder(out).status?.checkpointStep ?? 0) >= 10) break;
    } catch {
      // the folder is not there yet
    }
  }
  process.emit('SIGINT');
  const r = await running;
  expect(r.code).toBe(130);
  expect(r.err).toMatch(
    /Stopped by Ctrl-C; the run folder says "stopped"\. Continue it with the same command and --resume\./,
  );
  const run = readRunFolder(out);
  expect(run.state).toBe('stopped');
  expect(run.status?.error).toBe('aborted: Error: interrupted (Ctrl-C)');
  expect(process.listenerCount('SIGINT')).toBe(0);
  const resumed = await cli(
    ...args,
    '--steps',
    String(run.status!.checkpointStep! + 5),
    '--config',
    SMALL_CONFIG,
    '--out',
    out,
    '--progress',
    'off',
    '--resume',
  );
  expect(resumed.code).toBe(0);
  expect(readRunFolder(out).finished).toBe(true);
}, 60_000);
