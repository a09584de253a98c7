/**
 * "Did you mean" suggestions for unknown names.
 *
 * @module
 */

/** Levenshtein edit distance between `a` and `b` (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diagonal = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j];
      prev[j] = Math.min(above + 1, prev[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return prev[b.length];
}

/**
 * The candidates close to `name`, best first: those within an edit distance of a third of the
 * longer name (at least 2), ignoring case, and those that contain `name` or are contained in it.
 *
 * @param limit - at most this many suggestions.
 */
export function closeMatches(name: string, candidates: readonly string[], limit = 3): string[] {
  const lower = name.toLowerCase();
  const scored: [string, number][] = [];
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const d = editDistance(lower, lc);
    const near = d <= Math.max(2, Math.floor(Math.max(lower.length, lc.length) / 3));
    const contains = lower.length >= 3 && (lc.includes(lower) || lower.includes(lc));
    if (near || contains) scored.push([c, contains && !near ? d + 100 : d]);
  }
  return scored
    .sort((x, y) => x[1] - y[1])
    .slice(0, limit)
    .map(([c]) => c);
}
