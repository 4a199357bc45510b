import type { QueuePair } from '../queue-pair.js';
import type { SgeSpec } from '../provider/spi.js';
import { ProviderName } from '../constants/provider-name.js';
import { QpState, QpType, qpTypeName } from '../constants/qp.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { RdmaError } from '../errors/rdma-error.js';
import { UnsupportedError } from '../errors/unsupported-error.js';
import { LoopQp } from '../providers/loopback/qp.js';
import type { LoopCq } from '../providers/loopback/cq.js';
import { LoopMr } from '../providers/loopback/mr.js';
import { HubNode } from '../providers/loopback/hub/hub-node.js';
import { currentHubSession } from '../providers/loopback/hub/hub-runtime.js';
import { qpnBaseOfLid } from '../providers/loopback/hub/gid.js';
import { fabric } from '../providers/loopback/fabric.js';
import { QP_IMAGE_VERSION, encodeQpImage, type ImageSge, type QpImageHeader } from './qp-image.js';

/** A queue pair frozen for a move: its image, and the three ways the move can end. */
export interface FrozenQueuePair {
  /** What the target rebuilds the QP from. */
  readonly image: Uint8Array;
  /** Requests, receives and unpolled completions the image carries. */
  readonly counts: { readonly sends: number; readonly recvs: number; readonly completions: number; readonly regionBytes: number };
  /**
   * The hub gives the QP's LID to the process whose peer address is `peer`:
   * the commit point of the move.
   * @throws RdmaError the hub's refusal (`ERR_UNREACHABLE`: no such process) or `ERR_HUB_UNAVAILABLE`; the LID is still this process's then.
   */
  handOver(peer: string): Promise<void>;
  /** After `handOver`: close the QP's context here without telling peers it went (it lives on elsewhere). */
  finish(): void;
  /** The move did not happen: the completions go back into the CQs and the QP runs on, resending what was unacknowledged. */
  thaw(): void;
}

/**
 * Check that `qp` can move to another process and return its loop0 QP.
 * @throws UnsupportedError on a native provider, or for a private (`hub: false`) loop0 context.
 * @throws InvalidArgumentError when it is not RC, uses an SRQ, shares its context with other QPs or regions of other PDs, or its peer lives in this thread.
 * @throws RdmaError `ERR_BAD_STATE` when it is not connected (RTS).
 * @throws ClosedError when it is closed.
 */
export function movableQp(qp: QueuePair): LoopQp {
  const device = qp.pd.context.device;
  const backend = qp.backend();
  if (device.provider !== ProviderName.LOOPBACK || !(backend instanceof LoopQp)) {
    throw new UnsupportedError('queue-pair migration',
      `queue-pair migration needs loop0: on ${device.name} (${device.provider}) the QP's state (PSNs, queues, retransmissions) and the peer's path to it live in the NIC and the kernel, which a process cannot move or repoint`);
  }
  if (qp.type !== QpType.RC) throw new InvalidArgumentError('options.qp', `only RC queue pairs move, this one is ${qpTypeName(qp.type)}`);
  if (qp.srq !== null) throw new InvalidArgumentError('options.qp', 'a queue pair with a shared receive queue cannot move (the SRQ is shared with others)');
  const state = backend.state();
  if (state !== QpState.RTS || backend.frozen) throw new RdmaError('ERR_BAD_STATE', `queue pair ${backend.qpn} must be connected (RTS) and not moving to move`);
  const node = backend.node;
  if (!(node instanceof HubNode) || currentHubSession() === null) {
    throw new UnsupportedError('queue-pair migration', 'a private loop0 context (hub: false) cannot move: only the hub can give its LID to another process');
  }
  if (node.qps.size !== 1) {
    throw new InvalidArgumentError('options.qp', `its context holds ${node.qps.size} queue pairs: the whole context (LID, GID, regions) moves with the QP, so it must hold this one QP only`);
  }
  for (const mr of node.mrs.values()) {
    if (mr.pdId !== backend.pdId) throw new InvalidArgumentError('options.qp', 'its context has regions of another protection domain: every region of the context moves into the QP\'s');
  }
  const remote = backend.remote;
  if (remote === null || fabric.local(remote.gid) !== undefined) {
    throw new InvalidArgumentError('options.qp', 'its peer lives in this thread: a QP moves away from peers in other processes only');
  }
  return backend;
}

