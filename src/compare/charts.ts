/**
 * Small, dependency-free SVG charts for reports, labelled for a paper (title, axis labels,
 * legend, values on hover): grouped bar charts with error bars or confidence intervals, and
 * line charts with a shaded band per series (learning curves with a confidence interval).
 * Used by the comparison reports and the demo (`src/cli/demo.ts`).
 *
 * @module
 */

/** One bar: its value and either a symmetric error or an interval. */
export interface Bar {
  /** Bar height in data units. */
  readonly value: number;
  /** Error-bar half-length (e.g. a standard deviation); 0 for none. Ignored when `low` and `high` are given. */
  readonly error: number;
  /** Lower end of an interval (e.g. a 95 % confidence interval). */
  readonly low?: number;
  /** Upper end of the interval. */
  readonly high?: number;
}

/** One legend entry of a bar chart: a name and one bar per group. */
export interface BarSeries {
  /** Legend entry. */
  readonly name: string;
  /** One bar per group. */
  readonly bars: readonly Bar[];
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
  readonly series: readonly BarSeries[];
  /** Top of the y axis. @defaultValue the largest value plus error, rounded up */
  readonly yMax?: number;
  /** A note under the plot (e.g. what the intervals are). */
  readonly caption?: string;
}

/** One point of a line series, with an optional band. */
export interface LinePoint {
  /** X value. */
  readonly x: number;
  /** Y value. */
  readonly y: number;
  /** Lower edge of the band. */
  readonly low?: number;
  /** Upper edge of the band. */
  readonly high?: number;
}

/** One line of a line chart. */
export interface LineSeries {
  /** Legend entry. */
  readonly name: string;
  /** The points, in x order. */
  readonly points: readonly LinePoint[];
}

/** Data of {@link lineChart}. */
export interface LineChartData {
  /** Chart title. */
  readonly title: string;
  /** X-axis label. */
  readonly xLabel: string;
  /** Y-axis label. */
  readonly yLabel: string;
  /** One line per legend entry. */
  readonly series: readonly LineSeries[];
  /** Bottom of the y axis. @defaultValue the smallest value (0 when all values are >= 0) */
  readonly yMin?: number;
  /** Top of the y axis. @defaultValue the largest value, rounded up */
  readonly yMax?: number;
  /** A note under the plot. */
  readonly caption?: string;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** Escapes text for SVG. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function niceCeil(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v - 1e-12) return m * p;
  return 10 * p;
}

function niceFloor(v: number): number {
  return v >= 0 ? 0 : -niceCeil(-v);
}

function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 10000) return `${(v / 1000).toFixed(0)}k`;
  return a >= 10 ? v.toFixed(0) : a >= 1 ? v.toFixed(1) : v.toFixed(2);
}

function barInterval(bar: Bar): [number, number] {
  return bar.low !== undefined && bar.high !== undefined
    ? [bar.low, bar.high]
    : [bar.value - bar.error, bar.value + bar.error];
}

function header(width: number, height: number, title: string, left: number): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
}

