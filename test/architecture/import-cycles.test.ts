import { beforeAll, describe, expect, it } from 'vitest';
import { importCycles, importGraph, type ImportGraph } from './import-graph.js';

describe('lib/ import graph', () => {
  let graph: ImportGraph;
  beforeAll(() => {
    graph = importGraph('lib');
  });

  it('has no runtime import cycle', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(importCycles(graph)).toEqual([]);
  });

  it('the loopback requester and responder load neither each other nor the QP that owns them', () => {
    const loop = 'providers/loopback/';
    for (const [side, other] of [['requester.ts', 'responder.ts'], ['responder.ts', 'requester.ts']] as const) {
      const loads = graph.get(loop + side) ?? [];
      expect(loads, side).not.toContain(loop + other);
      expect(loads, side).not.toContain(loop + 'qp.ts');
    }
  });

  it('the cycle finder finds a cycle and ignores a diamond', () => {
    const g: ImportGraph = new Map([
      ['a.ts', ['b.ts', 'c.ts']], ['b.ts', ['d.ts']], ['c.ts', ['d.ts']], ['d.ts', []],
      ['x.ts', ['y.ts']], ['y.ts', ['z.ts']], ['z.ts', ['x.ts']], ['s.ts', ['s.ts']],
    ]);
    expect(importCycles(g)).toEqual([['x.ts', 'y.ts', 'z.ts'], ['s.ts']]);
  });
});
