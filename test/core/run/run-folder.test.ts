import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DatasetError, NotFoundError } from '../../../src/core/errors.js';
import {
  ConsoleLogger,
  CsvLogger,
  JsonlLogger,
  RunFolderWriter,
  findRunFolders,
  formatEpochLine,
  readRunFolder,
  type LogRow,
  type RunFolderInit,
} from '../../../src/core/run/index.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'llmdpd-run-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const INIT: RunFolderInit = {
  agent: 'DiffusionQLAgent',
  config: { observationDim: 4, actionDim: 2, seed: 3 },
  seed: 3,
  data: { kind: 'ReplayBuffer', size: 100 },
  fit: { steps: 300, stepsPerEpoch: 100, logEvery: 50 },
  engine: { backend: 'wasm' },
  startStep: 0,
  targetSteps: 300,
};

const row = (step: number, epoch: number, values: Record<string, number>): LogRow => ({
  step,
  epoch,
  seconds: step / 100,
  values,
});

describe('RunFolderWriter and readRunFolder', () => {
  test('a run writes params, rows as they come, status, and reads back exactly', () => {
    const dir = join(root, 'run');
    const w = RunFolderWriter.open(dir, INIT);
    const params = JSON.parse(readFileSync(join(dir, 'params.json'), 'utf8')) as Record<string, unknown>;
    expect(params).toMatchObject({
      format: 'llmdpd-run',
      version: 1,
      agent: 'DiffusionQLAgent',
      seed: 3,
      config: INIT.config,
      engine: { backend: 'wasm' },
      library: { name: 'llmdpd' },
    });
    expect(typeof params['createdAt']).toBe('string');
    expect(params['commit'] === null || /^[0-9a-f]{40}$/.test(params['commit'] as string)).toBe(true);
    expect(readRunFolder(dir).state).toBe('running');

    w.metrics(row(50, 1, { 'loss/critic': 0.5, 'loss/actor': -1.25 }));
    // Appended immediately: a reader sees the row before the epoch ends.
    expect(readRunFolder(dir).metrics).toHaveLength(1);
    w.metrics(row(100, 1, { 'loss/critic': NaN, 'loss/actor': 1e-7 }));
    w.metrics(row(150, 2, { 'loss/critic': 0.25, 'loss/actor': 2, 'value/qMean': 7 })); // a new column
    w.evaluation(row(100, 1, { 'eval/return': -150.5 }));
    w.checkpointed(100);
    w.finish('completed', 150);

    const run = readRunFolder(dir);
    expect(run.finished).toBe(true);
    expect(run.status).toMatchObject({ state: 'completed', step: 150, targetSteps: 300, checkpointStep: 100 });
    expect(run.metrics.map((r) => r.step)).toEqual([50, 100, 150]);
    expect(run.metrics[1].values['loss/critic']).toBeNaN();
    expect(run.metrics[1].values['loss/actor']).toBe(1e-7);
    expect(run.metrics[2].values).toEqual({ 'loss/critic': 0.25, 'loss/actor': 2, 'value/qMean': 7 });
    expect(run.evaluations).toEqual([{ step: 100, epoch: 1, seconds: 1, values: { 'eval/return': -150.5 } }]);
    expect(run.warnings).toEqual([]);
    expect(readFileSync(join(dir, 'metrics.csv'), 'utf8')).toBe(
      'step,epoch,seconds,loss/critic,loss/actor,value/qMean\n' +
        '50,1,0.5,0.5,-1.25,\n' +
        '100,1,1,NaN,1e-7,\n' +
        '150,2,1.5,0.25,2,7\n',
    );
    expect(readFileSync(join(dir, 'evaluations.csv'), 'utf8')).toBe('step,epoch,seconds,eval/return\n100,1,1,-150.5\n');
  });

  test('a run killed mid-line reads with a warning; damage elsewhere is a DatasetError naming the line', () => {
    const dir = join(root, 'run');
    const w = RunFolderWriter.open(dir, INIT);
    w.metrics(row(50, 1, { 'loss/critic': 0.5 }));
    w.metrics(row(100, 1, { 'loss/critic': 0.4 }));
    appendFileSync(join(dir, 'metrics.jsonl'), '{"step":150,"epoch":2,"sec');
    const run = readRunFolder(dir);
    expect(run.state).toBe('running');
    expect(run.finished).toBe(false);
    expect(run.metrics).toHaveLength(2);
    expect(run.warnings).toEqual([expect.stringMatching(/last line of metrics\.jsonl \(line 3\) was cut off/)]);

    writeFileSync(join(dir, 'metrics.jsonl'), '{"step":50,"epoch":1}\nnot json\n{"step":100,"epoch":1}\n');
    expect(() => readRunFolder(dir)).toThrow(DatasetError);
    expect(() => readRunFolder(dir)).toThrow(/metrics\.jsonl line 2 is not valid JSON/);
    writeFileSync(join(dir, 'metrics.jsonl'), '{"epoch":1}\n');
    expect(() => readRunFolder(dir)).toThrow(/no finite "step"/);
  });

  test('not a run folder, a newer version, a missing status', () => {
    expect(() => readRunFolder(join(root, 'missing'))).toThrow(NotFoundError);
    mkdirSync(join(root, 'empty'));
    expect(() => readRunFolder(join(root, 'empty'))).toThrow(/not an llmdpd run folder: it has no params\.json/);
    const dir = join(root, 'run');
    RunFolderWriter.open(dir, INIT).finish('completed', 0);
    const params = JSON.parse(readFileSync(join(dir, 'params.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'params.json'), JSON.stringify({ ...params, version: 2 }));
    expect(() => readRunFolder(dir)).toThrow(/run folder version 2; this llmdpd reads versions 1 to 1/);
    writeFileSync(join(dir, 'params.json'), JSON.stringify(params));
    rmSync(join(dir, 'status.json'));
    const run = readRunFolder(dir);
    expect(run.state).toBe('unknown');
    expect(run.finished).toBe(false);
    expect(run.warnings).toEqual([expect.stringMatching(/status\.json is missing/)]);
    writeFileSync(join(dir, 'status.json'), '{"state":"done"}');
    expect(() => readRunFolder(dir)).toThrow(/"state" must be one of running, completed, stopped, failed/);
  });

  test('an existing folder is never overwritten: foreign files, another run, a fresh agent are refused', () => {
    const foreign = join(root, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    expect(() => RunFolderWriter.open(foreign, INIT)).toThrow(ConfigError);
    expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('mine');

    const dir = join(root, 'run');
    const w = RunFolderWriter.open(dir, INIT);
    w.metrics(row(100, 1, { 'loss/critic': 1 }));
    w.finish('completed', 100);
    expect(() => RunFolderWriter.open(dir, INIT)).toThrow(/already holds a run \(completed at step 100\)/);
    expect(() => RunFolderWriter.open(dir, { ...INIT, agent: 'LLMDPDAgent', startStep: 100 })).toThrow(
      /holds a run of DiffusionQLAgent, not LLMDPDAgent/,
    );
    expect(() => RunFolderWriter.open(dir, { ...INIT, startStep: 200 })).toThrow(/logged up to step 100/);
    expect(() => RunFolderWriter.open(dir, { ...INIT, config: { ...INIT.config, seed: 4 }, startStep: 100 })).toThrow(
      /different agent configuration/,
    );
    expect(readRunFolder(dir).metrics).toHaveLength(1);
  });

  test('continuing a run from its checkpoint drops the rows after it and continues epochs and seconds', () => {
    const dir = join(root, 'run');
    const w = RunFolderWriter.open(dir, INIT);
    for (const s of [100, 200, 300]) w.metrics(row(s, s / 100, { 'loss/critic': s }));
    w.evaluation(row(100, 1, { 'eval/return': 1 }));
    w.evaluation(row(200, 2, { 'eval/return': 2 }));
    w.checkpointed(200);
    // killed here: status says running at step 300, checkpoint at 200
    const resumed = RunFolderWriter.open(dir, {
      ...INIT,
      config: { seed: 3, actionDim: 2, observationDim: 4 }, // same config, other key order
      startStep: 200,
      targetSteps: 400,
    });
    expect(resumed.resumed).toBe(true);
    expect(resumed.epochOffset).toBe(2);
    expect(resumed.secondsOffset).toBe(2);
    resumed.metrics(row(300, 3, { 'loss/critic': 30 }));
    resumed.finish('completed', 400);
    const run = readRunFolder(dir);
    expect(run.metrics.map((r) => [r.step, r.values['loss/critic']])).toEqual([
      [100, 100],
      [200, 200],
      [300, 30],
    ]);
    expect(run.evaluations.map((r) => r.step)).toEqual([100, 200]);
    expect(run.params.resumes?.map((r) => r.step)).toEqual([200]);
    expect(Date.parse(run.params.resumes![0].at)).not.toBeNaN();
    expect(run.status).toMatchObject({ state: 'completed', targetSteps: 400, checkpointStep: 200 });
    expect(readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n')).toHaveLength(4);
  });

  test('findRunFolders: the folder itself or its run sub-folders, sorted', () => {
    for (const s of ['seed1', 'seed0']) RunFolderWriter.open(join(root, 'runs', s), INIT).finish('completed', 0);
    mkdirSync(join(root, 'runs', 'other'));
    expect(findRunFolders(join(root, 'runs'))).toEqual([join(root, 'runs', 'seed0'), join(root, 'runs', 'seed1')]);
    expect(findRunFolders(join(root, 'runs', 'seed1'))).toEqual([join(root, 'runs', 'seed1')]);
    expect(() => findRunFolders(join(root, 'runs', 'other'))).toThrow(/holds no run folder/);
  });
});

describe('loggers', () => {
  test('JsonlLogger and CsvLogger refuse to overwrite an existing log', () => {
    new JsonlLogger(root).metrics(row(1, 1, { a: 1 }));
    expect(() => new JsonlLogger(root)).toThrow(/metrics\.jsonl already exists/);
    new CsvLogger(root).metrics(row(1, 1, { a: 1 }));
    expect(() => new CsvLogger(root)).toThrow(/metrics\.csv already exists/);
    expect(readFileSync(join(root, 'metrics.jsonl'), 'utf8')).toBe('{"step":1,"epoch":1,"seconds":0.01,"a":1}\n');
  });

  test('CSV quotes names with commas or quotes', () => {
    const logger = new CsvLogger(root);
    logger.evaluation(row(1, 1, { 'eval/a,b': 1, 'eval/"q"': 2 }));
    expect(readFileSync(join(root, 'evaluations.csv'), 'utf8')).toBe(
      'step,epoch,seconds,"eval/a,b","eval/""q"""\n1,1,0.01,1,2\n',
    );
  });

  test('the epoch line shows the evaluation first and fits the width on a terminal', () => {
    const summary = {
      label: 'Diffusion-QL',
      epoch: 3,
      epochs: 10,
      step: 3000,
      targetSteps: 10000,
      seconds: 30,
      etaSeconds: 70,
      values: { 'loss/critic': 1.23456, 'loss/actor': -0.5, 'eval/return': -150.25 },
    };
    expect(formatEpochLine(summary)).toBe(
      'Diffusion-QL epoch 3/10 step 3000/10000 eval/return=-150.3 time=30.0s eta=1m10s loss/critic=1.235 loss/actor=-0.5000',
    );
    const lines: string[] = [];
    new ConsoleLogger({ isTTY: true, columns: 80, write: (t: string) => lines.push(t) }).epoch(summary);
    expect(lines).toEqual(['Diffusion-QL epoch 3/10 step 3000/10000 eval/return=-150.3 time=30.0s …\n']);
    expect(lines[0].length - 1).toBeLessThan(80);
  });
});
