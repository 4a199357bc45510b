/**
 * Charts of a side-by-side run (see bench/native/side-by-side.ts), as SVG:
 *
 *   npm run charts            (bench/results/perf-rxe.json -> docs/charts/*.svg)
 *   node dist/bench/report/charts.js RESULTS.json OUT_DIR
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SideBySide } from '../native/side-by-side.js';
import { chartsOf } from './perf-charts.js';

function main(): void {
  const [input = 'bench/results/perf-rxe.json', outDir = 'docs/charts'] = process.argv.slice(2);
  const r = JSON.parse(readFileSync(input, 'utf8')) as SideBySide;
  mkdirSync(outDir, { recursive: true });
  for (const [name, svg] of Object.entries(chartsOf(r))) {
    writeFileSync(join(outDir, name), svg);
    process.stderr.write(`wrote ${join(outDir, name)}\n`);
  }
}

main();
