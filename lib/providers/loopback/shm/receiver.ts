import { QpType } from '../../../constants/qp.js';
import { EMPTY_PAYLOAD } from '../payload.js';
import type { LoopNode } from '../node.js';
import { Def, Drop, Kind, Rec, Req, Resp, Seg } from './layout.js';
import type { InRing, Peer } from './peer.js';
import { RingPayload, Source } from './ring-payload.js';
import { RingRequest, RingResponse } from './ring-packets.js';
import { OpTrait } from '../../../constants/wr-opcode-traits.js';
import { requestTraits, type RequestPacket } from '../packets.js';
import { shmStats } from './stats.js';

/** What the receiver needs from its transport. */
export interface ReceiverHost {
  /** The node of this thread with `gid`, if open. */
  local(gid: string): LoopNode | undefined;
  /** The node `gid` lives in `peer`'s thread (learned from a ring, ahead of any announcement). */
  learn(gid: string, peer: Peer): void;
  /** Handle the control messages already queued (a record names a buffer not known yet). */
  drainControl(): void;
  /** Answer a request for a node that is not here (closed). */
  noResponder(req: RequestPacket): void;
}

/**
 * Consumes the records of the rings peers send to this thread: decodes
 * each into one reused packet and payload, hands it to the node it names,
 * and frees the room. A record naming a buffer not known yet waits (the
 * ring stalls) until the control message sharing it has been handled.
 */
export class Receiver {
  readonly #host: ReceiverHost;
  readonly #req = new RingRequest();
  readonly #resp = new RingResponse();
  readonly #payload = new RingPayload();

  constructor(host: ReceiverHost) {
    this.#host = host;
  }

  /** Consume up to `budget` records of `peer`'s ring. Returns how many were consumed. */
  drain(peer: Peer, budget: number): number {
    const inr = peer.in;
    if (!inr) return 0;
    const reader = inr.reader;
    const r = reader.ring;
    let n = 0;
    while (n < budget) {
      const off = reader.next();
      if (off < 0) break;
      const i = off >> 2;
      const len = r.i32[i + Rec.LEN / 4]!;
      const kind = r.i32[i + Rec.KIND / 4]!;
      try {
        if (!this.#handle(peer, inr, off, kind)) break;
      } catch (err) {
        // Consume the record anyway: it must not be delivered twice.
        if (reader.release(len)) peer.block.ring();
        throw err;
      }
      n++;
      shmStats.recordsIn++;
      if (reader.release(len)) peer.block.ring();
    }
    return n;
  }

  /** Handle one record; false when it must wait (a buffer it names is not known yet). */
  #handle(peer: Peer, inr: InRing, off: number, kind: number): boolean {
    switch (kind) {
      case Kind.REQUEST: return this.#request(peer, inr, off);
      case Kind.RESPONSE: return this.#response(peer, inr, off);
      case Kind.DEFINE_GID:
        this.#define(peer, inr, off);
        return true;
      case Kind.DROP_SAB:
        peer.buffers.delete(inr.ring.i32[(off + Drop.ID) >> 2]!);
        return true;
      default:
        return true;
    }
  }

