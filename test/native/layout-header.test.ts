// The layout the addon reads is the one the TypeScript side writes: the
// packed work requests, the WcBatch and the opcode table reach C++ only
// through native/wr_layout_generated.h, rendered from the TypeScript.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAYOUT_HEADER, renderLayoutHeader } from '../../scripts/native-layout.js';
import { Layout } from '../../lib/providers/native/pack.js';
import { WC_STRIDE, WcField } from '../../lib/wc-batch.js';

describe('native layout header', () => {
  it('is what the TypeScript constants render (run `npm run gen:native` after changing either side)', () => {
    expect(readFileSync(LAYOUT_HEADER, 'utf8')).toBe(renderLayoutHeader());
  });

  it('is the only place C++ defines the layout namespaces', () => {
    const defining = readdirSync('native')
      .filter((f) => /\.(h|cc)$/.test(f) && join('native', f) !== LAYOUT_HEADER)
      .filter((f) => /namespace\s+(send_wr|recv_wr|sge|wc_batch|wr_opcode)\s*\{/.test(readFileSync(join('native', f), 'utf8')));
    expect(defining).toEqual([]);
  });

  it('lays the send header out without overlaps, inside its record', () => {
    const fields: Array<[string, number, number]> = [
      ['wrId', 0, 8], ['opcode', Layout.S_OPCODE * 4, 4], ['flags', Layout.S_FLAGS * 4, 4], ['imm', Layout.S_IMM * 4, 4],
      ['rkey', Layout.S_RKEY * 4, 4], ['remoteAddr', Layout.S_REMOTE_ADDR64 * 8, 8], ['compareAdd', Layout.S_COMPARE_ADD64 * 8, 8],
      ['swap', Layout.S_SWAP64 * 8, 8], ['numSge', Layout.S_NUM_SGE * 4, 4], ['remoteQpn', Layout.S_REMOTE_QPN * 4, 4],
      ['remoteQkey', Layout.S_REMOTE_QKEY * 4, 4], ['ah', Layout.S_AH * 4, 4],
    ];
    const used = new Uint8Array(Layout.SEND_BYTES);
    for (const [name, at, size] of fields) {
      expect(at + size, name).toBeLessThanOrEqual(Layout.SEND_BYTES);
      for (let b = at; b < at + size; b++) {
        expect(used[b], `${name} overlaps at byte ${b}`).toBe(0);
        used[b] = 1;
      }
    }
    const sge = [Layout.G_ADDR_LO, Layout.G_ADDR_HI, Layout.G_LENGTH, Layout.G_LKEY];
    expect(new Set(sge).size).toBe(4);
    expect(Math.max(...sge) * 4 + 4).toBeLessThanOrEqual(Layout.SGE_BYTES);
    expect(Layout.R_NUM_SGE * 4 + 8).toBeLessThanOrEqual(Layout.RECV_BYTES);
  });

  it('gives every completion field its own word inside the stride', () => {
    const words = Object.values(WcField);
    expect(new Set(words).size).toBe(words.length);
    expect(Math.max(...words)).toBeLessThan(WC_STRIDE);
  });
});
