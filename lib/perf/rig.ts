import { Access } from '../constants/access.js';
import { QpType } from '../constants/qp.js';
import { LinkLayer } from '../constants/index.js';
import { ENDPOINT_VERSION, type Endpoint } from '../types/endpoint.js';
import type { Context } from '../context.js';
import type { ProtectionDomain, QueuePairInit } from '../protection-domain.js';
import type { CompletionQueue } from '../completion-queue.js';
import type { QueuePair } from '../queue-pair.js';
import type { MemoryRegion } from '../memory-region.js';
import { WcBatch } from '../wc-batch.js';
import type { PeerKeys } from './wire/keys.js';
import { gidBytes, gidText } from './gid-bytes.js';

/** What to build on an open device. */
export interface PerfRigPlan {
  /** Queue pairs (each with its own pair of buffers). */
  readonly qps: number;
  /** Bytes per buffer: the larger of the largest message and the cycle buffer. */
  readonly bufferSize: number;
  /** Send-queue depth per QP. */
  readonly sendDepth: number;
  /** Receive-queue depth per QP. */
  readonly recvDepth: number;
  /** Largest inline payload. */
  readonly inline: number;
  /** RDMA reads and atomics outstanding per QP, both directions. */
  readonly outReads: number;
}

/**
 * One side of a perf test, laid out as perftest lays out its own so that
 * either side may be a perftest tool: one region of `2 * qps * bufferSize`
 * bytes; QP `i` sends, reads into and receives into buffer `i` (the first
 * half) and offers buffer `qps + i` (the second half) to the peer.
 */
export class PerfRig {
  readonly batch = new WcBatch(64);
  /** Whether connection records carry a GID. */
  readonly withGid: boolean;

  private constructor(
    readonly ctx: Context,
    readonly plan: PerfRigPlan,
    readonly pd: ProtectionDomain,
    readonly cq: CompletionQueue,
    readonly qps: readonly QueuePair[],
    readonly mr: MemoryRegion,
    withGid: boolean,
  ) {
    this.withGid = withGid;
  }

  /**
   * Whether this side's connection records carry a GID: as perftest, when a
   * GID index was given or the port is Ethernet (RoCE); always on loopback
   * devices, whose queue pairs are found by GID.
   */
  static recordsCarryGid(ctx: Context, port: number, gidGiven: boolean): boolean {
    return gidGiven || ctx.device.provider !== 'native' || ctx.queryPort(port).linkLayer === LinkLayer.ETHERNET;
  }

  /**
   * Build PD, one CQ, the QPs and the region on `ctx`.
   * @param withGid records carry a GID (see `recordsCarryGid`)
   * @throws whatever the library throws (memory limits, device limits).
   */
  static create(ctx: Context, plan: PerfRigPlan, withGid: boolean): PerfRig {
    const { pd, cq, init } = PerfRig.#base(ctx, plan);
    const qps: QueuePair[] = [];
    for (let i = 0; i < plan.qps; i++) qps.push(pd.createQp({ ...init, type: QpType.RC }));
    return PerfRig.#finish(ctx, plan, pd, cq, qps, withGid);
  }

  /**
   * Build the rig with QPs that `connectQp` makes and connects, one after
   * the other (`-R`: rdma_cm creates and connects each on its own id).
   * @throws whatever the library or `connectQp` throws.
   */
  static async createConnected(
    ctx: Context, plan: PerfRigPlan, withGid: boolean,
    connectQp: (pd: ProtectionDomain, init: Omit<QueuePairInit, 'type'>) => Promise<QueuePair>,
  ): Promise<PerfRig> {
    const { pd, cq, init } = PerfRig.#base(ctx, plan);
    const qps: QueuePair[] = [];
    for (let i = 0; i < plan.qps; i++) qps.push(await connectQp(pd, init));
    return PerfRig.#finish(ctx, plan, pd, cq, qps, withGid);
  }

  static #base(ctx: Context, plan: PerfRigPlan): { pd: ProtectionDomain; cq: CompletionQueue; init: Omit<QueuePairInit, 'type'> } {
    const pd = ctx.allocPd();
    const cq = ctx.createCq({ depth: Math.max(64, plan.qps * (plan.sendDepth + plan.recvDepth)) });
    const init = { sendCq: cq, recvCq: cq, maxSendWr: plan.sendDepth, maxRecvWr: plan.recvDepth, maxSge: 1, maxInline: plan.inline };
    return { pd, cq, init };
  }

  static #finish(ctx: Context, plan: PerfRigPlan, pd: ProtectionDomain, cq: CompletionQueue, qps: QueuePair[], withGid: boolean): PerfRig {
    const bytes = ctx.allocBuffer(2 * plan.qps * plan.bufferSize);
    const mr = pd.registerMemory(bytes, Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ | Access.REMOTE_ATOMIC);
    return new PerfRig(ctx, plan, pd, cq, qps, mr, withGid);
  }

  /** The region's bytes. */
  get buffer(): Uint8Array { return this.mr.buffer; }

  /** Offset of QP `i`'s own buffer (sources, read targets, receives). */
  localOffset(i: number): number { return i * this.plan.bufferSize; }

  /** Offset of the buffer QP `i` offers to the peer. */
  remoteOffset(i: number): number { return (this.plan.qps + i) * this.plan.bufferSize; }

  /** QP `i`'s connection record. */
  keys(i: number): PeerKeys {
    const ep = this.qps[i]!.endpoint();
    return {
      lid: ep.lid, outReads: this.plan.outReads, qpn: ep.qpn, psn: ep.psn, rkey: this.mr.rkey,
      vaddr: BigInt(this.mr.toRemote().addr) + BigInt(this.remoteOffset(i)),
      gid: this.withGid ? gidBytes(ep.gid) : null, srqn: 0,
    };
  }

  /**
   * Connect QP `i` to the peer's record (INIT -> RTR -> RTS), on the path
   * MTU both sides settled.
   * @throws whatever `QueuePair.connect()` throws.
   */
  async connect(i: number, peer: PeerKeys, mtu: number): Promise<void> {
    const qp = this.qps[i]!;
    const own = qp.endpoint();
    const remote: Endpoint = {
      v: ENDPOINT_VERSION, provider: own.provider, lid: peer.lid, gid: peer.gid === null ? 'fe80::' : gidText(peer.gid),
      gidIndex: own.gidIndex, qpn: peer.qpn, psn: peer.psn, qpType: QpType.RC, mtu: Math.min(mtu, own.mtu), port: own.port,
    };
    await qp.connect(remote, { minRnrTimer: 12, rnrRetry: 7, retryCnt: 7, timeout: ackTimeoutFor(this.ctx), maxRdAtomic: Math.max(1, Math.min(16, this.plan.outReads, peer.outReads || 1)) });
  }

  /** Close everything (idempotent). */
  close(): void {
    this.ctx.close();
  }
}

/**
 * The local ACK timeout code of the test QPs: perftest's 14 (67 ms) on a
 * device, whose responder answers in hardware; 18 (about 1.07 s) on loop0,
 * whose responder is the peer process, which a loaded or emulated CPU may
 * not run for longer than 67 ms (the requester would give up with
 * RETRY_EXC_ERR while the peer is alive).
 */
function ackTimeoutFor(ctx: Context): number {
  return ctx.device.provider === 'native' ? 14 : 18;
}
