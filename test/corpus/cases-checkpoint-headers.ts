/**
 * Class 2, for agent checkpoints: a checkpoint whose bytes pass their checksums is still not
 * trusted. Every header field is checked for type, range, finiteness and consistency with the
 * config before anything is built; a config that asks for networks larger than the stored
 * weights is refused before they are allocated; stored shapes must be those of the agent the
 * config builds; weights and optimiser moments must be finite (Adam's second moments >= 0).
 * Every failure is a CheckpointError (a DatasetError) naming the field or column.
 */
import { CheckpointError, ConfigError } from '../../src/core/errors.js';
import { type CheckpointKind, loadCheckpoint, savedStep, writeValidCheckpoint } from '../support/valid-checkpoints.js';
import {
  type CorpusCase,
  type Manifest,
  LOADS,
  editColumn,
  fails,
  readManifest,
  writeManifest,
} from './corpus-case.js';

type Json = Record<string, unknown>;
const obj = (m: Json, key: string): Json => m[key] as Json;
const config = (m: Manifest): Json => obj(m, 'config');
const rng = (m: Manifest, stream: string): Json => obj(obj(m, 'rng'), stream);
const promptsState = (m: Manifest): Json => obj(obj(m, 'conditioning'), 'kind');

/**
 * A case that copies a valid checkpoint of `kind`, edits its manifest (`raw` replaces
 * placeholder strings by literal JSON such as `1e999`) and loads it. With `expected` null it
 * must load at the step it was saved at.
 */
function header(
  id: string,
  kind: CheckpointKind,
  edit: (m: Manifest) => void,
  expected: RegExp | null | { error: typeof ConfigError; message: RegExp },
  raw: Record<string, string> = {},
): CorpusCase {
  return {
    id: `2-checkpoint-${id}`,
    issueClass: 2,
    run: async (dir) => {
      await writeValidCheckpoint(kind, dir);
      const m = readManifest(dir);
      edit(m);
      writeManifest(dir, m, raw);
      const agent = loadCheckpoint(kind, dir);
      const step = agent.step;
      agent.dispose();
      if (step !== savedStep(kind)) throw new Error(`loaded at step ${step}, expected ${savedStep(kind)}`);
    },
    expected:
      expected === null
        ? LOADS
        : expected instanceof RegExp
          ? fails(CheckpointError, expected)
          : fails(expected.error, expected.message),
  };
}

/** A case that edits one column's values (checksums recomputed, so only validation can catch it). */
function column(
  id: string,
  kind: CheckpointKind,
  name: string,
  edit: (v: DataView, n: number) => void,
  message: RegExp,
): CorpusCase {
  return {
    id: `2-checkpoint-${id}`,
    issueClass: 2,
    run: async (dir) => {
      await writeValidCheckpoint(kind, dir);
      editColumn(dir, name, edit);
      return loadCheckpoint(kind, dir);
    },
    expected: fails(CheckpointError, message),
  };
}

const INF = { INF: '1e999' };

