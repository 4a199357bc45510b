// NativeCq.ready(): completions it takes from the device come back first, in order (pure; runs everywhere).
import { describe, expect, it } from 'vitest';
import { WcBatch } from '../../lib/index.js';
import { NativeCq } from '../../lib/providers/native/cq.js';

/** A device CQ holding `ids`; each poll takes up to `max` of them into the buffer. */
function fakeCq(ids: number[]): NativeCq {
  return new NativeCq({
    poll(buffer: ArrayBuffer, capacity: number, max: number): number {
      const wrIds = new Float64Array(buffer, 0, capacity);
      const n = Math.min(max, ids.length);
      for (let i = 0; i < n; i++) wrIds[i] = ids.shift()!;
      return n;
    },
    wait: () => Promise.resolve(),
    close(): void {},
  }, 64);
}

describe('NativeCq.ready', () => {
  it('is false on an empty CQ and true once a completion is there, which the next polls return before newer ones', () => {
    const device: number[] = [];
    const cq = fakeCq(device);
    expect(cq.ready()).toBe(false);
    for (let i = 0; i < 20; i++) device.push(i);
    expect(cq.ready()).toBe(true);
    expect(cq.ready()).toBe(true);
    device.push(20, 21);
    const batch = new WcBatch(5);
    const got: number[] = [];
    for (let n = cq.poll(batch, 5); n > 0; n = cq.poll(batch, 5)) for (let i = 0; i < n; i++) got.push(batch.wrId(i));
    expect(got).toEqual(Array.from({ length: 22 }, (_, i) => i));
    expect(cq.ready()).toBe(false);
  });
});
