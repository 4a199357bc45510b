import { Context } from '../context.js';
import type { CompletionQueue } from '../completion-queue.js';
import type { MemoryRegion } from '../memory-region.js';
import type { ProtectionDomain } from '../protection-domain.js';
import type { QueuePair } from '../queue-pair.js';
import type { SgeSpec } from '../provider/spi.js';
import { Access } from '../constants/access.js';
import { QpState, QpType } from '../constants/qp.js';
import { RdmaError } from '../errors/rdma-error.js';
import { LoopContext } from '../providers/loopback/context.js';
import type { LoopCq } from '../providers/loopback/cq.js';
import type { LoopQp } from '../providers/loopback/qp.js';
import { allocateShared } from '../providers/loopback/mapping/shared-memory.js';
import { adoptHubNode, currentHubSession, peerTransport } from '../providers/loopback/hub/hub-runtime.js';
import { hubUnavailable } from '../providers/loopback/hub/errors.js';
import { protocolError } from './control-message.js';
import type { ImageCq, ImageSge, QpImage } from './qp-image.js';

/** A queue pair that moved into this process, with the context it came in. */
export interface MigratedQueuePair {
  /** A new `loop0` context with the QP's old LID and GID; closing it closes the QP for good. */
  readonly context: Context;
  readonly pd: ProtectionDomain;
  /** The QP: the same QPN, connected to the same peer, with its outstanding requests and posted receives. */
  readonly qp: QueuePair;
  readonly sendCq: CompletionQueue;
  /** The same object as `sendCq` when the QP had one CQ. */
  readonly recvCq: CompletionQueue;
  /** The context's regions, in the order the source registered them, with their keys, addresses and bytes. */
  readonly regions: readonly MemoryRegion[];
}

/** A QP rebuilt from an image, hidden from peers until `commit()`. */
export interface AdoptedQueuePair {
  readonly moved: MigratedQueuePair;
  /** This process's peer address (the source asks the hub to give the LID to it). */
  readonly peerAddress: string;
  /** Whether the hub says the LID is this process's now. */
  ownedHere(): Promise<boolean>;
  /** The LID is ours: announce the node to peers and resend the outstanding requests. */
  commit(): Promise<void>;
  /** The move did not happen: close everything, telling no peer. */
  discard(): void;
}

/**
 * Rebuild a moving QP in this process from its image: a hidden context with
 * the QP's LID, GID and P_Key table, its regions (same keys, addresses, bytes), its CQs
 * with the unpolled completions, the QP (same QPN) connected to the same
 * peer with the same PSNs and posted receives.
 * @throws RdmaError `ERR_HUB_UNAVAILABLE` when this thread has no hub session or uses another hub; `ERR_MIGRATION_PROTOCOL` for an image that cannot be rebuilt; `ERR_UNREACHABLE` when the peer cannot be reached.
 */
