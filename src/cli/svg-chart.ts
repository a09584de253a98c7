/**
 * A small, dependency-free SVG grouped bar chart with error bars, for reports.
 *
 * @module
 */

/** One bar: its value and the half-length of its error bar. */
export interface Bar {
  /** Bar height in data units. */
  readonly value: number;
  /** Error-bar half-length (e.g. a standard deviation); 0 for none. */
  readonly error: number;
}

/** Data of {@link groupedBarChart}. */
export interface GroupedBars {
  /** Chart title. */
  readonly title: string;
  /** Y-axis label. */
  readonly yLabel: string;
  /** Group labels along the x axis (e.g. "seen tasks", "unseen tasks"). */
  readonly groups: readonly string[];
  /** One series per legend entry (e.g. each agent), each with one bar per group. */
  readonly series: readonly { readonly name: string; readonly bars: readonly Bar[] }[];
  /** Top of the y axis. @defaultValue the largest value plus error, rounded up */
  readonly yMax?: number;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Renders a grouped bar chart as a standalone SVG document. */
export function groupedBarChart(data: GroupedBars): string {
  const width = 640;
  const height = 380;
  const left = 64;
  const right = 170;
  const top = 48;
  const bottom = 56;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const highest = Math.max(1e-9, ...data.series.flatMap((s) => s.bars.map((b) => b.value + b.error)));
  const yMax = data.yMax ?? niceCeil(highest);
  const y = (v: number) => top + plotH - (Math.max(0, Math.min(v, yMax)) / yMax) * plotH;
  const groupW = plotW / data.groups.length;
  const barW = (groupW * 0.7) / data.series.length;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${left}" y="24" font-size="15" font-weight="bold">${escapeXml(data.title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = (yMax * i) / 5;
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 8}" y="${y(v) + 4}" text-anchor="end">${formatTick(v)}</text>`);
  }
  parts.push(
    `<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(data.yLabel)}</text>`,
  );
  data.groups.forEach((g, gi) => {
    const x0 = left + gi * groupW + groupW * 0.15;
    data.series.forEach((s, si) => {
      const bar = s.bars[gi];
      const x = x0 + si * barW;
      const color = COLORS[si % COLORS.length];
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y(bar.value).toFixed(1)}" width="${(barW - 4).toFixed(1)}" height="${(top + plotH - y(bar.value)).toFixed(1)}" fill="${color}"><title>${escapeXml(`${s.name}, ${g}: ${bar.value.toFixed(3)} ± ${bar.error.toFixed(3)}`)}</title></rect>`,
      );
      if (bar.error > 0) {
        const cx = x + (barW - 4) / 2;
        parts.push(
          `<line x1="${cx}" x2="${cx}" y1="${y(bar.value - bar.error)}" y2="${y(bar.value + bar.error)}" stroke="black"/>`,
        );
        for (const v of [bar.value - bar.error, bar.value + bar.error])
          parts.push(`<line x1="${cx - 5}" x2="${cx + 5}" y1="${y(v)}" y2="${y(v)}" stroke="black"/>`);
      }
      parts.push(
        `<text x="${(x + (barW - 4) / 2).toFixed(1)}" y="${(y(bar.value + bar.error) - 5).toFixed(1)}" text-anchor="middle" font-size="11">${formatTick(bar.value)}</text>`,
      );
    });
    parts.push(
      `<text x="${left + gi * groupW + groupW / 2}" y="${top + plotH + 20}" text-anchor="middle">${escapeXml(g)}</text>`,
    );
  });
  parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="black"/>`);
  data.series.forEach((s, si) => {
    const ly = top + 10 + si * 22;
    parts.push(
      `<rect x="${left + plotW + 20}" y="${ly - 10}" width="14" height="14" fill="${COLORS[si % COLORS.length]}"/>`,
    );
    parts.push(`<text x="${left + plotW + 40}" y="${ly + 2}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function formatTick(v: number): string {
  return Math.abs(v) >= 10 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(2);
}
