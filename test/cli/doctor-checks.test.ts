import { describe, expect, it } from 'vitest';
import { hasIpcLock, parseMemlockLimit } from '../../lib/cli/doctor/memlock.js';

describe('doctor parsers', () => {
  it('reads "Max locked memory" from /proc/self/limits', () => {
    const text = 'Limit                     Soft Limit           Hard Limit           Units     \n' +
      'Max locked memory         8388608              unlimited            bytes     \n';
    expect(parseMemlockLimit(text)).toEqual({ soft: 8388608, hard: Infinity });
    expect(parseMemlockLimit('Max locked memory  unlimited unlimited bytes')).toEqual({ soft: Infinity, hard: Infinity });
    expect(parseMemlockLimit('nothing here')).toBeUndefined();
    expect(parseMemlockLimit('Max locked memory  lots lots bytes')).toBeUndefined();
  });

  it('finds CAP_IPC_LOCK (bit 14) in CapEff', () => {
    expect(hasIpcLock('CapEff:\t000001ffffffffff\n')).toBe(true);
    expect(hasIpcLock('CapEff:\t0000000000004000\n')).toBe(true);
    expect(hasIpcLock('CapEff:\t0000000000000000\n')).toBe(false);
    expect(hasIpcLock('CapEff:\t0000000000003fff\n')).toBe(false);
    expect(hasIpcLock('')).toBe(false);
  });
});
