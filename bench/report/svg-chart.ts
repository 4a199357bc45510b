/**
 * A small SVG line chart: message size on a log2 x axis, a value on a log10
 * y axis, one polyline per series with a legend. No dependencies; the
 * output is plain text, stable for the same input (diffable in git).
 */

/** One line of a chart. */
export interface Series {
  readonly label: string;
  /** [x, y] points; points with a non-positive or non-finite y are left out. */
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** Dashed (for reference limits rather than measured verbs). */
  readonly dashed?: boolean;
}

/** A chart to draw. */
export interface Chart {
  readonly title: string;
  readonly subtitle: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
}

const W = 760;
const H = 460;
const M = { left: 70, right: 200, top: 56, bottom: 50 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#7f7f7f', '#17becf', '#bcbd22'];

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function sizeText(bytes: number): string {
  if (bytes >= 1048576) return `${bytes / 1048576}M`;
  if (bytes >= 1024) return `${bytes / 1024}K`;
  return String(bytes);
}

function num(n: number): string {
  return n.toFixed(1);
}

/** The chart as an SVG document. */
export function renderChart(c: Chart): string {
  const pts = c.series.flatMap((s) => s.points.filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(y)));
  const xs = pts.map((p) => Math.log2(p[0]));
  const ys = pts.map((p) => Math.log10(p[1]));
  const x0 = Math.floor(Math.min(...xs, 1));
  const x1 = Math.ceil(Math.max(...xs, x0 + 1));
  const y0 = Math.floor(Math.min(...ys, 0));
  const y1 = Math.ceil(Math.max(...ys, y0 + 1));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const px = (x: number): number => M.left + ((Math.log2(x) - x0) / (x1 - x0)) * pw;
  const py = (y: number): number => M.top + ph - ((Math.log10(y) - y0) / (y1 - y0)) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="22" font-size="15" font-weight="bold">${esc(c.title)}</text>`,
    `<text x="${M.left}" y="40" fill="#555">${esc(c.subtitle)}</text>`,
  ];
  const xStep = Math.max(1, Math.ceil((x1 - x0) / 12));
  for (let e = x0; e <= x1; e += xStep) {
    const x = px(2 ** e);
    out.push(`<line x1="${num(x)}" y1="${M.top}" x2="${num(x)}" y2="${M.top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${num(x)}" y="${M.top + ph + 16}" text-anchor="middle">${sizeText(2 ** e)}</text>`);
  }
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e);
    out.push(`<line x1="${M.left}" y1="${num(y)}" x2="${M.left + pw}" y2="${num(y)}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 6}" y="${num(y + 4)}" text-anchor="end">${10 ** e >= 1 ? String(10 ** e) : (10 ** e).toPrecision(1)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 12}" text-anchor="middle">${esc(c.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}</text>`);
  c.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const ok = s.points.filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(y));
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (ok.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${ok.map(([x, y]) => `${num(px(x))},${num(py(y))}`).join(' ')}"/>`);
    for (const [x, y] of ok) out.push(`<circle cx="${num(px(x))}" cy="${num(py(y))}" r="3" fill="${color}"/>`);
    const ly = M.top + 8 + i * 18;
    out.push(`<line x1="${W - M.right + 12}" y1="${ly}" x2="${W - M.right + 36}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${W - M.right + 42}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
