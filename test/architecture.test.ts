import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALLOWED_AREAS, checkImports, importSpecifiers, readSourceTree, REPO_ROOT } from './support/architecture.js';

/** The module-rules table of a document (CONTRIBUTING.md, docs/architecture.md), as area -> allowed areas. */
function documentedRules(file: string): Record<string, string[]> {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const table = /<!-- module-rules:start -->([\s\S]*?)<!-- module-rules:end -->/.exec(text);
  if (!table) throw new Error(`${file} has no module-rules table between its markers`);
  const rules: Record<string, string[]> = {};
  for (const row of table[1].split('\n').filter((line) => /^\| `/.test(line))) {
    const [area, allowed] = row
      .split('|')
      .slice(1, 3)
      .map((cell) => cell.trim());
    const name = area.replace(/`/g, '');
    rules[name] =
      allowed === '(nothing)' ? [] : allowed === 'every area' ? ['*'] : allowed.split(',').map((a) => a.trim());
  }
  return rules;
}

describe('architecture rules (CONTRIBUTING.md, docs/architecture.md)', () => {
  test('the source tree follows every import rule', () => {
    const files = readSourceTree(REPO_ROOT);
    expect(files.length).toBeGreaterThan(20);
    expect(checkImports(files)).toEqual([]);
  });

  test('the parser sees static, re-export, side-effect and dynamic imports', () => {
    const text = [
      "import * as tf from '@tensorflow/tfjs-core';",
      "import type { Batch } from '../core/types.js';",
      "export { Rng } from '../core/rng.js';",
      "import '@tensorflow/tfjs-backend-wasm';",
      "const m = await import('@tensorflow/tfjs-node');",
      "import {\n  a,\n  b,\n} from './multi-line.js';",
    ].join('\n');
    expect(importSpecifiers(text).sort()).toEqual(
      [
        '../core/rng.js',
        '../core/types.js',
        './multi-line.js',
        '@tensorflow/tfjs-backend-wasm',
        '@tensorflow/tfjs-core',
        '@tensorflow/tfjs-node',
      ].sort(),
    );
  });

  test('each kind of violation is reported', () => {
    const problems = checkImports([
      { path: 'src/buffers/bad.ts', text: "import * as tf from '@tensorflow/tfjs-core';" },
      { path: 'src/envs/bad.ts', text: "import { LLMDPDAgent } from '../agents/llmdpd.js';" },
      { path: 'src/nets/bad.ts', text: "import '@tensorflow/tfjs-backend-wasm';" },
      { path: 'src/agents/bc.ts', text: "import { DiffusionQLAgent } from './diffusion-ql.js';" },
      {
        path: 'src/agents/diffusion-ql.ts',
        text: "import { mlp } from './common/networks.js';\nimport type { Agent } from './agent.js';",
      },
      { path: 'src/core/bad.ts', text: "import { ReplayBuffer } from '../buffers/replay-buffer.js';" },
      { path: 'src/engine/ok.ts', text: "await import('@tensorflow/tfjs-node-gpu');" },
      { path: 'src/export/runtime.ts', text: "import { Rng } from '../core/rng.js';" },
      { path: 'src/compare/bad.ts', text: "import { main } from '../cli/index.js';" },
      { path: 'src/cli/ok.ts', text: "import { runComparison } from '../compare/index.js';" },
    ]);
    expect(problems).toHaveLength(7);
    expect(problems[0]).toMatch(/src\/buffers\/bad.ts imports @tensorflow\/tfjs-core; buffers must not depend on tfjs/);
    expect(problems[1]).toMatch(/src\/envs\/bad.ts \(envs\) imports .* from agents/);
    expect(problems[2]).toMatch(/only src\/engine may load tfjs backends/);
    expect(problems[3]).toMatch(/src\/agents\/bc.ts imports another agent/);
    expect(problems[4]).toMatch(/src\/core\/bad.ts \(core\) imports .* from buffers/);
    expect(problems[5]).toMatch(/src\/export\/runtime.ts imports ..\/core\/rng.js; it must stay a standalone module/);
    expect(problems[6]).toMatch(/src\/compare\/bad.ts \(compare\) imports .* from cli/);
  });

  test.each(['CONTRIBUTING.md', 'docs/architecture.md'])(
    "%s's module-rules table states exactly the enforced rules",
    (file) => {
      const documented = documentedRules(file);
      const enforced: Record<string, string[]> = {};
      for (const [area, allowed] of Object.entries(ALLOWED_AREAS)) {
        enforced[area] = area === 'root' ? ['*'] : [...allowed].sort();
      }
      for (const area of Object.keys(documented)) documented[area] = [...documented[area]].sort();
      expect(documented).toEqual(enforced);
    },
  );

  test('a declared agent variant may import the agent it specialises, and nothing else', () => {
    const variant = "import { DiffusionQLAgent } from './diffusion-ql.js';";
    expect(checkImports([{ path: 'src/agents/llmdpd.ts', text: variant }])).toEqual([]);
    expect(checkImports([{ path: 'src/agents/llmdpd.ts', text: "import { BCAgent } from './bc.js';" }])).toHaveLength(
      1,
    );
  });
});
