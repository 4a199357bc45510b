// GID choice for endpoints (pure; runs everywhere).
import { describe, expect, it } from 'vitest';
import { GidType, LinkLayer, RdmaError, type GidEntry } from '../../lib/index.js';
import { chooseGid, isIpv4MappedGid, isLinkLocalGid } from '../../lib/providers/native/index.js';

const v1 = (index: number, gid: string): GidEntry => ({ index, gid, type: GidType.ROCE_V1, typeName: 'RoCEv1', netdev: 'eth0' });
const v2 = (index: number, gid: string): GidEntry => ({ index, gid, type: GidType.ROCE_V2, typeName: 'RoCEv2', netdev: 'eth0' });
const ib = (index: number, gid: string): GidEntry => ({ index, gid, type: GidType.IB, typeName: 'IB' });

describe('chooseGid', () => {
  it('recognises IPv4-mapped and link-local GIDs', () => {
    expect(isIpv4MappedGid('::ffff:10.99.0.1')).toBe(true);
    expect(isIpv4MappedGid('fe80::1')).toBe(false);
    expect(isLinkLocalGid('fe80::c8de:b9ff:fe05:d5d0')).toBe(true);
    expect(isLinkLocalGid('2001:db8::1')).toBe(false);
  });

  it('prefers RoCE v2 IPv4-mapped, then RoCE v2 global, then link-local, then RoCE v1', () => {
    const table = [v1(0, 'fe80::1'), v2(1, 'fe80::1'), v1(2, '::ffff:10.0.0.1'), v2(3, '::ffff:10.0.0.1'), v2(4, '2001:db8::1')];
    expect(chooseGid(table, LinkLayer.ETHERNET, 'x port 1').index).toBe(3);
    expect(chooseGid(table.filter((e) => e.index !== 3), LinkLayer.ETHERNET, 'x').index).toBe(4);
    expect(chooseGid([v1(0, 'fe80::1'), v2(1, 'fe80::1')], LinkLayer.ETHERNET, 'x').index).toBe(1);
    expect(chooseGid([v1(0, 'fe80::1'), v1(2, '::ffff:10.0.0.1')], LinkLayer.ETHERNET, 'x').index).toBe(2);
  });

  it('matches what rxe shows (index 0 link-local v2, index 1 IPv4-mapped v2)', () => {
    const c = chooseGid([v2(0, 'fe80::c8de:b9ff:fe05:d5d0'), v2(1, '::ffff:10.99.0.1')], LinkLayer.ETHERNET, 'rxe0 port 1');
    expect(c).toMatchObject({ index: 1, gid: '::ffff:10.99.0.1', type: GidType.ROCE_V2 });
    expect(c.why).toMatch(/IPv4-mapped/);
  });

  it('takes the first IB GID on InfiniBand', () => {
    expect(chooseGid([ib(0, 'fe80::2:c903:a1:b2c3'), ib(1, 'fe80::5')], LinkLayer.INFINIBAND, 'mlx5_0 port 1').index).toBe(0);
  });

  it('honours an override and rejects one that is not populated', () => {
    const table = [v2(0, 'fe80::1'), v2(1, '::ffff:10.0.0.1')];
    expect(chooseGid(table, LinkLayer.ETHERNET, 'x', 0).index).toBe(0);
    const err = (() => { try { chooseGid(table, LinkLayer.ETHERNET, 'rxe0 port 1', 5); } catch (e) { return e; } return undefined; })();
    expect(err).toBeInstanceOf(RdmaError);
    expect((err as RdmaError).code).toBe('ERR_NO_GID');
    expect((err as RdmaError).message).toMatch(/GID index 5 .* not populated on rxe0 port 1; populated entries: 0 fe80::1 \(RoCEv2, eth0\); 1 ::ffff:10.0.0.1/);
  });

  it('explains an empty table (no IP address on the netdev)', () => {
    expect(() => chooseGid([], LinkLayer.ETHERNET, 'rxe0 port 1')).toThrow(/no usable GID on rxe0 port 1 .*empty.*ip addr add/);
  });

  it('says which GIDs were seen and why none fit', () => {
    expect(() => chooseGid([ib(0, 'fe80::1')], LinkLayer.ETHERNET, 'x port 1')).toThrow(/seen: 0 fe80::1 \(IB\): an InfiniBand GID on an Ethernet port/);
    expect(() => chooseGid([v2(0, '::ffff:1.2.3.4')], LinkLayer.INFINIBAND, 'x port 1')).toThrow(/a RoCEv2 GID on an InfiniBand port/);
  });
});
