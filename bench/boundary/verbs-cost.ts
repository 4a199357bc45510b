/**
 * The C reference for the boundary figures: builds bench/boundary/verbs-cost.c
 * with the system's C compiler against libibverbs, runs it on a device and
 * reads its figures (post+poll per work request at each batch size).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BoundaryFigure } from './post-cost.js';
import { BENCH_CLOCK } from './measure.js';

/** The C source: beside this file when it runs from its TypeScript source, else beside that source (from dist/). */
const SOURCE = [new URL('./verbs-cost.c', import.meta.url), new URL('../../../bench/boundary/verbs-cost.c', import.meta.url)]
  .map((u) => fileURLToPath(u)).find((p) => existsSync(p)) ?? fileURLToPath(new URL('./verbs-cost.c', import.meta.url));

/** The figures, or why there are none (no compiler, no headers, the device refused). */
export type VerbsCostResult = { readonly figures: BoundaryFigure[] } | { readonly reason: string };

function lastLine(err: unknown): string {
  const e = err as { stderr?: Buffer | string; message?: string };
  const text = (e.stderr !== undefined ? e.stderr.toString() : '') || e.message || String(err);
  return text.trim().split('\n').pop() ?? '';
}

/** Compile and run the C measurement; never throws. */
export function measureVerbsC(device: string, gidIndex: number, budgetMs: number, batches: readonly number[]): VerbsCostResult {
  const dir = mkdtempSync(join(tmpdir(), 'vrdma-verbs-cost-'));
  try {
    const exe = join(dir, 'verbs-cost');
    try {
      execFileSync(process.env['CC'] ?? 'cc', ['-O2', '-o', exe, SOURCE, '-libverbs'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      return { reason: `cannot build ${SOURCE} (needs cc and libibverbs-dev): ${lastLine(err)}` };
    }
    let out: string;
    try {
      out = execFileSync(exe, [device, String(gidIndex), String(budgetMs), ...batches.map(String)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, env: { ...process.env, VRDMA_BENCH_CLOCK: BENCH_CLOCK } });
    } catch (err) {
      return { reason: `verbs-cost on ${device} failed: ${lastLine(err)}` };
    }
    const figures: BoundaryFigure[] = [];
    for (const m of out.matchAll(/^batch (\d+) post\+poll ns\/WR ([\d.]+)$/gm)) {
      figures.push({ batch: Number(m[1]), postNs: null, pollNs: null, postPollNs: Number(m[2]), preparedPostPollNs: null });
    }
    return figures.length > 0 ? { figures } : { reason: `verbs-cost printed no figures: ${out.trim()}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
