import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeJson } from '../../bench/report/json.js';

describe('bench JSON output', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

  it('creates missing folders, so a fresh clone can write bench/results/*.json after a long run', () => {
    const root = mkdtempSync(join(tmpdir(), 'vrdma-json-'));
    dirs.push(root);
    const file = join(root, 'bench', 'results', 'perf-rxe.json');
    writeJson(file, { size: 2, wrId: 7n });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ size: 2, wrId: '7' });
  });
});
