import { describe, it, expect } from 'vitest';
import { discoverSriov, setNumVfs } from '../../lib/sriov/index.js';
import { InvalidArgumentError } from '../../lib/index.js';

describe('SR-IOV options', () => {
  it('discoverSriov() rejects an unknown key with the nearest known one, and a wrong type', () => {
    expect(() => discoverSriov({ sysfsroot: '/sys' } as never)).toThrow(/options\.sysfsroot: discoverSriov\(\) has no option "sysfsroot" \(did you mean "sysfsRoot"\?\)/);
    expect(() => discoverSriov({ sysfsRoot: 5 } as never)).toThrow(/options\.sysfsRoot: discoverSriov\(\) expects a string, got 5/);
    expect(() => discoverSriov(null as never)).toThrow(InvalidArgumentError);
  });

  it('setNumVfs() rejects them before touching sysfs', async () => {
    await expect(setNumVfs('0000:3b:00.0', 1, { root: '/sys' } as never)).rejects.toThrow(/options\.root: setNumVfs\(\) has no option "root"/);
    await expect(setNumVfs('0000:3b:00.0', 1, { sysfsRoot: true } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
