/**
 * The dependency-free policy runtime: its random stream and softmax draw are the library's, it
 * refuses damaged artefacts and bad inputs with messages that say how to fix them, and its
 * deterministic and diffusion rules compute what the formulas say.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pickBySoftmax as libraryPick } from '../../src/agents/diffusion/candidates.js';
import { Rng } from '../../src/core/rng.js';
import { DatasetError, SaveConflictError } from '../../src/core/errors.js';
import { loadExportedPolicy, writePolicyArtefact, type PolicyHeader } from '../../src/export/artefact.js';
import {
  createPolicy,
  loadPolicy,
  pickBySoftmax,
  PolicyRandom,
  PolicyRuntimeError,
  verifyPolicyData,
  type PolicyManifest,
} from '../../src/export/runtime.js';
import { expectClose } from '../support/tensors.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'llmdpd-runtime-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

test('the random stream is src/core/rng.ts: floats, normals (with the cached spare) and softmax draws', () => {
  const rng = new Rng(42);
  rng.normal(); // leaves a spare normal cached
  const random = new PolicyRandom(rng.getState());
  expect(Array.from(random.fillNormal(new Float32Array(7)))).toEqual(Array.from(rng.fillNormal(new Float32Array(7))));
  expect(random.float()).toBe(rng.float());
  const values = [0.3, -1, 2.5, 2.49, 0];
  for (const temperature of [0, 0.1, 1, 10])
    for (let i = 0; i < 20; i++)
      expect(pickBySoftmax(values, random, temperature)).toBe(libraryPick(values, rng, temperature));
  expect(random.getState()).toEqual(rng.getState());
  expect(() => new PolicyRandom({ words: [0, 0, 0, 0], spareNormal: null })).toThrow(PolicyRuntimeError);
});

/** A one-layer deterministic policy: a = 2·tanh(W·s + b) with standard observation and min-max action scaling. */
function tinyPolicy(dir: string): { kernel: number[]; bias: number[] } {
  const kernel = [0.5, -1, 2, 0.25]; // [2, 2]
  const bias = [0.1, -0.2];
  const header: PolicyHeader = {
    agent: 'TestAgent',
    libraryVersion: '0.0.0',
    step: 7,
    observationDim: 2,
    actionDim: 2,
    scalers: {
      observation: { kind: 'standard', mean: [1, -1], std: [2, 0.5], epsilon: 0 },
      action: { kind: 'min-max', minimum: [-4, 0], maximum: [4, 10], bound: 2 },
    },
    context: null,
    condition: { actor: null, critic: null },
    acting: {
      kind: 'deterministic',
      actor: {
        inputDim: 2,
        outputDim: 2,
        layers: [{ kernel: 'actor/l0/kernel', bias: 'actor/l0/bias', activation: 'linear' }],
      },
      squash: 'tanh',
      maxAction: 2,
    },
    random: new Rng(0).getState(),
  };
  writePolicyArtefact(dir, header, {
    'actor/l0/kernel': { shape: [2, 2], data: Float32Array.from(kernel) },
    'actor/l0/bias': { shape: [2], data: Float32Array.from(bias) },
  });
  return { kernel, bias };
}

test('a deterministic policy scales, applies the network and maps actions back', () => {
  const dir = join(root, 'tiny');
  const { kernel, bias } = tinyPolicy(dir);
  const policy = loadExportedPolicy(dir);
  const s = [3, 0];
  const z = [(s[0] - 1) / 2, (s[1] + 1) / 0.5]; // standardised
  const pre = [z[0] * kernel[0] + z[1] * kernel[2] + bias[0], z[0] * kernel[1] + z[1] * kernel[3] + bias[1]];
  const scaled = pre.map((v) => 2 * Math.tanh(v)); // in [-2, 2]
  const want = [(scaled[0] / 2) * 4 + 0, (scaled[1] / 2) * 5 + 5]; // back onto [-4, 4] and [0, 10]
  expectClose(policy.act(s), want, 1e-5);
  expectClose(policy.actBatch([...s, ...s]), [...want, ...want], 1e-5);
  expect(() => policy.act([1, 2, 3])).toThrow(
    /act takes one observation of 2 numbers, got 3; use actBatch for several/,
  );
  expect(() => policy.actBatch([1, 2, 3])).toThrow(/actBatch takes N observations of 2 numbers each/);
  expect(() => policy.act([1, NaN])).toThrow(
    /observation value 1 of row 0 is NaN; every value must be a finite number/,
  );
});

test('damaged or foreign artefacts are refused with the fix', async () => {
  const dir = join(root, 'damaged');
  tinyPolicy(dir);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as PolicyManifest;
  const data = readFileSync(join(dir, manifest.dataFile));
  expect(() => createPolicy({ ...manifest, format: 'llmdpd.agent' }, data)).toThrow(
    /not an exported llmdpd policy \(format "llmdpd.agent", expected 'llmdpd.policy'\)/,
  );
  expect(() => createPolicy({ ...manifest, formatVersion: 9 }, data)).toThrow(/this runtime reads version 1/);
  expect(() => createPolicy(manifest, data.subarray(0, 8))).toThrow(/The weights have 8 bytes, but the manifest says/);
  const flipped = Uint8Array.from(data);
  flipped[3] ^= 1;
  await expect(verifyPolicyData(manifest, flipped)).rejects.toThrow(
    /Column 'actor\/l0\/kernel' .* does not match its checksum/,
  );
  await expect(verifyPolicyData(manifest, data)).resolves.toBeUndefined();
  writeFileSync(join(dir, manifest.dataFile), flipped);
  expect(() => loadExportedPolicy(dir)).toThrow(DatasetError);
  // A policy is never written over another kind of save.
  const checkpoint = join(root, 'not-a-policy');
  writePolicyArtefact(checkpoint, { ...(manifest as unknown as PolicyHeader) }, {});
  const text = readFileSync(join(checkpoint, 'manifest.json'), 'utf8').replace('"llmdpd.policy"', '"llmdpd.agent"');
  writeFileSync(join(checkpoint, 'manifest.json'), text);
  expect(() => tinyPolicy(checkpoint)).toThrow(SaveConflictError);
});

test('loadPolicy reads a folder over fetch and checks the checksums', async () => {
  const dir = join(root, 'fetched');
  tinyPolicy(dir);
  const fetch = async (url: string) => {
    const file = join(dir, url.replace('mem://policy/', ''));
    let bytes: Buffer | null = null;
    try {
      bytes = readFileSync(file);
    } catch {
      bytes = null;
    }
    return {
      ok: bytes !== null,
      status: bytes === null ? 404 : 200,
      json: async () => JSON.parse(bytes!.toString('utf8')) as unknown,
      arrayBuffer: async () => new Uint8Array(bytes!).buffer,
    };
  };
  const policy = await loadPolicy('mem://policy', { fetch });
  expectClose(policy.act([3, 0]), loadExportedPolicy(dir).act([3, 0]), 0);
  await expect(loadPolicy('mem://nowhere', { fetch })).rejects.toThrow(
    /Fetching mem:\/\/nowhere\/manifest.json failed with HTTP 404; serve the whole exported folder/,
  );
});