  #define(peer: Peer, inr: InRing, off: number): void {
    const r = inr.ring;
    const id = r.i32[(off + Def.ID) >> 2]!;
    const len = r.i32[(off + Def.LEN) >> 2]!;
    // One flat string (not a chain of concatenations): it is hashed on every packet that names it.
    const gid = String.fromCharCode(...r.bytes.subarray(off + Def.TEXT, off + Def.TEXT + len));
    inr.gids[id] = gid;
    if (r.i32[(off + Def.OWN) >> 2] === 1) this.#host.learn(gid, peer);
  }

  /** Fill the reused payload from the segment table at `segs`; false when a buffer is not known yet. */
  #segments(peer: Peer, inr: InRing, off: number, segs: number, nseg: number, length: number): boolean {
    const r = inr.ring;
    const p = this.#payload;
    p.reset(length);
    for (let k = 0; k < nseg; k++) {
      const s = off + segs + k * Seg.BYTES;
      const source = r.i32[(s + Seg.SOURCE) >> 2]!;
      const len = r.i32[(s + Seg.LEN) >> 2]! >>> 0;
      const at = r.f64[(s + Seg.OFFSET) >> 3]!;
      if (source === 0) {
        p.add(r.bytes, off + at, len, Source.RING);
        continue;
      }
      let buf = peer.buffers.get(source);
      if (!buf) {
        this.#host.drainControl();
        buf = peer.buffers.get(source);
        if (!buf) {
          p.clear();
          return false;
        }
      }
      p.add(buf, at, len, source > 0 ? Source.SHARED : Source.STAGED);
    }
    return true;
  }

  /** Forget the staging buffers of the record just delivered. */
  #release(peer: Peer, inr: InRing, off: number, segs: number, nseg: number): void {
    const r = inr.ring;
    for (let k = 0; k < nseg; k++) {
      const source = r.i32[(off + segs + k * Seg.BYTES + Seg.SOURCE) >> 2]!;
      if (source < 0) peer.buffers.delete(source);
    }
    this.#payload.clear();
  }

  #request(peer: Peer, inr: InRing, off: number): boolean {
    const r = inr.ring;
    const i = off >> 2;
    const i32 = r.i32;
    const nseg = i32[i + Req.NSEG / 4]!;
    if (!this.#segments(peer, inr, off, Req.SEGS, nseg, i32[i + Req.PAY_LEN / 4]! >>> 0)) return false;
    const q = this.#req;
    const dst = inr.gids[i32[i + Req.DST_NODE / 4]!];
    q.srcGid = inr.gids[i32[i + Req.SRC_NODE / 4]!] ?? '';
    q.srcLid = i32[i + Req.SRC_LID / 4]!;
    q.srcQpn = i32[i + Req.SRC_QPN / 4]!;
    q.dstQpn = i32[i + Req.DST_QPN / 4]!;
    q.opcode = i32[i + Req.OPCODE / 4]!;
    q.psn = r.f64[(off + Req.PSN) >> 3]!;
    q.imm = i32[i + Req.IMM / 4]! >>> 0;
    q.rkey = i32[i + Req.RKEY / 4]! >>> 0;
    q.readLength = i32[i + Req.READ_LEN / 4]! >>> 0;
    q.qkey = i32[i + Req.QKEY / 4]! >>> 0;
    q.qpType = i32[i + Req.QP_TYPE / 4]!;
    const flags = i32[i + Req.FLAGS / 4]!;
    q.solicited = (flags & 1) !== 0;
    q.pkey = (flags >>> 16) & 0xffff;
    q.payload = nseg > 0 ? this.#payload : EMPTY_PAYLOAD;
    // Only the opcodes that use them carry 64-bit fields: reading one allocates a BigInt.
    const traits = requestTraits(q.opcode);
    const atomic = (traits & OpTrait.ATOMIC) !== 0;
    q.remoteAddr = (traits & OpTrait.REMOTE) !== 0 ? r.u64[(off + Req.REMOTE_ADDR) >> 3]! : 0n;
    q.compareAdd = atomic ? r.u64[(off + Req.COMPARE_ADD) >> 3]! : 0n;
    q.swap = atomic ? r.u64[(off + Req.SWAP) >> 3]! : 0n;
    try {
      const node = dst === undefined ? undefined : this.#host.local(dst);
      if (node) node.deliverRequest(q);
      else if (q.qpType !== QpType.UD) this.#host.noResponder(q);
    } finally {
      q.payload = EMPTY_PAYLOAD;
      this.#release(peer, inr, off, Req.SEGS, nseg);
    }
    return true;
  }

  #response(peer: Peer, inr: InRing, off: number): boolean {
    const r = inr.ring;
    const i = off >> 2;
    const i32 = r.i32;
    const flags = i32[i + Resp.FLAGS / 4]!;
    const hasData = (flags & 1) !== 0;
    const nseg = hasData ? i32[i + Resp.NSEG / 4]! : 0;
    if (hasData && !this.#segments(peer, inr, off, Resp.SEGS, nseg, i32[i + Resp.PAY_LEN / 4]! >>> 0)) return false;
    const p = this.#resp;
    const dst = inr.gids[i32[i + Resp.DST_NODE / 4]!];
    p.dstQpn = i32[i + Resp.DST_QPN / 4]!;
    p.psn = r.f64[(off + Resp.PSN) >> 3]!;
    p.syndrome = i32[i + Resp.SYNDROME / 4]!;
    p.rnrDelayMs = r.f64[(off + Resp.RNR_DELAY) >> 3]!;
    p.atomicOrig = (flags & 2) !== 0 ? r.u64[(off + Resp.ATOMIC_ORIG) >> 3]! : 0n;
    p.data = hasData ? this.#payload : null;
    try {
      const node = dst === undefined ? undefined : this.#host.local(dst);
      node?.deliverResponse(p);
    } finally {
      p.data = null;
      if (hasData) this.#release(peer, inr, off, Resp.SEGS, nseg);
    }
    return true;
  }
}
