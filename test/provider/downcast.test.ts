// Providers turn interface objects into their own classes only through
// checked downcasts: an object of another provider is a typed error.
import { describe, it, expect } from 'vitest';
import { InvalidArgumentError, QpType, RdmaError } from '../../lib/index.js';
import { downcast } from '../../lib/provider/downcast.js';
import type { CqBackend, QpInitSpec } from '../../lib/provider/spi.js';
import { LoopPd } from '../../lib/providers/loopback/pd.js';
import { createLocalNode } from '../../lib/providers/loopback/local-node.js';
import { LoopCq } from '../../lib/providers/loopback/cq.js';

describe('downcast', () => {
  it('returns an object of the class and refuses anything else with ERR_INVALID_ARG', () => {
    const cq = new LoopCq(4);
    expect(downcast(cq, LoopCq, 'cq', 'a loop0 CQ')).toBe(cq);
    for (const other of [{}, null, undefined, 7]) {
      const err = (() => { try { downcast(other, LoopCq, 'init.sendCq', 'a completion queue of loop0'); } catch (e) { return e; } return undefined; })();
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err).toBeInstanceOf(RdmaError);
      expect((err as InvalidArgumentError).code).toBe('ERR_INVALID_ARG');
      expect((err as InvalidArgumentError).message).toMatch(/init\.sendCq: is not a completion queue of loop0/);
    }
  });

  it('keeps a loopback PD from taking a completion queue of another provider', () => {
    const pd = new LoopPd(createLocalNode());
    const foreign: CqBackend = { poll: () => 0, ready: () => false, canSpin: () => false, waitForCompletion: () => Promise.resolve(), close: () => {} };
    const init: QpInitSpec = {
      type: QpType.RC, sendCq: foreign, recvCq: foreign, srq: null, maxSendWr: 4, maxRecvWr: 4,
      maxSge: 1, maxInline: 0, sqSigAll: false, qkey: 0, access: 0,
    };
    expect(() => pd.createQp(init)).toThrow(InvalidArgumentError);
  });
});
