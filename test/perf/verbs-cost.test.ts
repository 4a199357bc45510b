// The C side of the boundary benchmark builds with the system's compiler
// against libibverbs; without a device it says why it measured nothing,
// with one it returns a figure per batch size.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { measureVerbsC } from '../../bench/boundary/verbs-cost.js';

function haveCompiler(): boolean {
  try {
    execFileSync(process.env['CC'] ?? 'cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!haveCompiler())('bench/boundary/verbs-cost.c', () => {
  it('builds, and either measures every batch size or names why the device could not be used', () => {
    const r = measureVerbsC('rxe0', 1, 5, [1, 16]);
    if ('figures' in r) {
      expect(r.figures.map((f) => f.batch)).toEqual([1, 16]);
      for (const f of r.figures) expect(f.postPollNs).toBeGreaterThan(0);
    } else {
      expect(r.reason).toMatch(/^verbs-cost on rxe0 failed: /);
    }
  }, 60_000);
});