/**
 * Freeze `qp` (checked by `movableQp`) and take its image: attributes, PSNs,
 * outstanding requests, posted receives, unpolled completions, every
 * region with its keys, address and bytes.
 * @throws InvalidArgumentError when an outstanding request names a region that was closed (the QP runs on).
 */
export function freezeQueuePair(qp: QueuePair, loopQp: LoopQp): FrozenQueuePair {
  const node = loopQp.node as HubNode;
  const hub = currentHubSession()!;
  const sendCq = qp.sendCq.backend() as LoopCq;
  const recvCq = qp.recvCq.backend() as LoopCq;
  const snap = loopQp.freeze();
  const sendWcs = sendCq.takeAll();
  const recvWcs = recvCq === sendCq ? [] : recvCq.takeAll();
  const thaw = (): void => {
    for (const wc of sendWcs) sendCq.push(wc);
    for (const wc of recvWcs) recvCq.push(wc);
    loopQp.thaw();
  };
  const mrs = [...node.mrs.values()];
  const index = new Map<LoopMr, number>(mrs.map((mr, i) => [mr, i]));
  const sges = (list: readonly SgeSpec[]): ImageSge[] => list.map((s) => {
    const r = index.get(s.mr as LoopMr);
    if (r === undefined) {
      thaw();
      throw new InvalidArgumentError('options.qp', 'an outstanding request names a region that was closed');
    }
    return { r, o: s.offset, l: s.length };
  });
  const inlineBytes = new Map<number, Uint8Array>();
  const sends = snap.sends.map((s, i) => {
    const w = s.wr;
    if (s.inline) inlineBytes.set(i, s.inline);
    return {
      wrId: w.wrId, opcode: w.opcode, sges: s.inline ? [] : sges(w.sgList), length: w.length, imm: w.imm, remoteAddr: w.remoteAddr.toString(),
      rkey: w.rkey, compareAdd: w.compareAdd.toString(), swap: w.swap.toString(), flags: w.flags, psn: s.psn, inline: s.inline !== null,
    };
  });
  const recvs = snap.recv.recvs.map((r) => ({ wrId: r.wrId, sges: sges(r.sgList), length: r.length }));
  const header: QpImageHeader = {
    v: QP_IMAGE_VERSION, hub: hub.key, lid: node.lid, gid: node.gid, qpnBase: qpnBaseOfLid(node.lid), pkeys: [...node.pkeys], qpn: loopQp.qpn, caps: qp.caps,
    access: snap.attrs.accessFlags, attrs: snap.attrs, nextPsn: snap.nextPsn, expectedPsn: snap.recv.expectedPsn,
    regions: mrs.map((mr) => ({ key: mr.rkey, addr: mr.addr.toString(), length: mr.length, access: mr.access })),
    sends, recvs, atomics: snap.recv.atomics.map(([psn, orig]) => [psn, orig.toString()] as const),
    sendCq: { depth: sendCq.depth, wcs: sendWcs }, recvCq: recvCq === sendCq ? null : { depth: recvCq.depth, wcs: recvWcs },
  };
  const regionBytes = mrs.map((mr) => mr.bytes);
  const image = encodeQpImage(header, regionBytes, inlineBytes);
  return {
    image,
    counts: {
      sends: sends.length, recvs: recvs.length, completions: sendWcs.length + recvWcs.length,
      regionBytes: regionBytes.reduce((n, b) => n + b.length, 0),
    },
    handOver: async (peer) => {
      try {
        await hub.session.handOver(node.lid, peer);
      } catch (err) {
        // A lost answer: the hub may have moved it all the same.
        const where = await hub.session.locate(node.gid).catch(() => null);
        if (where?.peer !== peer) throw err;
      }
    },
    finish: () => {
      node.movedAway = true;
      qp.pd.context.close();
    },
    thaw,
  };
}
