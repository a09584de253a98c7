/**
 * A small, dependency-free SVG line chart for learning curves: one panel per metric, one line
 * per group of runs (the mean over its runs) with a shaded band (± one standard deviation),
 * stacked vertically in one standalone SVG.
 *
 * @module
 */

/** One curve: mean and standard deviation over runs at each x. */
export interface LineSeries {
  /** Legend label. */
  readonly name: string;
  /** X values, increasing. */
  readonly x: readonly number[];
  /** Mean at each x. */
  readonly mean: readonly number[];
  /** Standard deviation at each x (0 for one run). */
  readonly std: readonly number[];
}

/** One panel (one metric). */
export interface LinePanel {
  /** Panel title, e.g. `eval/return`. */
  readonly title: string;
  /** The curves. */
  readonly series: readonly LineSeries[];
}

/** Data of {@link lineChart}. */
export interface LineChartData {
  /** Chart title. */
  readonly title: string;
  /** X-axis label. */
  readonly xLabel: string;
  /** Panels, top to bottom. */
  readonly panels: readonly LinePanel[];
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round tick values covering [lo, hi]: about 5 steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e5 || (a < 1e-3 && a !== 0)) return v.toExponential(1);
  if (a >= 1000) return `${Number((v / 1000).toPrecision(4))}k`;
  return String(Number(v.toPrecision(4)));
}

/** Renders the chart as a standalone SVG document. */
export function lineChart(data: LineChartData): string {
  const width = 760;
  const left = 70;
  const right = 190;
  const panelH = 260;
  const gap = 70;
  const top = 64;
  const plotW = width - left - right;
  const height = top + data.panels.length * (panelH + gap);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="26" font-size="15" font-weight="bold">${escapeXml(data.title)}</text>`,
  ];
  data.panels.forEach((panel, pi) => {
    const y0 = top + pi * (panelH + gap);
    const finite = (values: readonly number[]) => values.filter((v) => Number.isFinite(v));
    const xs = finite(panel.series.flatMap((s) => s.x));
    const lows = finite(panel.series.flatMap((s) => s.mean.map((m, i) => m - (s.std[i] ?? 0))));
    const highs = finite(panel.series.flatMap((s) => s.mean.map((m, i) => m + (s.std[i] ?? 0))));
    const xMin = xs.length ? Math.min(...xs) : 0;
    const xMax = xs.length ? Math.max(...xs) : 1;
    let yMin = lows.length ? Math.min(...lows) : 0;
    let yMax = highs.length ? Math.max(...highs) : 1;
    if (yMax - yMin < 1e-12) {
      yMin -= 1;
      yMax += 1;
    }
    const pad = (yMax - yMin) * 0.05;
    yMin -= pad;
    yMax += pad;
    const sx = (x: number) => left + (xMax > xMin ? ((x - xMin) / (xMax - xMin)) * plotW : plotW / 2);
    const sy = (y: number) => y0 + panelH - ((y - yMin) / (yMax - yMin)) * panelH;
    parts.push(`<text x="${left}" y="${y0 - 10}" font-size="13" font-weight="bold">${escapeXml(panel.title)}</text>`);
    for (const t of niceTicks(yMin, yMax)) {
      parts.push(
        `<line x1="${left}" x2="${left + plotW}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#e5e5e5"/>`,
      );
      parts.push(`<text x="${left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${formatTick(t)}</text>`);
    }
    for (const t of niceTicks(xMin, xMax)) {
      parts.push(
        `<line x1="${sx(t).toFixed(1)}" x2="${sx(t).toFixed(1)}" y1="${y0 + panelH}" y2="${y0 + panelH + 4}" stroke="black"/>`,
      );
      parts.push(`<text x="${sx(t).toFixed(1)}" y="${y0 + panelH + 17}" text-anchor="middle">${formatTick(t)}</text>`);
    }
    parts.push(`<rect x="${left}" y="${y0}" width="${plotW}" height="${panelH}" fill="none" stroke="black"/>`);
    parts.push(
      `<text x="${left + plotW / 2}" y="${y0 + panelH + 34}" text-anchor="middle">${escapeXml(data.xLabel)}</text>`,
    );
    panel.series.forEach((s, si) => {
      const color = COLORS[si % COLORS.length];
      const points = s.x.map((x, i) => [x, s.mean[i], s.std[i] ?? 0] as const).filter(([, m]) => Number.isFinite(m));
      if (points.length === 0) return;
      if (points.some(([, , d]) => d > 0)) {
        const upper = points.map(([x, m, d]) => `${sx(x).toFixed(1)},${sy(m + d).toFixed(1)}`);
        const lower = [...points].reverse().map(([x, m, d]) => `${sx(x).toFixed(1)},${sy(m - d).toFixed(1)}`);
        parts.push(
          `<polygon points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.2" stroke="none"/>`,
        );
      }
      const line = points.map(([x, m]) => `${sx(x).toFixed(1)},${sy(m).toFixed(1)}`).join(' ');
      parts.push(
        points.length === 1
          ? `<circle cx="${sx(points[0][0]).toFixed(1)}" cy="${sy(points[0][1]).toFixed(1)}" r="3" fill="${color}"/>`
          : `<polyline points="${line}" fill="none" stroke="${color}" stroke-width="2"/>`,
      );
      const ly = y0 + 12 + si * 20;
      parts.push(`<rect x="${left + plotW + 16}" y="${ly - 9}" width="14" height="10" fill="${color}"/>`);
      parts.push(`<text x="${left + plotW + 36}" y="${ly}">${escapeXml(s.name)}</text>`);
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
