import type { ContextBackend, CqBackend, PdBackend } from '../../provider/spi.js';
import type { CmBackend } from '../../provider/cm-spi.js';
import { LoopCmId } from './cm/loop-cm-id.js';
import type { AsyncEvent, DeviceAttributes, GidEntry, PortAttributes } from '../../types/device.js';
import type { DeviceCapabilities } from '../../provider/capabilities.js';
import { AsyncEventType } from '../../constants/async-event.js';
import { DEFAULT_PKEY } from '../../constants/pkey.js';
import { LOOP_CAPABILITIES } from './capabilities.js';
import { fabric } from './fabric.js';
import { LoopCq } from './cq.js';
import { LoopPd } from './pd.js';
import type { LoopNode } from './node.js';
import { LOOP_DEVICE_ATTRIBUTES, LOOP_DEVICE_INFO, loopGidTable, loopPortAttributes } from './device.js';

/** An open `loop0`: one node on the fabric. */
export class LoopContext implements ContextBackend {
  readonly device = LOOP_DEVICE_INFO;
  #listener: (event: AsyncEvent) => void = () => {};
  #closed = false;

  /**
   * @param onClose releases what opened the node (hub session), never throws.
   * @param allocator what `allocate` returns memory from (hub contexts: memory other processes can map).
   * @param pkeys the node's P_Key table (index 0 the default partition).
   */
  constructor(readonly node: LoopNode, private readonly onClose: () => void = () => {}, private readonly allocator: (size: number) => Uint8Array = allocatePrivate, pkeys: readonly number[] = [DEFAULT_PKEY]) {
    node.pkeys = pkeys;
    node.onAsyncEvent = (event) => this.#listener(event);
    fabric.add(node);
  }

  capabilities(): DeviceCapabilities { return LOOP_CAPABILITIES; }
  queryDevice(): DeviceAttributes { return LOOP_DEVICE_ATTRIBUTES; }
  queryPort(_port: number): PortAttributes { return loopPortAttributes(this.node.lid, this.node.pkeys.length); }
  pkeyTable(_port: number): number[] { return [...this.node.pkeys]; }
  gidTable(_port: number): GidEntry[] { return loopGidTable(this.node.gid); }
  allocPd(): PdBackend { return new LoopPd(this.node); }
  cm(): CmBackend {
    const client = this.node.cmClient();
    return { createId: () => new LoopCmId(client) };
  }

  createCq(depth: number): CqBackend {
    const cq = new LoopCq(depth);
    cq.progress = () => fabric.progress();
    cq.spinnable = () => fabric.deliversWithoutEventLoop();
    cq.onWaiting = (waiting) => fabric.cqWaiting(waiting);
    cq.onOverrun = () => {
      for (const qp of this.node.qps.values()) {
        if (qp.sendCq === cq || qp.recvCq === cq) qp.toError();
      }
      this.#listener({ type: AsyncEventType.CQ_ERR, typeName: 'CQ_ERR', detail: `completion queue overrun (depth ${depth})` });
    };
    return cq;
  }

  allocate(size: number): Uint8Array {
    return this.allocator(size);
  }

  onAsyncEvent(listener: (event: AsyncEvent) => void): void {
    this.#listener = listener;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const qp of [...this.node.qps.values()]) qp.close();
    fabric.remove(this.node);
    try {
      this.onClose();
    } catch {
      // closing never throws
    }
  }
}

/** Memory for a context private to this process: a `SharedArrayBuffer` (other threads read it in place). */
function allocatePrivate(size: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(size));
}
