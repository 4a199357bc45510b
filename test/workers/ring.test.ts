import { describe, expect, it } from 'vitest';
import { Ring, RingReader, RingWriter } from '../../lib/providers/loopback/shm/ring.js';
import { Kind, SLOT_BYTES } from '../../lib/providers/loopback/shm/layout.js';
import { parseLocalGid } from '../../lib/providers/loopback/shm/gid.js';
import { parseMessage } from '../../lib/providers/loopback/shm/messages.js';

/** Write a record of `slots` slots whose second word is `tag` (kind REQUEST). */
function put(w: RingWriter, slots: number, tag: number): boolean {
  const off = w.reserve(slots * SLOT_BYTES);
  if (off < 0) return false;
  const i32 = w.ring.i32;
  i32[off >> 2] = slots * SLOT_BYTES;
  i32[(off >> 2) + 1] = Kind.REQUEST;
  i32[(off >> 2) + 2] = tag;
  w.publish();
  return true;
}

function take(r: RingReader): number | null {
  const off = r.next();
  if (off < 0) return null;
  const i32 = r.ring.i32;
  const tag = i32[(off >> 2) + 2]!;
  r.release(i32[off >> 2]!);
  return tag;
}

describe('shared-memory ring', () => {
  it('keeps records in order across many wraps, padding the end of the data area', () => {
    const ring = Ring.create(4096);
    const w = new RingWriter(ring);
    const r = new RingReader(new Ring(ring.sab));
    let next = 0;
    let expect_ = 0;
    for (let round = 0; round < 2000; round++) {
      const slots = 1 + (round % 7);
      while (!put(w, slots, next)) expect(take(r)).toBe(expect_++);
      next++;
    }
    for (let t = take(r); t !== null; t = take(r)) expect(t).toBe(expect_++);
    expect(expect_).toBe(next);
  });

  it('refuses a record when full, and asks for a doorbell once room frees up', () => {
    const ring = Ring.create(1024);
    const w = new RingWriter(ring);
    const r = new RingReader(ring);
    for (let i = 0; i < 4; i++) expect(put(w, 4, i)).toBe(true);
    expect(put(w, 1, 99)).toBe(false);
    expect(w.wantSpace()).toBe(false); // nothing consumed yet: wait for the doorbell
    const off = r.next();
    expect(ring.i32[(off >> 2) + 2]).toBe(0);
    expect(r.release(4 * SLOT_BYTES)).toBe(true); // the producer asked: ring its doorbell
    expect(put(w, 4, 4)).toBe(true);
    expect(take(r)).toBe(1);
    expect(w.wantSpace()).toBe(true); // room was freed since: try again at once
  });

  it('undoes unpublished reservations', () => {
    const ring = Ring.create(1024);
    const w = new RingWriter(ring);
    const r = new RingReader(ring);
    const mark = w.mark();
    expect(w.reserve(2 * SLOT_BYTES)).toBe(0);
    w.rollback(mark);
    expect(r.next()).toBe(-1);
    expect(put(w, 1, 7)).toBe(true);
    expect(take(r)).toBe(7);
  });

  it('marks a ring closed for both sides', () => {
    const ring = Ring.create(1024);
    const other = new Ring(ring.sab);
    expect(other.closed).toBe(false);
    ring.close();
    expect(other.closed).toBe(true);
  });

  it('rejects a buffer that is not a ring', () => {
    expect(() => new Ring(new SharedArrayBuffer(300))).toThrow(RangeError);
  });

  it('reads the process and thread out of a GID made without a hub, and nothing out of others', () => {
    expect(parseLocalGid('fe80::1:e240:3:a')).toEqual({ pid: 0x1e240, threadId: 3 });
    expect(parseLocalGid('fe80::7672:646d:6100:2')).toEqual({ pid: 0x7672646d, threadId: 0x6100 });
    expect(parseLocalGid('fe80::1:2:3')).toBeNull();
    expect(parseLocalGid('2001:db8::1:2:3:4')).toBeNull();
  });

  it('ignores messages that are not the transport\'s', () => {
    expect(parseMessage(null)).toBeNull();
    expect(parseMessage({ t: 'here', from: 1 })).toBeNull();
    expect(parseMessage({ t: 'nope', from: 1 })).toBeNull();
    expect(parseMessage({ t: 'bye', from: -1 })).toBeNull();
    expect(parseMessage({ t: 'bye', from: 5 })).toEqual({ t: 'bye', from: 5 });
  });
});
