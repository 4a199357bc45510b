import { describe, expect, it } from 'vitest';
import { importCycles, importGraph, type ImportGraph } from './import-graph.js';

describe('lib/ import graph', () => {
  it('has no runtime import cycle', () => {
    const graph = importGraph('lib');
    expect(graph.size).toBeGreaterThan(100);
    expect(importCycles(graph)).toEqual([]);
  });

  it('the cycle finder finds a cycle and ignores a diamond', () => {
    const g: ImportGraph = new Map([
      ['a.ts', ['b.ts', 'c.ts']], ['b.ts', ['d.ts']], ['c.ts', ['d.ts']], ['d.ts', []],
      ['x.ts', ['y.ts']], ['y.ts', ['z.ts']], ['z.ts', ['x.ts']], ['s.ts', ['s.ts']],
    ]);
    expect(importCycles(g)).toEqual([['x.ts', 'y.ts', 'z.ts'], ['s.ts']]);
  });
});
