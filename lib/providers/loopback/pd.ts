import type { AhBackend, MrBackend, PdBackend, QpBackend, QpInitSpec, SrqBackend } from '../../provider/spi.js';
import type { Endpoint } from '../../types/endpoint.js';
import { InvalidArgumentError } from '../../errors/invalid-argument-error.js';
import { ProviderName } from '../../constants/provider-name.js';
import type { LoopNode } from './node.js';
import { LoopMr } from './mr.js';
import { LoopQp } from './qp.js';
import { LoopSrq } from './srq.js';
import { LoopAh } from './ah.js';

/** A loopback protection domain: an id that regions and QPs must share. */
export class LoopPd implements PdBackend {
  readonly id: number;

  constructor(readonly node: LoopNode) {
    this.id = node.allocPdId();
  }

  registerMemory(bytes: Uint8Array, access: number): MrBackend {
    return new LoopMr(this.node, this.id, bytes, access);
  }

  createQp(init: QpInitSpec): QpBackend {
    return new LoopQp(this.node, this.id, init);
  }

  createSrq(maxWr: number, _maxSge: number): SrqBackend {
    return new LoopSrq(this.id, maxWr);
  }

  createAh(remote: Endpoint): AhBackend {
    if (remote.provider !== ProviderName.LOOPBACK) throw new InvalidArgumentError('remote.provider', `a loopback address handle needs a loopback endpoint, got ${remote.provider}`);
    return new LoopAh(remote.gid, remote.lid);
  }

  close(): void {}
}
