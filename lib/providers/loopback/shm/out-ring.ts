import { QpType } from '../../../constants/qp.js';
import { OpTrait } from '../../../constants/wr-opcode-traits.js';
import { requestTraits, type RequestPacket, type ResponsePacket } from '../packets.js';
import { BytesPayload, payloadIntact, snapshot } from '../payload.js';
import { Def, Drop, Kind, Req, Resp, Seg, SLOT_BYTES, roundUp } from './layout.js';
import { Ring, RingWriter } from './ring.js';
import type { PayloadPlan } from './payload-plan.js';
import type { SabRegistry } from './sab-registry.js';
import type { ThreadBlock } from './thread-block.js';
import { shmStats } from './stats.js';

/** What an `OutRing` needs from its transport. */
export interface OutRingHost {
  readonly registry: SabRegistry;
  /** Plain payload bytes that still travel inside a record. */
  readonly inlineMax: number;
  /** The thread's reusable payload plan. */
  readonly plan: PayloadPlan;
  /** Make `sab` known to the transport `to` as `id`; posted before any record naming it is published. */
  share(to: number, id: number, sab: ArrayBufferLike): void;
}

type Pending =
  | { readonly kind: 0; readonly gid: string; readonly req: RequestPacket }
  | { readonly kind: 1; readonly gid: string; readonly resp: ResponsePacket }
  | { readonly kind: 2; readonly id: number };

/**
 * This thread's side of the ring to one peer thread: encodes packets into
 * records, names GIDs and shared buffers once, and keeps packets that find
 * the ring full in a backlog (in order; never dropped) until the consumer
 * frees room.
 */
export class OutRing {
  readonly ring: Ring;
  readonly #w: RingWriter;
  readonly #host: OutRingHost;
  readonly #consumer: ThreadBlock;
  readonly #consumerId: number;
  readonly #gids = new Map<string, number>();
  readonly #newGids: string[] = [];
  /** The last two GIDs looked up and their ids: [gid, id, gid, id]. */
  readonly #cache: Array<string | number> = ['', 0, '', 0];
  #nextGid = 1;
  readonly #shared = new Set<number>();
  #backlog: Pending[] = [];
  #head = 0;
  #closed = false;

  /** @param consumer the consuming thread's block; @param consumerId its transport's id. */
  constructor(ring: Ring, host: OutRingHost, consumer: ThreadBlock, consumerId: number) {
    this.ring = ring;
    this.#w = new RingWriter(ring);
    this.#host = host;
    this.#consumer = consumer;
    this.#consumerId = consumerId;
  }

  /** True while packets wait for room. */
  get backlogged(): boolean {
    return this.#head < this.#backlog.length;
  }