export const CHECKPOINT_HEADER_CASES: readonly CorpusCase[] = [
  // step
  header('step-negative', 'diffusion-ql', (m) => (m['step'] = -5), /'step' must be an integer >= 0, found -5/),
  header('step-string', 'diffusion-ql', (m) => (m['step'] = 'abc'), /'step' must be an integer >= 0, found "abc"/),
  header('step-infinite', 'diffusion-ql', (m) => (m['step'] = 'INF'), /'step' must be .*found Infinity/, INF),
  header('step-fraction', 'bc', (m) => (m['step'] = 2.5), /'step' must be an integer >= 0, found 2.5/),
  header('step-missing', 'llmdpd', (m) => delete m['step'], /'step' must be .*found nothing \(the field is missing\)/),
  header('step-beyond-2-53', 'bc', (m) => (m['step'] = 2 ** 60), /'step' must be an integer >= 0, found 1152921504/),
  // optimiser steps
  header(
    'optimizer-step-negative',
    'diffusion-ql',
    (m) => (obj(m, 'optimizerSteps')['actor'] = -1),
    /'optimizerSteps.actor' must be an integer >= 0, found -1/,
  ),
  header(
    'optimizer-step-string',
    'llmdpd',
    (m) => (obj(m, 'optimizerSteps')['critic'] = '2'),
    /'optimizerSteps.critic' must be an integer >= 0, found "2"/,
  ),
  header(
    'optimizer-step-missing',
    'diffusion-ql',
    (m) => delete obj(m, 'optimizerSteps')['critic'],
    /'optimizerSteps.critic' must be an integer >= 0 \(updates the agent's optimiser 'critic' has applied\), found nothing/,
  ),
  header('optimizer-steps-not-object', 'bc', (m) => (m['optimizerSteps'] = [2]), /'optimizerSteps' must be an object/),
  // random streams
  header('rng-missing', 'diffusion-ql', (m) => delete m['rng'], /'rng' must be an object \{ sampler, noise, acting \}/),
  header('rng-noise-missing', 'bc', (m) => delete obj(m, 'rng')['noise'], /'rng.noise' must be a random-stream state/),
  header(
    'rng-words-short',
    'llmdpd',
    (m) => (rng(m, 'sampler')['words'] = [1, 2, 3]),
    /'rng.sampler.words' must be four unsigned 32-bit integers, not all zero, found \[1,2,3\]/,
  ),
  header(
    'rng-words-zero',
    'diffusion-ql',
    (m) => (rng(m, 'acting')['words'] = [0, 0, 0, 0]),
    /'rng.acting.words' must be four unsigned 32-bit integers, not all zero, found \[0,0,0,0\]/,
  ),
  header(
    'rng-word-too-large',
    'bc',
    (m) => (rng(m, 'noise')['words'] = [2 ** 32, 1, 2, 3]),
    /'rng.noise.words' must be four .*found \[4294967296,1,2,3\]/,
  ),
  header(
    'rng-spare-infinite',
    'diffusion-ql',
    (m) => (rng(m, 'noise')['spareNormal'] = 'INF'),
    /'rng.noise.spareNormal' must be a finite number or null, found Infinity/,
    INF,
  ),
  // config
  header('config-missing', 'diffusion-ql', (m) => delete m['config'], /'config' must be an object/),
  header('config-array', 'bc', (m) => (m['config'] = [1, 2]), /'config' must be an object/),
  header(
    'config-infinite',
    'diffusion-ql',
    (m) => (config(m)['discount'] = 'INF'),
    /'config.discount' must be a finite number, found Infinity/,
    INF,
  ),
  header(
    'config-nested-too-deep',
    'diffusion-ql',
    (m) => (config(m)['betaSchedule'] = 'DEEP'),
    /'config.betaSchedule(\[0\])+' nests deeper than the 32 levels a config may have/,
    { DEEP: `${'['.repeat(100_000)}${']'.repeat(100_000)}` },
  ),
  header(
    'config-observation-dim-zero',
    'bc',
    (m) => (config(m)['observationDim'] = 0),
    /'config.observationDim' must be an integer >= 1, found 0/,
  ),
  header(
    'config-hidden-absurd',
    'diffusion-ql',
    (m) => (config(m)['hiddenDims'] = [1e9]),
    /asks for larger networks than the checkpoint holds.*config.hiddenDims\[0\] = 1000000000/,
  ),
  header(
    'config-hidden-2-31',
    'bc',
    (m) => (config(m)['hiddenDims'] = [2 ** 31]),
    /config.hiddenDims\[0\] = 2147483648|one weight array may hold at most/,
  ),
  header(
    'config-critic-hidden-absurd',
    'llmdpd',
    (m) => (config(m)['criticHiddenDims'] = [100_000, 100_000]),
    /larger networks than the checkpoint holds.*config.criticHiddenDims\[0\] = 100000/,
  ),
  header(
    'config-trajectory-width-absurd',
    'llmdpd',
    (m) => (obj(config(m), 'conditioner')['trajectoryWidth'] = 1_000_000),
    /larger networks .*config.conditioner.trajectoryWidth = 1000000/,
  ),
  header(
    'config-diffusion-steps-absurd',
    'diffusion-ql',
    (m) => (config(m)['diffusionSteps'] = 1e12),
    /building the 1000000000000-step diffusion schedule brings them to .*config.diffusionSteps = 1000000000000/,
  ),
  header(
    'config-hidden-doubled',
    'diffusion-ql',
    (m) => (config(m)['hiddenDims'] = [16]),
    /variable actor\/\d+ of shape \[.*16.*\], but the checkpoint stores \[.*8.*\]: the header's config does not match/,
  ),
  header(
    'config-conditioner-added',
    'diffusion-ql',
    (m) => (config(m)['conditioner'] = { kind: 'task-id', tasks: ['a', 'b'], embeddingDim: 4 }),
    /config does not match the stored weights|'conditioning.kind' must be/,
  ),
  header(
    'config-field-invalid',
    'diffusion-ql',
    (m) => (config(m)['tau'] = 'abc'),
    /config cannot be built: DiffusionQLConfig.tau must be/,
  ),
  header(
    'config-field-unknown',
    'bc',
    (m) => (config(m)['learningRat'] = 0.1),
    /config cannot be built: BCConfig has no field 'learningRat'/,
  ),
  // identity and informational fields
  header('agent-not-string', 'diffusion-ql', (m) => (m['agent'] = 5), /'agent' must be the name of the agent class/),
  header('agent-other-class', 'bc', (m) => (m['agent'] = 'DiffusionQLAgent'), {
    error: ConfigError,
    message: /holds a DiffusionQLAgent checkpoint, not a BCAgent one; load it with DiffusionQLAgent.load/,
  }),
  header('library-version-number', 'bc', (m) => (m['libraryVersion'] = 1), /'libraryVersion' must be a version string/),
  // conditioner state (format 2)
  header('conditioning-missing', 'diffusion-ql', (m) => delete m['conditioning'], /'conditioning' must be an object/),
  header(
    'conditioning-draws-malformed',
    'bc',
    (m) => (obj(m, 'conditioning')['draws'] = { words: 'x' }),
    /'conditioning.draws.words' must be four unsigned 32-bit integers, not all zero, found "x"/,
  ),
  header(
    'conditioning-kind-for-none',
    'diffusion-ql',
    (m) => (obj(m, 'conditioning')['kind'] = { texts: [] }),
    /'conditioning.kind' must be null \(a 'none' conditioner keeps no state\)/,
  ),
  header(
    'text-encoder-missing',
    'llmdpd',
    (m) => delete promptsState(m)['textEncoder'],
    /'conditioning.kind.textEncoder' must be an object \{ id, dimension, instruction \}, found nothing/,
  ),
  header(
    'texts-missing',
    'llmdpd',
    (m) => delete promptsState(m)['texts'],
    /'conditioning.kind.texts' must be an array of strings, found nothing/,
  ),
  header(
    'text-vector-short',
    'llmdpd',
    (m) => (promptsState(m)['textVectors'] as number[][])[1].pop(),
    /'conditioning.kind.textVectors\[1\]' must be an array of 16 numbers, found an array of 15 values/,
  ),
  header(
    'text-vector-infinite',
    'llmdpd',
    (m) => ((promptsState(m)['textVectors'] as unknown[][])[0][3] = 'INF'),
    /'conditioning.kind.textVectors\[0\]\[3\]' must be a finite number, found Infinity/,
    INF,
  ),
  header(
    'text-vector-string',
    'llmdpd',
    (m) => ((promptsState(m)['textVectors'] as unknown[][])[1][0] = '0.5'),
    /'conditioning.kind.textVectors\[1\]\[0\]' must be a finite number, found "0.5"/,
  ),
  header(
    'texts-duplicated',
    'llmdpd',
    (m) => {
      const texts = promptsState(m)['texts'] as string[];
      texts[1] = texts[0];
    },
    /'conditioning.kind.texts\[1\]' must be a text not listed before/,
  ),
  header(
    'text-encoder-dimension-mismatch',
    'llmdpd',
    (m) => (obj(promptsState(m), 'textEncoder')['dimension'] = 17),
    /'conditioning.kind.textEncoder.dimension' must be 16, the config's textEmbeddingDim, found 17/,
  ),
  header(
    'trajectory-dropout-stream-missing',
    'llmdpd',
    (m) => (obj(m, 'conditioning')['network'] = null),
    /'conditioning.network' must be a random-stream state \{ words, spareNormal \}, found null/,
  ),
  // fitted scalers (BC standardises observations by default; Diffusion-QL scales nothing)
  header(
    'scalers-not-object',
    'bc',
    (m) => (m['scalers'] = 'standard'),
    /'scalers' must be an object \{ observation, action, reward \}, found "standard"/,
  ),
  header(
    'scaler-std-infinite',
    'bc',
    (m) => (obj(obj(m, 'scalers'), 'observation')['std'] = [1, 'INF', 1]),
    /'scalers.observation.std\[1\]' must be a finite number >= 0, found Infinity/,
    INF,
  ),
  header(
    'scaler-std-negative',
    'bc',
    (m) => ((obj(obj(m, 'scalers'), 'observation')['std'] as number[])[2] = -1),
    /'scalers.observation.std\[2\]' must be a finite number >= 0, found -1/,
  ),
  header(
    'scaler-mean-short',
    'bc',
    (m) => (obj(obj(m, 'scalers'), 'observation')['mean'] as number[]).pop(),
    /'scalers.observation.mean' must be a number or an array of 3 numbers/,
  ),
  header(
    'scaler-epsilon-zero',
    'bc',
    (m) => (obj(obj(m, 'scalers'), 'observation')['epsilon'] = 0),
    /'scalers.observation.epsilon' must be a finite number > 0, found 0/,
  ),
  header(
    'scaler-kind-not-config',
    'diffusion-ql',
    (m) => (obj(m, 'scalers')['action'] = { kind: 'min-max', minimum: [-1, -1], maximum: [1, 1], bound: 1 }),
    /'scalers.action.kind' must be "none" \(config.actionScaler.kind\), found "min-max"/,
  ),
  header('scalers-unfitted-loads', 'diffusion-ql', (m) => (obj(m, 'scalers')['observation'] = null), null),
  // normaliser statistics (a BC checkpoint written before scalers existed: read as its standard observation scaler)
  header(
    'pre-scaler-normalizer-loads',
    'bc',
    (m) => {
      const o = obj(obj(m, 'scalers'), 'observation');
      m['normalizer'] = { mean: o['mean'], std: o['std'] };
      delete m['scalers'];
    },
    null,
  ),
  header(
    'normalizer-std-negative',
    'bc',
    (m) => {
      delete m['scalers'];
      m['normalizer'] = { mean: [0, 0, 0], std: [1, 1, -1] };
    },
    /'normalizer.std\[2\]' must be a finite number >= 0, found -1/,
  ),
  header(
    'normalizer-mean-short',
    'bc',
    (m) => {
      delete m['scalers'];
      m['normalizer'] = { mean: [0, 0], std: [1, 1, 1] };
    },
    /'normalizer.mean' must be an array of 3 numbers \(config.observationDim\)/,
  ),
  // format 1 (library 0.1.0)
  header(
    'v1-text-encoder-missing',
    'llmdpd-0.1.0',
    (m) => delete m['textEncoder'],
    /'textEncoder' must be an object \{ id, dimension, instruction \}, found nothing/,
  ),
  header('v1-texts-missing', 'llmdpd-0.1.0', (m) => delete m['texts'], /'texts' must be an array of strings/),
  header(
    'v1-text-vector-short',
    'llmdpd-0.1.0',
    (m) => (m['textVectors'] as number[][])[0].splice(5, 3),
    /'textVectors\[0\]' must be an array of 32 numbers/,
  ),
  header('v1-step-negative', 'diffusion-ql-0.1.0', (m) => (m['step'] = -1), /'step' must be an integer >= 0, found -1/),
  header('v1-llmdpd-valid-loads', 'llmdpd-0.1.0', () => {}, null),
  header('v1-diffusion-ql-valid-loads', 'diffusion-ql-0.1.0', () => {}, null),
  // stored layout
  header(
    'column-shape-transposed',
    'diffusion-ql',
    (m) => {
      const c = m.columns.find((x) => x.name === 'critic/0')!;
      c.shape = [...c.shape].reverse();
    },
    /variable critic\/0 of shape \[(\d+), (\d+)\], but the checkpoint stores \[\2, \1\]/,
  ),
  header(
    'column-left-over',
    'bc',
    (m) => m.columns.push({ ...m.columns[0], name: 'actor/99' }),
    /stores 1 column\(s\) that no variable .* takes \(actor\/99\)/,
  ),
  // values (checksums recomputed)
  column(
    'weight-nan',
    'diffusion-ql',
    'actor/0',
    (v) => v.setFloat32(0, NaN, true),
    /'actor\/0' holds NaN at \[0, 0\]/,
  ),
  column(
    'weight-infinite',
    'bc',
    'actor/1',
    (v) => v.setFloat32(4, -Infinity, true),
    /'actor\/1' holds -Infinity at \[1\] .*must be finite/,
  ),
  column(
    'conditioner-weight-nan',
    'llmdpd',
    'conditioner/0',
    (v) => v.setFloat32(8, NaN, true),
    /'conditioner\/0' holds NaN at \[0, 2\]/,
  ),
  column(
    'first-moment-nan',
    'diffusion-ql',
    'optimizer/critic/m/1',
    (v) => v.setFloat32(0, NaN, true),
    /'optimizer\/critic\/m\/1' holds NaN/,
  ),
  column(
    'second-moment-negative',
    'diffusion-ql',
    'optimizer/actor/v/0',
    (v) => v.setFloat32(4, -0.5, true),
    /'optimizer\/actor\/v\/0' holds -0.5 at \[0, 1\] .*; Adam's second moments are averages of squares, finite and never negative/,
  ),
  column(
    'second-moment-infinite',
    'bc',
    'optimizer/actor/v/0',
    (v) => v.setFloat32(0, Infinity, true),
    /'optimizer\/actor\/v\/0' holds Infinity/,
  ),
  // valid variants
  header('valid-diffusion-ql-loads', 'diffusion-ql', () => {}, null),
  header('valid-llmdpd-loads', 'llmdpd', () => {}, null),
  header('valid-bc-loads', 'bc', () => {}, null),
  header('valid-extra-field-loads', 'bc', (m) => (m['notes'] = 'trained on the cluster'), null),
  {
    id: '2-checkpoint-valid-act-after-load',
    issueClass: 2,
    run: async (dir) => {
      await writeValidCheckpoint('diffusion-ql', dir);
      const a = loadCheckpoint('diffusion-ql', dir);
      const b = loadCheckpoint('diffusion-ql', dir);
      const o = Float32Array.of(0.1, -0.2, 0.3);
      const x = Array.from(a.act(o));
      const y = Array.from(b.act(o));
      a.dispose();
      b.dispose();
      // Two loads of one checkpoint hold the same weights and acting stream: the same action.
      if (x.length !== 2 || x.some((v, i) => !Number.isFinite(v) || v !== y[i]))
        throw new Error(`actions ${JSON.stringify(x)} and ${JSON.stringify(y)}`);
    },
    expected: LOADS,
  },
];
