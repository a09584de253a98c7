/**
 * Exported policies in a real browser: a headless Chromium loads the runtime (the standalone
 * `src/export/runtime.ts`, compiled as the package ships it) from a page served on localhost,
 * fetches two exported policies (LLMDPD: diffusion acting with a prompt condition and scalers;
 * BC: deterministic acting with standardised observations and action scaling) and acts, and its
 * actions equal the agents' for the same observations and random state.
 *
 * Needs Debian's `chromium` (`apt-get install -y chromium`) or `LLMDPD_CHROMIUM`. Without one it
 * is skipped with the reason printed, except where `LLMDPD_REQUIRE_CHROMIUM=1` (CI sets it), where
 * a missing browser fails the run instead of hiding the check.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import ts from 'typescript';
import { BCAgent } from '../../src/agents/bc.js';
import { LLMDPDAgent } from '../../src/agents/llmdpd.js';
import { MultiTaskDataset } from '../../src/buffers/multi-task-dataset.js';
import { Rng } from '../../src/core/rng.js';
import { HashedNgramTextEncoder } from '../../src/encoders/text/hashed-text-encoder.js';
import { initEngine } from '../../src/engine/index.js';
import { randomBuffer } from '../support/agent-conformance.js';
import { chromiumPath, HeadlessChromium } from '../support/chromium.js';
import { expectClose } from '../support/tensors.js';

const executable = chromiumPath();
const skipReason =
  executable === null
    ? "no Chromium found (install Debian's chromium with `apt-get install -y chromium`, or set LLMDPD_CHROMIUM)"
    : null;
if (skipReason !== null && process.env['LLMDPD_REQUIRE_CHROMIUM'] === '1')
  throw new Error(`test/export/browser.test.ts: LLMDPD_REQUIRE_CHROMIUM=1 but ${skipReason}`);
if (skipReason !== null) console.warn(`test/export/browser.test.ts skipped: ${skipReason}`);

/** What the page computes for one exported policy. */
interface BrowserCase {
  readonly name: string;
  readonly observationDim: number;
  readonly observations: number[];
}

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>llmdpd policy runtime</title>
<script type="module">
  import { loadPolicy } from './runtime.js';
  try {
    const cases = await (await fetch('./cases.json')).json();
    const out = {};
    for (const c of cases) {
      const policy = await loadPolicy('./policies/' + c.name + '/');
      const batch = Array.from(policy.actBatch(c.observations));
      const one = Array.from(policy.act(c.observations.slice(0, c.observationDim)));
      out[c.name] = { batch, one };
    }
    window.__result = out;
  } catch (error) {
    window.__result = { error: String(error && error.stack || error) };
  }