  /** Send a request to the node `gid` of the consumer's thread. */
  sendRequest(gid: string, req: RequestPacket): void {
    if (this.#closed) return;
    if (!this.backlogged && this.#request(gid, req)) {
      this.#consumer.ring();
      return;
    }
    // UC and UD complete at once: the sender may reuse its buffer, so keep a copy.
    const kept = req.qpType === QpType.RC || req.payload.length === 0 ? req : { ...req, payload: new BytesPayload(snapshot(req.payload)) };
    this.#defer({ kind: 0, gid, req: kept });
  }

  /** Send a response to the node `gid` of the consumer's thread. */
  sendResponse(gid: string, resp: ResponsePacket): void {
    if (this.#closed) return;
    if (!this.backlogged && this.#response(gid, resp)) {
      this.#consumer.ring();
      return;
    }
    this.#defer({ kind: 1, gid, resp });
  }

  /** This thread let go of shared buffer `id`: tell the consumer, after every record naming it. */
  dropBuffer(id: number): void {
    if (this.#closed || !this.#shared.delete(id)) return;
    if (!this.backlogged && this.#drop(id)) {
      this.#consumer.ring();
      return;
    }
    this.#defer({ kind: 2, id });
  }

  /** Write what the backlog holds while there is room. Returns true when the backlog is empty. */
  flush(): boolean {
    let wrote = false;
    const log = this.#backlog;
    while (this.#head < log.length && !this.#closed) {
      if (!this.#write(log[this.#head]!)) {
        if (this.#w.wantSpace()) continue;
        break;
      }
      this.#head++;
      wrote = true;
    }
    if (wrote) this.#consumer.ring();
    if (this.#head >= log.length) {
      this.#backlog = [];
      this.#head = 0;
      return true;
    }
    if (this.#head > 1024 && this.#head * 2 > log.length) {
      this.#backlog = log.slice(this.#head);
      this.#head = 0;
    }
    return false;
  }

  /** Stop sending: the consumer is gone. Packets waiting are dropped. */
  close(): void {
    this.#closed = true;
    this.#backlog = [];
    this.#head = 0;
  }

  #defer(p: Pending): void {
    shmStats.backlogged++;
    this.#backlog.push(p);
    if (this.#w.wantSpace()) this.flush();
  }

  #write(p: Pending): boolean {
    switch (p.kind) {
      case 0: return !payloadIntact(p.req.payload) || this.#request(p.gid, p.req);
      case 1: return (p.resp.data !== null && !payloadIntact(p.resp.data)) || this.#response(p.gid, p.resp);
      default: return this.#drop(p.id);
    }
  }

  #request(dst: string, p: RequestPacket): boolean {
    const w = this.#w;
    const mark = w.mark();
    const dstId = this.#gid(dst, 0);
    const srcId = dstId === 0 ? 0 : this.#gid(p.srcGid, 1);
    if (srcId === 0) return this.#undo(mark);
    const plan = this.#host.plan;
    plan.plan(p.payload, p.qpType === QpType.RC);
    const staged = plan.copied > this.#host.inlineMax;
    const inlineAt = Req.SEGS + plan.count * Seg.BYTES;
    const size = roundUp(inlineAt + (staged ? 0 : plan.copied), SLOT_BYTES);
    const off = w.reserve(size);
    if (off < 0) {
      plan.clear();
      return this.#undo(mark);
    }
    const r = this.ring;
    const i = off >> 2;
    const i32 = r.i32;
    i32[i] = size;
    i32[i + 1] = Kind.REQUEST;
    i32[i + Req.DST_NODE / 4] = dstId;
    i32[i + Req.SRC_NODE / 4] = srcId;
    i32[i + Req.SRC_LID / 4] = p.srcLid;
    i32[i + Req.SRC_QPN / 4] = p.srcQpn;
    i32[i + Req.DST_QPN / 4] = p.dstQpn;
    i32[i + Req.OPCODE / 4] = p.opcode;
    r.f64[(off + Req.PSN) >> 3] = p.psn;
    i32[i + Req.IMM / 4] = p.imm;
    i32[i + Req.RKEY / 4] = p.rkey;
    i32[i + Req.READ_LEN / 4] = p.readLength;
    i32[i + Req.QKEY / 4] = p.qkey;
    // The 64-bit fields travel only with the opcodes that use them (the consumer reads them only then).
    const traits = requestTraits(p.opcode);
    if ((traits & OpTrait.REMOTE) !== 0) r.u64[(off + Req.REMOTE_ADDR) >> 3] = p.remoteAddr;
    if ((traits & OpTrait.ATOMIC) !== 0) {
      r.u64[(off + Req.COMPARE_ADD) >> 3] = p.compareAdd;
      r.u64[(off + Req.SWAP) >> 3] = p.swap;
    }
    i32[i + Req.QP_TYPE / 4] = p.qpType;
    i32[i + Req.FLAGS / 4] = (p.solicited ? 1 : 0) | ((p.pkey & 0xffff) << 16);
    i32[i + Req.PAY_LEN / 4] = p.payload.length;
    i32[i + Req.NSEG / 4] = plan.count;
    this.#segments(off, Req.SEGS, inlineAt, staged);
    w.publish();
    this.#newGids.length = 0;
    shmStats.recordsOut++;
    return true;
  }

  #response(dst: string, p: ResponsePacket): boolean {
    const w = this.#w;
    const mark = w.mark();
    const dstId = this.#gid(dst, 0);
    if (dstId === 0) return this.#undo(mark);
    const plan = this.#host.plan;
    const data = p.data;
    let staged = false;
    let inlineAt = Resp.SEGS;
    let size = roundUp(Resp.SEGS, SLOT_BYTES);
    if (data) {
      // READ data is taken now, never by reference: a later request of the
      // same QP (an atomic, a WRITE) executes here before the requester
      // would copy it, and must not show through in the READ's result.
      plan.plan(data, false);
      staged = plan.copied > this.#host.inlineMax;
      inlineAt = Resp.SEGS + plan.count * Seg.BYTES;
      size = roundUp(inlineAt + (staged ? 0 : plan.copied), SLOT_BYTES);
    }
    const off = w.reserve(size);
    if (off < 0) {
      if (data) plan.clear();
      return this.#undo(mark);
    }
    const r = this.ring;
    const i = off >> 2;
    const i32 = r.i32;
    i32[i] = size;
    i32[i + 1] = Kind.RESPONSE;
    i32[i + Resp.DST_NODE / 4] = dstId;
    i32[i + Resp.DST_QPN / 4] = p.dstQpn;
    r.f64[(off + Resp.PSN) >> 3] = p.psn;
    i32[i + Resp.SYNDROME / 4] = p.syndrome;
    const orig = p.atomicOrig !== 0n;
    i32[i + Resp.FLAGS / 4] = (data ? 1 : 0) | (orig ? 2 : 0);
    r.f64[(off + Resp.RNR_DELAY) >> 3] = p.rnrDelayMs;
    if (orig) r.u64[(off + Resp.ATOMIC_ORIG) >> 3] = p.atomicOrig;
    i32[i + Resp.PAY_LEN / 4] = data ? data.length : 0;
    i32[i + Resp.NSEG / 4] = data ? plan.count : 0;
    if (data) this.#segments(off, Resp.SEGS, inlineAt, staged);
    w.publish();
    this.#newGids.length = 0;
    shmStats.recordsOut++;
    return true;
  }

  #drop(id: number): boolean {
    const off = this.#w.reserve(SLOT_BYTES);
    if (off < 0) return false;
    const i32 = this.ring.i32;
    i32[off >> 2] = SLOT_BYTES;
    i32[(off >> 2) + 1] = Kind.DROP_SAB;
    i32[(off + Drop.ID) >> 2] = id;
    this.#w.publish();
    shmStats.recordsOut++;
    return true;
  }

