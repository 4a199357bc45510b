/** Right-align cells into columns under their headers, two spaces apart. */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => ' ' + cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [line(headers), ...rows.map(line)].join('\n');
}

/** A number with `digits` decimals, or "-" for NaN/undefined. */
export function fixed(n: number | undefined, digits: number): string {
  return n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits);
}

/** A ratio as a percentage ("81.2%"), or "-". */
export function percent(ratio: number | undefined): string {
  return ratio === undefined || !Number.isFinite(ratio) ? '-' : `${(ratio * 100).toFixed(1)}%`;
}

/** A ratio as a multiple ("1.24x"), or "-". */
export function times(ratio: number | undefined): string {
  return ratio === undefined || !Number.isFinite(ratio) ? '-' : `${ratio.toFixed(2)}x`;
}

/** A rule as wide as the terminal usually is. */
export const RULE = '-'.repeat(100);