</script>`;

const WAIT_FOR_RESULT = `new Promise((resolve) => {
  const poll = () => (window.__result ? resolve(window.__result) : setTimeout(poll, 20));
  poll();
})`;

(skipReason === null ? describe : describe.skip)('exported policies in headless Chromium', () => {
  let root: string;
  let server: Server;
  let browser: HeadlessChromium | null = null;
  const expected: Record<string, { batch: number[]; one: number[] }> = {};
  const cases: BrowserCase[] = [];

  beforeAll(async () => {
    await initEngine({ backend: 'wasm' });
    root = mkdtempSync(join(tmpdir(), 'llmdpd-browser-'));
    const rng = new Rng(11);

    // LLMDPD on two prompted tasks, observations standardised, actions min-max scaled.
    const tasks = ['reach the north target', 'reach the east target'].map((text, i) => {
      const buffer = randomBuffer(4, 2, 256, 30 + i);
      return {
        name: `task-${i}`,
        buffer,
        textPrompt: text,
        trajectoryPrompt: buffer.trajectory({ start: 0, length: 6 }),
      };
    });
    const dataset = new MultiTaskDataset(tasks);
    const encoder = new HashedNgramTextEncoder({ dimension: 32 });
    const llmdpd = new LLMDPDAgent(
      {
        observationDim: 4,
        actionDim: 2,
        batchSize: 16,
        hiddenDims: [32, 32],
        criticHiddenDims: [32, 32],
        actionCandidates: 6,
        textHeadHiddenDims: [16],
        textOutputDim: 8,
        trajectoryOutputDim: 8,
        trajectoryWidth: 16,
        trajectoryLayers: 1,
        trajectoryFeedForwardDim: 32,
        trajectoryPromptLength: 5,
        observationScaler: { kind: 'standard' },
        actionScaler: { kind: 'min-max' },
      },
      { textEncoder: encoder },
    );
    await llmdpd.fit(dataset, { steps: 6, progress: 'off' });
    const context = { textPrompt: tasks[1].textPrompt, trajectoryPrompt: tasks[1].trajectoryPrompt };
    await llmdpd.exportPolicy(join(root, 'policies', 'llmdpd'), { context });
    const llmdpdObservations = Array.from(rng.fillNormal(new Float32Array(3 * 4)));
    const bound = await llmdpd.policy(context);
    expected['llmdpd'] = {
      batch: Array.from(bound.actBatch(Float32Array.from(llmdpdObservations))),
      one: Array.from(bound.act(Float32Array.from(llmdpdObservations.slice(0, 4)))),
    };
    cases.push({ name: 'llmdpd', observationDim: 4, observations: llmdpdObservations });
    llmdpd.dispose();

    // BC, deterministic, on one task.
    const bc = new BCAgent({
      observationDim: 4,
      actionDim: 2,
      batchSize: 16,
      hiddenDims: [16],
      actionScaler: { kind: 'min-max' },
    });
    await bc.fit(randomBuffer(4, 2, 256, 40), { steps: 6, progress: 'off' });
    await bc.exportPolicy(join(root, 'policies', 'bc'));
    const bcObservations = Array.from(rng.fillNormal(new Float32Array(4 * 4)));
    expected['bc'] = {
      batch: Array.from(bc.actBatch(Float32Array.from(bcObservations))),
      one: Array.from(bc.act(Float32Array.from(bcObservations.slice(0, 4)))),
    };
    cases.push({ name: 'bc', observationDim: 4, observations: bcObservations });
    bc.dispose();

    // The runtime as the package ships it: the TypeScript source compiled to one ES module.
    const runtime = ts.transpileModule(readFileSync(new URL('../../src/export/runtime.ts', import.meta.url), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const files: Record<string, { type: string; body: string | Buffer }> = {
      '/index.html': { type: 'text/html', body: PAGE },
      '/runtime.js': { type: 'text/javascript', body: runtime },
      '/cases.json': { type: 'application/json', body: JSON.stringify(cases) },
    };
    server = createServer((request, response) => {
      const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
      const file = files[path];
      if (file !== undefined) {
        response.writeHead(200, { 'content-type': file.type }).end(file.body);
        return;
      }
      const local = normalize(join(root, path));
      if (path.startsWith('/policies/') && local.startsWith(root)) {
        try {
          const body = readFileSync(local);
          response
            .writeHead(200, {
              'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream',
            })
            .end(body);
          return;
        } catch {
          // fall through to 404
        }
      }
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    browser = HeadlessChromium.launch(executable!);
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    rmSync(root, { recursive: true, force: true });
  });

  test('the page loads each policy over HTTP and returns the agents’ actions', async () => {
    const port = (server.address() as AddressInfo).port;
    const session = await browser!.open(`http://127.0.0.1:${port}/index.html`);
    const result = (await browser!.evaluate(session, WAIT_FOR_RESULT)) as Record<
      string,
      { batch: number[]; one: number[] }
    > & {
      error?: string;
    };
    if (result.error !== undefined) throw new Error(`the page failed: ${result.error}`);
    for (const name of ['llmdpd', 'bc']) {
      expectClose(result[name].batch, expected[name].batch, 1e-4, 1e-4);
      expectClose(result[name].one, expected[name].one, 1e-4, 1e-4);
    }
  });
});
