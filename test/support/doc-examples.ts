/**
 * Extracts the code examples of the documentation, so tests can compile (and run) them as a
 * user would and they never drift from the API: the fenced `ts` blocks of a Markdown file and
 * the fenced blocks after `@example` in the TSDoc comments of the sources.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One code example and where it came from. */
export interface DocExample {
  /** `README.md:42` or `src/eval/evaluate.ts:210`: the line of the opening fence. */
  readonly origin: string;
  /** The code, without comment stars. */
  readonly code: string;
}

/** The ```ts / ```typescript blocks of a Markdown file. */
export function markdownExamples(path: string, root: string): DocExample[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: DocExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i])) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    out.push({ origin: `${relative(root, path)}:${start + 1}`, code: `${body.join('\n')}\n` });
  }
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return tsFiles(path);
      return name.endsWith('.ts') ? [path] : [];
    });
}

/** The fenced TypeScript block after each `@example` tag in the `/** ... *\/` comments of every .ts file under `dir`. */
export function tsdocExamples(dir: string, root: string): DocExample[] {
  const out: DocExample[] = [];
  for (const file of tsFiles(dir)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!/^\s*\*\s*@example\b/.test(lines[i])) continue;
      let j = i + 1;
      while (
        j < lines.length &&
        !/^\s*\*\s*```/.test(lines[j]) &&
        !/^\s*\*\s*@\w/.test(lines[j]) &&
        !/\*\//.test(lines[j])
      )
        j++;
      if (j >= lines.length || !/^\s*\*\s*```/.test(lines[j])) {
        throw new Error(`${relative(root, file)}:${i + 1}: @example without a fenced code block`);
      }
      if (!/^\s*\*\s*```(ts|typescript)?\s*$/.test(lines[j])) continue; // JSON and other languages
      const start = j;
      const body: string[] = [];
      for (j++; j < lines.length && !/^\s*\*\s*```\s*$/.test(lines[j]); j++)
        body.push(lines[j].replace(/^\s*\*( |$)/, ''));
      out.push({ origin: `${relative(root, file)}:${start + 1}`, code: `${body.join('\n')}\n` });
      i = j;
    }
  }
  return out;
}