  /** Write the segment table at `segsAt` and the copied bytes (record or staging buffer) of the planned payload. */
  #segments(off: number, segsAt: number, inlineAt: number, staged: boolean): void {
    const host = this.#host;
    const plan = host.plan;
    const r = this.ring;
    let copyPos = 0;
    let stage: Uint8Array | null = null;
    let stageId = 0;
    if (staged) {
      stage = new Uint8Array(new SharedArrayBuffer(plan.copied));
      stageId = host.registry.stagedId();
    }
    for (let k = 0; k < plan.count; k++) {
      const s = off + segsAt + k * Seg.BYTES;
      const len = plan.length[k]!;
      r.i32[(s + Seg.LEN) >> 2] = len;
      const sab = plan.sab[k];
      if (sab) {
        const id = host.registry.idOf(sab);
        if (!this.#shared.has(id)) {
          this.#shared.add(id);
          host.share(this.#consumerId, id, sab);
        }
        r.i32[(s + Seg.SOURCE) >> 2] = id;
        r.f64[(s + Seg.OFFSET) >> 3] = plan.bytes[k]!.byteOffset + plan.offset[k]!;
      } else if (stage) {
        plan.copyPiece(k, stage, copyPos);
        r.i32[(s + Seg.SOURCE) >> 2] = stageId;
        r.f64[(s + Seg.OFFSET) >> 3] = copyPos;
        copyPos += len;
      } else {
        plan.copyPiece(k, r.bytes, off + inlineAt + copyPos);
        r.i32[(s + Seg.SOURCE) >> 2] = 0;
        r.f64[(s + Seg.OFFSET) >> 3] = inlineAt + copyPos;
        copyPos += len;
      }
    }
    if (stage) {
      host.share(this.#consumerId, stageId, stage.buffer as SharedArrayBuffer);
      shmStats.stagedBytesOut += copyPos;
    } else {
      shmStats.ringBytesOut += copyPos;
    }
    plan.clear();
  }

  /** The ring id of `gid`, defining it first when new; 0 when the ring lacks room. */
  #gid(gid: string, own: number): number {
    // Packets keep naming the same few nodes with the same string objects: compare those first.
    const c = this.#cache;
    if (gid === c[0]) return c[1] as number;
    if (gid === c[2]) return c[3] as number;
    const known = this.#gids.get(gid);
    if (known !== undefined) {
      c[2] = c[0];
      c[3] = c[1];
      c[0] = gid;
      c[1] = known;
      return known;
    }
    const size = roundUp(Def.TEXT + gid.length, SLOT_BYTES);
    const off = this.#w.reserve(size);
    if (off < 0) return 0;
    const id = this.#nextGid++;
    const r = this.ring;
    const i = off >> 2;
    r.i32[i] = size;
    r.i32[i + 1] = Kind.DEFINE_GID;
    r.i32[i + Def.ID / 4] = id;
    r.i32[i + Def.OWN / 4] = own;
    r.i32[i + Def.LEN / 4] = gid.length;
    for (let k = 0; k < gid.length; k++) r.bytes[off + Def.TEXT + k] = gid.charCodeAt(k);
    this.#gids.set(gid, id);
    this.#newGids.push(gid);
    shmStats.recordsOut++;
    return id;
  }

  /** Undo unpublished records (and the GIDs they defined); returns false. */
  #undo(mark: number): false {
    this.#w.rollback(mark);
    for (const g of this.#newGids) this.#gids.delete(g);
    shmStats.recordsOut -= this.#newGids.length;
    this.#newGids.length = 0;
    return false;
  }
}