/** Ends a chart: the legend, the caption (if any) at the bottom left, and the closing tag. */
function finish(
  parts: string[],
  key: { readonly names: readonly string[]; readonly x: number; readonly top: number; readonly line: boolean },
  caption: string | undefined,
  at: { readonly left: number; readonly height: number },
): string {
  legend(parts, key.names, key.x, key.top, key.line);
  if (caption !== undefined)
    parts.push(`<text x="${at.left}" y="${at.height - 14}" font-size="11" fill="#444">${escapeXml(caption)}</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function legend(parts: string[], names: readonly string[], x: number, top: number, line: boolean): void {
  names.forEach((name, i) => {
    const ly = top + 10 + i * 22;
    const color = COLORS[i % COLORS.length];
    parts.push(
      line
        ? `<line x1="${x}" x2="${x + 16}" y1="${ly - 3}" y2="${ly - 3}" stroke="${color}" stroke-width="2.5"/>`
        : `<rect x="${x}" y="${ly - 10}" width="14" height="14" fill="${color}"/>`,
    );
    parts.push(`<text x="${x + 22}" y="${ly + 2}">${escapeXml(name)}</text>`);
  });
}

/** Renders a grouped bar chart as a standalone SVG document. */
export function groupedBarChart(data: GroupedBars): string {
  const width = 640;
  const height = data.caption !== undefined ? 400 : 380;
  const left = 64;
  const right = 170;
  const top = 48;
  const bottom = data.caption !== undefined ? 76 : 56;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const highest = Math.max(
    1e-9,
    ...data.series.flatMap((s) => s.bars.map((b) => Math.max(b.value, barInterval(b)[1]))),
  );
  const yMax = data.yMax ?? niceCeil(highest);
  const y = (v: number) => top + plotH - (Math.max(0, Math.min(v, yMax)) / yMax) * plotH;
  const groupW = plotW / Math.max(1, data.groups.length);
  const barW = (groupW * 0.7) / Math.max(1, data.series.length);
  const parts = header(width, height, data.title, left);
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
      if (bar === undefined || !Number.isFinite(bar.value)) return;
      const [lo, hi] = barInterval(bar);
      const x = x0 + si * barW;
      const color = COLORS[si % COLORS.length];
      const tip =
        bar.low !== undefined && bar.high !== undefined
          ? `${s.name}, ${g}: ${bar.value.toFixed(3)} [${lo.toFixed(3)}, ${hi.toFixed(3)}]`
          : `${s.name}, ${g}: ${bar.value.toFixed(3)} ± ${bar.error.toFixed(3)}`;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y(bar.value).toFixed(1)}" width="${(barW - 4).toFixed(1)}" height="${(top + plotH - y(bar.value)).toFixed(1)}" fill="${color}"><title>${escapeXml(tip)}</title></rect>`,
      );
      if (hi > lo) {
        const cx = x + (barW - 4) / 2;
        parts.push(`<line x1="${cx}" x2="${cx}" y1="${y(lo)}" y2="${y(hi)}" stroke="black"/>`);
        for (const v of [lo, hi])
          parts.push(`<line x1="${cx - 5}" x2="${cx + 5}" y1="${y(v)}" y2="${y(v)}" stroke="black"/>`);
      }
      parts.push(
        `<text x="${(x + (barW - 4) / 2).toFixed(1)}" y="${(y(Math.max(bar.value, hi)) - 5).toFixed(1)}" text-anchor="middle" font-size="11">${formatTick(bar.value)}</text>`,
      );
    });
    parts.push(
      `<text x="${left + gi * groupW + groupW / 2}" y="${top + plotH + 20}" text-anchor="middle">${escapeXml(g)}</text>`,
    );
  });
  parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="black"/>`);
  return finish(
    parts,
    { names: data.series.map((s) => s.name), x: left + plotW + 20, top, line: false },
    data.caption,
    {
      left,
      height,
    },
  );
}

/** Renders a line chart with optional bands (e.g. learning curves with confidence intervals). */
export function lineChart(data: LineChartData): string {
  const width = 640;
  const height = data.caption !== undefined ? 400 : 380;
  const left = 64;
  const right = 170;
  const top = 48;
  const bottom = data.caption !== undefined ? 76 : 56;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const all = data.series.flatMap((s) => s.points);
  const ys = all.flatMap((p) => [p.y, p.low ?? p.y, p.high ?? p.y]).filter(Number.isFinite);
  const xs = all.map((p) => p.x).filter(Number.isFinite);
  const yMin = data.yMin ?? niceFloor(Math.min(0, ...ys));
  const yMax = data.yMax ?? niceCeil(Math.max(yMin + 1e-9, ...ys));
  const xMin = Math.min(0, ...xs);
  const xMax = niceCeil(Math.max(xMin + 1, ...xs));
  const x = (v: number) => left + ((v - xMin) / (xMax - xMin)) * plotW;
  const y = (v: number) => top + plotH - ((Math.max(yMin, Math.min(v, yMax)) - yMin) / (yMax - yMin)) * plotH;
  const parts = header(width, height, data.title, left);
  for (let i = 0; i <= 5; i++) {
    const v = yMin + ((yMax - yMin) * i) / 5;
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 8}" y="${y(v) + 4}" text-anchor="end">${formatTick(v)}</text>`);
    const xv = xMin + ((xMax - xMin) * i) / 5;
    parts.push(`<line x1="${x(xv)}" x2="${x(xv)}" y1="${top + plotH}" y2="${top + plotH + 4}" stroke="black"/>`);
    parts.push(`<text x="${x(xv)}" y="${top + plotH + 18}" text-anchor="middle">${formatTick(xv)}</text>`);
  }
  parts.push(
    `<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(data.yLabel)}</text>`,
  );
  parts.push(
    `<text x="${left + plotW / 2}" y="${top + plotH + 38}" text-anchor="middle">${escapeXml(data.xLabel)}</text>`,
  );
  parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="black"/>`);
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="black"/>`);
  data.series.forEach((s, si) => {
    const color = COLORS[si % COLORS.length];
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    const banded = pts.filter((p) => p.low !== undefined && p.high !== undefined);
    if (banded.length >= 2) {
      const upper = banded.map((p) => `${x(p.x).toFixed(1)},${y(p.high!).toFixed(1)}`);
      const lower = [...banded].reverse().map((p) => `${x(p.x).toFixed(1)},${y(p.low!).toFixed(1)}`);
      parts.push(
        `<polygon points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.2" stroke="none"/>`,
      );
    } else
      for (const p of banded)
        parts.push(
          `<line x1="${x(p.x)}" x2="${x(p.x)}" y1="${y(p.low!)}" y2="${y(p.high!)}" stroke="${color}" stroke-opacity="0.5" stroke-width="6"/>`,
        );
    if (pts.length >= 2)
      parts.push(
        `<polyline points="${pts.map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`,
      );
    for (const p of pts) {
      const tip = `${s.name}, ${formatTick(p.x)}: ${p.y.toFixed(3)}${p.low !== undefined && p.high !== undefined ? ` [${p.low.toFixed(3)}, ${p.high.toFixed(3)}]` : ''}`;
      parts.push(
        `<circle cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="3" fill="${color}"><title>${escapeXml(tip)}</title></circle>`,
      );
    }
  });
  return finish(parts, { names: data.series.map((s) => s.name), x: left + plotW + 20, top, line: true }, data.caption, {
    left,
    height,
  });
}