export async function adoptQueuePair(image: QpImage): Promise<AdoptedQueuePair> {
  const h = image.header;
  const hub = currentHubSession();
  if (hub === null) throw hubUnavailable('no loop0 context of this thread is on the hub');
  const { node, release } = adoptHubNode({ lid: h.lid, gid: h.gid, qpnBase: h.qpnBase }, h.hub);
  const context = new Context(new LoopContext(node, release, allocateShared, h.pkeys));
  try {
    const pd = context.allocPd();
    const sendCq = cqFrom(context, h.sendCq);
    const recvCq = h.recvCq === null ? sendCq : cqFrom(context, h.recvCq);
    const regions = h.regions.map((r, i) => {
      const bytes = context.allocBuffer(r.length);
      bytes.set(image.regionBytes[i]!);
      node.presetRegion(r.key, BigInt(r.addr));
      const mr = pd.registerMemory(bytes, r.access);
      if (mr.rkey !== r.key) throw protocolError(`region key ${r.key} is taken`);
      return mr;
    });
    node.presetQpn(h.qpn);
    const c = h.caps;
    const qp = pd.createQp({
      type: QpType.RC, sendCq, recvCq, maxSendWr: c.maxSendWr, maxRecvWr: c.maxRecvWr, maxSge: c.maxSge, maxInline: c.maxInline, sqSigAll: c.sqSigAll, access: h.access,
    });
    if (qp.qpn !== h.qpn) throw protocolError(`QPN ${h.qpn} is taken`);
    const loopQp = qp.backend() as LoopQp;
    const a = h.attrs;
    if (a.ahAttr === null) throw protocolError('the image has no path to the peer');
    await loopQp.modify({ state: QpState.INIT, attrs: { pkeyIndex: a.pkeyIndex, port: a.port, accessFlags: a.accessFlags, qkey: a.qkey } });
    await loopQp.modify({
      state: QpState.RTR,
      attrs: { pathMtu: a.pathMtu, destQpn: a.destQpn, rqPsn: h.expectedPsn, maxDestRdAtomic: a.maxDestRdAtomic, minRnrTimer: a.minRnrTimer, ahAttr: a.ahAttr },
    });
    await loopQp.modify({
      state: QpState.RTS,
      attrs: { sqPsn: h.sends[0]?.psn ?? h.nextPsn, timeout: a.timeout, retryCnt: a.retryCnt, rnrRetry: a.rnrRetry, maxRdAtomic: a.maxRdAtomic },
    });
    const staging = new Map<number, MemoryRegion>();
    for (const [i, bytes] of image.inlineBytes) staging.set(i, pd.registerMemory(Uint8Array.from(bytes), Access.LOCAL_WRITE));
    const sgesOf = (list: readonly ImageSge[]): SgeSpec[] => list.map((s) => {
      const mr = regions[s.r];
      if (mr === undefined) throw protocolError(`an SGE names region ${s.r} of ${regions.length}`);
      return { mr: mr.backend(), offset: s.o, length: s.l };
    });
    loopQp.postRecv(h.recvs.map((r) => ({ wrId: r.wrId, sgList: sgesOf(r.sges), length: r.length })));
    loopQp.restoreAtomics(h.atomics.map(([psn, orig]) => [psn, BigInt(orig)] as const));
    pushAll(sendCq, h.sendCq);
    if (h.recvCq !== null) pushAll(recvCq, h.recvCq);
    const sends = h.sends.map((s, i) => {
      const inline = staging.get(i);
      return {
        wrId: s.wrId, opcode: s.opcode, sgList: inline ? [{ mr: inline.backend(), offset: 0, length: s.length }] : sgesOf(s.sges), length: s.length, imm: s.imm,
        remoteAddr: BigInt(s.remoteAddr), rkey: s.rkey, compareAdd: BigInt(s.compareAdd), swap: BigInt(s.swap), flags: s.flags, ah: null, remoteQpn: 0, remoteQkey: 0,
      };
    });
    return {
      moved: { context, pd, qp, sendCq, recvCq, regions },
      peerAddress: hub.session.peerAddress,
      ownedHere: async () => (await hub.session.locate(h.gid).catch(() => null))?.peer === hub.session.peerAddress,
      commit: async () => {
        peerTransport.reveal(node);
        const remote = loopQp.remote!;
        if ((await node.resolve(remote.gid).catch(() => null)) === null) {
          loopQp.fail(`the peer ${remote.gid} went away while its queue pair ${h.qpn} moved`);
        }
        if (sends.length > 0) loopQp.postSend(sends);
      },
      discard: () => context.close(),
    };
  } catch (err) {
    context.close();
    if (err instanceof RdmaError) throw err;
    throw protocolError(`the queue pair cannot be rebuilt here: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function cqFrom(context: Context, cq: ImageCq): CompletionQueue {
  return context.createCq({ depth: cq.depth });
}

function pushAll(cq: CompletionQueue, image: ImageCq): void {
  const backend = cq.backend() as LoopCq;
  for (const wc of image.wcs) backend.push(wc);
}
