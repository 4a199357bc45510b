import { Access } from '../constants/access.js';
import { QpState, QpType } from '../constants/qp.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { openDevice } from '../devices.js';
import type { Context } from '../context.js';
import type { CompletionQueue } from '../completion-queue.js';
import type { MemoryRegion } from '../memory-region.js';
import type { ProtectionDomain } from '../protection-domain.js';
import type { QueuePair } from '../queue-pair.js';
import type { CmId } from '../cm/cm-id.js';
import type { ConnectionSettings } from './connection-options.js';
import { EXPOSED_ACCESS, type ConnectionParts } from './connection.js';

/**
 * Build what a connection needs before the exchange: the device, PD, CQ and
 * RC QP (or the caller's), staging and receive memory, the exposed region.
 * With `cm`, the QP is made by that connection-manager id (on its context)
 * and the id is released with the parts. On failure everything built so
 * far (the id included) is closed again.
 * @throws InvalidArgumentError for a QP that is not an RC QP in INIT with one CQ and no SRQ.
 * @throws RdmaError / VerbsError from opening the device or creating the objects.
 */
export async function buildParts(s: ConnectionSettings, cm: CmId | null = null): Promise<ConnectionParts> {
  if (s.qp !== null) checkUserQp(s.qp);
  const owned: Array<{ close(): void }> = [];
  const release = (): void => {
    for (const o of owned.reverse()) o.close();
  };
  try {
    if (cm !== null) owned.push(cm);
    let context: Context;
    if (cm !== null) context = cm.context;
    else if (s.context !== null) context = s.context;
    else {
      context = await openDevice(s.device, s.openOptions);
      owned.push(context);
    }
    let pd: ProtectionDomain;
    if (s.pd !== null) pd = s.pd;
    else {
      pd = context.allocPd();
      owned.push(pd);
    }
    let cq: CompletionQueue;
    let qp: QueuePair;
    if (s.qp !== null) {
      qp = s.qp;
      cq = qp.sendCq;
    } else {
      cq = context.createCq({ depth: s.maxInFlight + s.recvDepth + 16 });
      owned.push(cq);
      const init = { type: QpType.RC, sendCq: cq, maxSendWr: s.maxInFlight, maxRecvWr: s.recvDepth, maxSge: 1 };
      qp = cm !== null ? cm.createQp(pd, init) : pd.createQp(init);
      owned.push(qp);
    }
    const register = (size: number, access: number): MemoryRegion => {
      const mr = pd.registerMemory(context.allocBuffer(size), access);
      owned.push(mr);
      return mr;
    };
    const staging = register(s.maxInFlight * s.messageSize, Access.LOCAL_WRITE);
    const inbox = register(s.recvDepth * s.messageSize, Access.LOCAL_WRITE);
    const exposed = s.expose > 0 ? register(s.expose, EXPOSED_ACCESS) : null;
    const regions = exposed ? [exposed, ...s.regions] : [...s.regions];
    return {
      context, pd, cq, qp, staging, inbox, regions, memory: exposed?.buffer ?? null,
      messageSize: s.messageSize, maxInFlight: s.maxInFlight, recvDepth: s.recvDepth, timeoutMs: s.timeoutMs,
      release,
    };
  } catch (err) {
    release();
    throw err;
  }
}

function checkUserQp(qp: QueuePair): void {
  if (qp.type !== QpType.RC) throw new InvalidArgumentError('options.qp', 'a Connection needs an RC queue pair');
  if (qp.state !== QpState.INIT) throw new InvalidArgumentError('options.qp', `must be in INIT (not yet connected); it is in ${qp.stateName}`);
  if (qp.srq !== null) throw new InvalidArgumentError('options.qp', 'must take its receives from its own receive queue, not an SRQ');
  if (qp.recvCq !== qp.sendCq) throw new InvalidArgumentError('options.qp', 'must use one completion queue for sends and receives');
}
