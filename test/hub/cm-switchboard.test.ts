// The CM switchboard the hub runs: listeners by address and port, relayed
// connects, and what the other side hears when an owner goes away.
import { describe, expect, it } from 'vitest';
import { CmSwitchboard } from '../../lib/providers/loopback/cm/switchboard.js';
import { HubProtocolError } from '../../lib/providers/loopback/hub/errors.js';
import type { JsonMessage, OutMessage } from '../../lib/providers/loopback/hub/json-frames.js';

function board(): { sb: CmSwitchboard; got: Array<[number, OutMessage]> } {
  const got: Array<[number, OutMessage]> = [];
  return { sb: new CmSwitchboard((owner, msg) => got.push([owner, msg])), got };
}

const frame = (m: Record<string, unknown>): JsonMessage => m as unknown as JsonMessage;
const EP = { v: 1 };

describe('CM switchboard', () => {
  it('gives a port to one listener; a wildcard takes it for every address; port 0 picks a free one', () => {
    const { sb } = board();
    expect(sb.handle(1, frame({ t: 'cm-listen', req: 1, addr: '127.0.0.1', port: 7000 }))).toEqual({ t: 'cm-listening', req: 1, port: 7000 });
    expect(sb.handle(2, frame({ t: 'cm-listen', req: 2, addr: '127.0.0.1', port: 7000 }))).toMatchObject({ t: 'error', code: 'EADDRINUSE' });
    expect(sb.handle(2, frame({ t: 'cm-listen', req: 3, addr: '0.0.0.0', port: 7000 }))).toMatchObject({ t: 'error', code: 'EADDRINUSE' });
    expect(sb.handle(2, frame({ t: 'cm-listen', req: 4, addr: '127.0.0.2', port: 7000 }))).toMatchObject({ t: 'cm-listening' });
    const any = sb.handle(3, frame({ t: 'cm-listen', req: 5, addr: '::1', port: 0 }));
    expect(any).toMatchObject({ t: 'cm-listening' });
    expect(any?.['port']).toBeGreaterThanOrEqual(49152);
    sb.handle(1, frame({ t: 'cm-unlisten', addr: '127.0.0.1', port: 7000 }));
    expect(sb.handle(2, frame({ t: 'cm-listen', req: 6, addr: '127.0.0.1', port: 7000 }))).toMatchObject({ t: 'cm-listening' });
  });

  it('relays a connect, the accept, the RTU and a disconnect; rejects one to nobody with reason 8', () => {
    const { sb, got } = board();
    sb.handle(1, frame({ t: 'cm-listen', req: 1, addr: '0.0.0.0', port: 7001 }));
    sb.handle(2, frame({ t: 'cm-connect', id: 'c1', addr: '127.0.0.1', port: 7002, src: { address: '127.0.0.1', port: 1 }, ep: EP, ird: 1, ord: 1 }));
    expect(got.pop()).toEqual([2, { t: 'cm-rejected', id: 'c1', status: 8 }]);
    sb.handle(2, frame({ t: 'cm-connect', id: 'c2', addr: '127.0.0.1', port: 7001, src: { address: '127.0.0.1', port: 1 }, ep: EP, ird: 1, ord: 2, pd: 'AQI=' }));
    const [owner, req] = got.pop()!;
    expect(owner).toBe(1);
    expect(req).toMatchObject({ t: 'cm-request', listen: { addr: '0.0.0.0', port: 7001 }, dst: { address: '127.0.0.1', port: 7001 }, ird: 1, ord: 2, pd: 'AQI=' });
    const sid = req['id'] as string;
    sb.handle(1, frame({ t: 'cm-accept', id: sid, ep: EP, pd: 'Aw==' }));
    expect(got.pop()).toEqual([2, { t: 'cm-accepted', id: 'c2', ep: EP, pd: 'Aw==' }]);
    sb.handle(2, frame({ t: 'cm-rtu', id: 'c2' }));
    expect(got.pop()).toEqual([1, { t: 'cm-established', id: sid }]);
    sb.handle(1, frame({ t: 'cm-disconnect', id: sid }));
    expect(got.pop()).toEqual([2, { t: 'cm-disconnected', id: 'c2' }]);
    expect(sb.size).toEqual({ listeners: 1, connections: 0 });
  });

  it('a reject carries reason 28 and its data; an owner that goes away disconnects the other side', () => {
    const { sb, got } = board();
    sb.handle(1, frame({ t: 'cm-listen', req: 1, addr: '127.0.0.1', port: 7003 }));
    sb.handle(2, frame({ t: 'cm-connect', id: 'c1', addr: '127.0.0.1', port: 7003, src: {}, ep: EP, ird: 0, ord: 0 }));
    sb.handle(1, frame({ t: 'cm-reject', id: got.pop()![1]['id'], pd: 'bm8=' }));
    expect(got.pop()).toEqual([2, { t: 'cm-rejected', id: 'c1', status: 28, pd: 'bm8=' }]);
    sb.handle(2, frame({ t: 'cm-connect', id: 'c2', addr: '127.0.0.1', port: 7003, src: {}, ep: EP, ird: 0, ord: 0 }));
    const sid = got.pop()![1]['id'];
    sb.ownerGone(1);
    expect(got.pop()).toEqual([2, { t: 'cm-disconnected', id: 'c2' }]);
    expect(sb.size).toEqual({ listeners: 0, connections: 0 });
    sb.handle(2, frame({ t: 'cm-disconnect', id: 'c2' }));
    expect(got).toEqual([]);
    expect(sid).toMatch(/^s\d+$/);
  });

  it('refuses malformed frames', () => {
    const { sb } = board();
    expect(() => sb.handle(1, frame({ t: 'cm-listen', req: 1, addr: 'localhost', port: 1 }))).toThrow(HubProtocolError);
    expect(() => sb.handle(1, frame({ t: 'cm-listen', req: 1, addr: '127.0.0.1', port: 70000 }))).toThrow(HubProtocolError);
    expect(() => sb.handle(1, frame({ t: 'cm-connect', id: 'c', addr: '127.0.0.1', port: 1, src: {}, ep: 'x', ird: 0, ord: 0 }))).toThrow(HubProtocolError);
    expect(() => sb.handle(1, frame({ t: 'cm-accept', id: 'x'.repeat(40), ep: {} }))).toThrow(HubProtocolError);
    expect(() => sb.handle(1, frame({ t: 'cm-nonsense' }))).toThrow(HubProtocolError);
  });
});
