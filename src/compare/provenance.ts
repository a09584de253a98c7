/**
 * Where a run came from, for `params.json`: the library's name and version, and the git
 * commit of the checkout it runs from (runs tagged by commit, as CORL and CleanRL do), read
 * from the `.git` files directly (no `git` process; works in worktrees and with packed refs).
 *
 * @module
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIBRARY_VERSION } from '../agents/index.js';

/** The library's root folder (two levels above this module in both `src/` and `dist/`). */
export const LIBRARY_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The library's name and version. */
export function libraryInfo(): { readonly name: string; readonly version: string } {
  return { name: 'llmdpd', version: LIBRARY_VERSION };
}

function readRef(gitDir: string, commonDir: string, ref: string): string | null {
  for (const dir of [gitDir, commonDir]) {
    const loose = join(dir, ref);
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
  }
  const packed = join(commonDir, 'packed-refs');
  if (existsSync(packed)) {
    for (const line of readFileSync(packed, 'utf8').split('\n')) {
      const [hash, name] = line.trim().split(' ');
      if (name === ref && /^[0-9a-f]{40}$/.test(hash)) return hash;
    }
  }
  return null;
}

/**
 * The commit checked out in the git repository that contains `dir` (default: the library's
 * root), or null when there is none or it cannot be read.
 */
export function gitCommit(dir: string = LIBRARY_ROOT): string | null {
  try {
    let at = resolve(dir);
    for (;;) {
      const dotGit = join(at, '.git');
      if (existsSync(dotGit)) {
        let gitDir = dotGit;
        if (statSync(dotGit).isFile()) {
          const target = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
          if (target === undefined) return null;
          gitDir = isAbsolute(target) ? target : resolve(at, target);
        }
        const commonFile = join(gitDir, 'commondir');
        const commonDir = existsSync(commonFile) ? resolve(gitDir, readFileSync(commonFile, 'utf8').trim()) : gitDir;
        const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
        const ref = /^ref:\s*(.+)$/.exec(head)?.[1];
        const hash = ref === undefined ? head : readRef(gitDir, commonDir, ref);
        return hash !== null && /^[0-9a-f]{40}$/.test(hash) ? hash : null;
      }
      const parent = dirname(at);
      if (parent === at) return null;
      at = parent;
    }
  } catch {
    return null;
  }
}
