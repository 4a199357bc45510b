import { describe, expect, it } from 'vitest';
import { formatGid, gidTypeName } from '../../lib/sriov/gid.js';
import { formatGuid, normalizeGuid } from '../../lib/sriov/guid.js';
import { comparePciAddresses, isPciAddress, normalizePciAddress } from '../../lib/sriov/pci-address.js';
import { parseIntStrict } from '../../lib/sriov/sysfs-read.js';
import { pciModelName } from '../../lib/sriov/pci-names.js';

describe('GID, GUID and PCI address helpers', () => {
  it('formats sysfs GIDs as IPv6', () => {
    expect(formatGid('fe80:0000:0000:0000:0e42:a1ff:fe65:b1e2')).toBe('fe80::e42:a1ff:fe65:b1e2');
    expect(formatGid('0000:0000:0000:0000:0000:ffff:0a63:0001')).toBe('::ffff:10.99.0.1');
    expect(formatGid('2001:0db8:0000:0000:0001:0000:0000:0001')).toBe('2001:db8::1:0:0:1');
    expect(formatGid('2001:0db8:0001:0001:0001:0001:0001:0001')).toBe('2001:db8:1:1:1:1:1:1');
    expect(formatGid('0000:0000:0000:0000:0000:0000:0000:0001')).toBe('::1');
    expect(formatGid('fe80:0000:0000:0000:0000:0000:0000:0000')).toBe('fe80::');
    expect(formatGid('0000:0000:0000:0000:0000:0000:0000:0000')).toBeUndefined();
    expect(formatGid('garbage')).toBeUndefined();
  });

  it('names GID types by link layer', () => {
    expect(gidTypeName('IB/RoCE v1', 'InfiniBand')).toBe('IB');
    expect(gidTypeName('IB/RoCE v1', 'Ethernet')).toBe('RoCEv1');
    expect(gidTypeName('RoCE v2', 'Ethernet')).toBe('RoCEv2');
    expect(gidTypeName('weird', 'Ethernet')).toBeUndefined();
  });

  it('normalizes GUIDs', () => {
    expect(normalizeGuid('0C42:a103:0065:b1e2')).toBe('0c42a1030065b1e2');
    expect(normalizeGuid('0c42:a103')).toBeUndefined();
    expect(formatGuid('0c42a1030065b1e2')).toBe('0c42:a103:0065:b1e2');
  });

  it('normalizes and orders PCI addresses', () => {
    expect(normalizePciAddress('3B:00.0')).toBe('0000:3b:00.0');
    expect(normalizePciAddress('0000:3b:00.2')).toBe('0000:3b:00.2');
    expect(normalizePciAddress('10000:01:00.0')).toBe('10000:01:00.0');
    expect(normalizePciAddress('0000:3b:00.8')).toBeUndefined();
    expect(normalizePciAddress('0000:3b:20.0')).toBeUndefined();
    expect(normalizePciAddress('eth0')).toBeUndefined();
    expect(isPciAddress('0000:3B:00.0')).toBe(false);
    const sorted = ['0000:2f:00.0', '0000:10:00.0', '0000:3b:00.1', '0000:3b:00.0', '10000:00:00.0'].sort(comparePciAddresses);
    expect(sorted).toEqual(['0000:10:00.0', '0000:2f:00.0', '0000:3b:00.0', '0000:3b:00.1', '10000:00:00.0']);
  });

  it('parses sysfs integers strictly', () => {
    expect(parseIntStrict('12')).toBe(12);
    expect(parseIntStrict('-1')).toBe(-1);
    expect(parseIntStrict('0x12')).toBe(18);
    expect(parseIntStrict('12abc')).toBeUndefined();
    expect(parseIntStrict('')).toBeUndefined();
  });

  it('names a few PCI models', () => {
    expect(pciModelName('0x15b3', '0x1018')).toBe('ConnectX-5 VF');
    expect(pciModelName('0x15b3', '0xffff')).toBeUndefined();
    expect(pciModelName(undefined, '0x1018')).toBeUndefined();
  });
});
