/**
 * writeMinari against loadMinari: a buffer's episodes (time-out, terminal, and a last open one)
 * come back transition for transition, with the spaces, env spec and seeds in the metadata.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplayBuffer } from '../../src/buffers/replay-buffer.js';
import { ConfigError } from '../../src/core/errors.js';
import { Box } from '../../src/core/spaces.js';
import { loadMinari, parsePythonJson } from '../../src/datasets/minari.js';
import { writeMinari } from '../../src/datasets/minari-write.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'llmdpd-minari-w-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const observationSpace = new Box({ low: [-Infinity, -1, 0], high: [Infinity, 1, 2], dtype: 'float32' });
const actionSpace = new Box({ low: -1, high: 1, shape: [2], dtype: 'float32' });

/** Three episodes of lengths 4 (time-out), 3 (terminal) and 2 (open), each a contiguous trajectory. */
function sampleBuffer(): ReplayBuffer {
  const buffer = new ReplayBuffer({ observationDim: 3, actionDim: 2 });
  let value = 0;
  for (const [length, end] of [
    [4, 'timeout'],
    [3, 'terminal'],
    [2, 'open'],
  ] as const) {
    let obs = Float32Array.of(value, 0.5, 1);
    for (let t = 0; t < length; t++) {
      value += 1;
      const next = Float32Array.of(value, -0.5, 1.5);
      const last = t === length - 1;
      buffer.add({
        observation: obs,
        action: Float32Array.of(t / 10, -t / 10),
        reward: value * 0.25,
        nextObservation: next,
        terminal: last && end === 'terminal',
        timeout: last && end === 'timeout',
      });
      obs = next;
    }
  }
  return buffer;
}

test('episodes, flags, spaces and seeds round-trip through loadMinari', async () => {
  const buffer = sampleBuffer();
  const target = join(dir, 'toy', 'sample-v0');
  const result = await writeMinari(target, buffer, {
    datasetId: 'toy/sample-v0',
    observationSpace,
    actionSpace,
    envSpec: { id: 'Toy-v0', maxEpisodeSteps: 4, kwargs: { size: 3 } },
    episodeSeeds: [11, 12, 13],
    metadata: { algorithm_name: 'scripted', author: ['llmdpd'] },
  });
  expect(result).toMatchObject({ episodes: 3, steps: 9 });
  const { buffer: back, info } = await loadMinari(target);
  expect(info.datasetId).toBe('toy/sample-v0');
  expect(info.envId).toBe('Toy-v0');
  expect(info.episodes).toBe(3);
  expect(info.transitions).toBe(9);
  const a = buffer.columns();
  const b = back.columns();
  expect(Array.from(b.observations)).toEqual(Array.from(a.observations));
  expect(Array.from(b.nextObservations)).toEqual(Array.from(a.nextObservations));
  expect(Array.from(b.actions)).toEqual(Array.from(a.actions));
  expect(Array.from(b.rewards)).toEqual(Array.from(a.rewards));
  expect(Array.from(b.terminals)).toEqual(Array.from(a.terminals));
  expect(Array.from(b.timeouts)).toEqual(Array.from(a.timeouts));
  expect(Array.from(b.episodeEnds)).toEqual([0, 0, 0, 1, 0, 0, 1, 0, 1]);
  const space = info.observationSpace as Box<'float32'>;
  expect(Array.from(space.low)).toEqual([-Infinity, -1, 0]);
  expect(Array.from(space.high)).toEqual([Infinity, 1, 2]);
  // Python's json reads the bare Infinity tokens; the outer file is plain JSON.
  const meta = JSON.parse(readFileSync(result.metadataFile, 'utf8')) as Record<string, unknown>;
  expect(meta['observation_space']).toContain('-Infinity');
  expect(parsePythonJson(meta['observation_space'] as string, 'x')).toMatchObject({ type: 'Box', shape: [3] });
  expect(JSON.parse(meta['env_spec'] as string)).toEqual({ id: 'Toy-v0', max_episode_steps: 4, kwargs: { size: 3 } });
  expect(meta).toMatchObject({ total_episodes: 3, total_steps: 9, data_format: 'hdf5', algorithm_name: 'scripted' });
});

test('it refuses an empty buffer, wrong spaces, a wrong number of seeds and non-contiguous episodes', async () => {
  const options = { datasetId: 'toy/bad-v0', observationSpace, actionSpace };
  await expect(
    writeMinari(join(dir, 'e'), new ReplayBuffer({ observationDim: 3, actionDim: 2 }), options),
  ).rejects.toThrow(ConfigError);
  await expect(
    writeMinari(join(dir, 'f'), sampleBuffer(), { ...options, actionSpace: new Box({ low: -1, high: 1, shape: [3] }) }),
  ).rejects.toThrow(/actions of 2 values/);
  await expect(writeMinari(join(dir, 'g'), sampleBuffer(), { ...options, episodeSeeds: [1] })).rejects.toThrow(
    /1 seeds but the buffer holds 3 episodes/,
  );
  const jumpy = new ReplayBuffer({ observationDim: 3, actionDim: 2 });
  for (let t = 0; t < 2; t++)
    jumpy.add({
      observation: Float32Array.of(t, 0, 0),
      action: Float32Array.of(0, 0),
      reward: 0,
      nextObservation: Float32Array.of(9, 9, 9),
      terminal: t === 1,
    });
  await expect(writeMinari(join(dir, 'h'), jumpy, options)).rejects.toThrow(/contiguous trajectory/);
});
