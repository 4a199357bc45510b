/**
 * A small pure model of one RC connection on loop0: side `a` sends, side
 * `b` receives and is the target of RDMA. It says, for every step, whether
 * the call throws, and which completions each side must have seen once the
 * fabric is quiet: status per wrId, in order, each exactly once, and the
 * bytes every region must hold. It follows InfiniBand as docs/api.md states
 * it: requests execute in order; a send without a receive waits (RNR, for
 * ever by default); a local protection error, a remote access error or a
 * receiver's error completes the request in error and moves the QP to ERR,
 * which flushes the rest; a peer that stops answering (its QP destroyed or
 * in ERR, its thread or process gone or stopped) ends the oldest request
 * with RETRY_EXC_ERR.
 */
import { Access, WcOpcode, WcStatus, WrOpcode } from '../../lib/index.js';
import type { Action, FaultKind, SendSpec, Side } from './actions.js';
import { fillPattern } from './pattern.js';
import type { MemoryKind } from './protocol.js';

/** A completion the model expects: `status` is one value or the values allowed. */
export interface ExpectedWc {
  readonly wrId: number;
  readonly status: number | readonly number[];
  readonly byteLen?: number;
  readonly imm?: number;
  readonly opcode?: number;
}

/** What a call must do: return, or throw an error of this class. */
export type ExpectedOutcome = 'ok' | 'InvalidArgumentError' | 'ClosedError';

export interface RegionModel {
  readonly kind: MemoryKind;
  readonly size: number;
  readonly access: number;
  readonly otherPd: boolean;
  readonly bytes: Uint8Array;
  /** 1 where the model knows the byte; 0 where the order of two requests leaves it open (a send that reads what an earlier READ is still writing). */
  readonly known: Uint8Array;
  readonly addr: bigint;
  readonly rkey: number;
  closed: boolean;
}

interface SendModel {
  readonly wrId: number;
  readonly spec: SendSpec;
  readonly region: RegionModel;
  readonly remoteAddr: bigint;
  readonly rkey: number;
  /** The payload is undefined: an earlier request may still be writing the bytes it sends. */
  readonly hazard: boolean;
}

interface RecvModel {
  readonly wrId: number;
  readonly region: RegionModel;
  readonly offset: number;
  readonly length: number;
}

type QpModelState = 'RTS' | 'ERR' | 'CLOSED';
/** Side b as a whole: answering, gone (killed), or stopped. */
type PeerState = 'up' | 'gone' | 'stopped';

const OP_VALUE: Record<SendSpec['op'], number> = WrOpcode;
const ATOMIC = new Set<string>(['ATOMIC_FETCH_AND_ADD', 'ATOMIC_CMP_AND_SWP']);
/** Requests that write into their local range (the READ data, an atomic's original value). */
const WRITES_LOCAL = new Set<string>(['RDMA_READ', ...ATOMIC]);
/** Requests that read their local range and carry it to the peer. */
const READS_LOCAL = new Set<string>(['SEND', 'SEND_WITH_IMM', 'RDMA_WRITE', 'RDMA_WRITE_WITH_IMM']);
const RC_WC_OPCODE: Record<SendSpec['op'], number> = {
  SEND: WcOpcode.SEND, SEND_WITH_IMM: WcOpcode.SEND, RDMA_WRITE: WcOpcode.RDMA_WRITE, RDMA_WRITE_WITH_IMM: WcOpcode.RDMA_WRITE,
  RDMA_READ: WcOpcode.RDMA_READ, ATOMIC_FETCH_AND_ADD: WcOpcode.FETCH_ADD, ATOMIC_CMP_AND_SWP: WcOpcode.COMP_SWAP,
};

/** A wrong rkey for `rkey`: one no region of b is likely to have (the model looks it up all the same). */
export function wrongRkey(rkey: number): number {
  return (rkey ^ 0x5a5a0000) >>> 0;
}

/** The model of one run. */
export class Model {
  readonly regions: Record<Side, RegionModel[]> = { a: [], b: [] };
  /** Every completion each side must have seen so far, in order. */
  readonly wcs: Record<Side, ExpectedWc[]> = { a: [], b: [] };
  qpA: QpModelState = 'RTS';
  qpB: QpModelState = 'RTS';
  peer: PeerState = 'up';
  fault: FaultKind | null = null;
  #sq: SendModel[] = [];
  #rq: RecvModel[] = [];

  /** True while side b can be given commands. */
  get bReachable(): boolean {
    return this.peer === 'up';
  }

  /** True while a request of a waits at the head of a's queue (RNR): a's requester keeps retransmitting it. */
  get waiting(): boolean {
    return this.qpA === 'RTS' && this.#sq.length > 0;
  }

  /** True when b's completions are still checked (its completion queue is there to poll). */
  get bChecked(): boolean {
    return this.peer === 'up';
  }

  /** A region registered with the outcome the agent reported. */
  addRegion(side: Side, r: { kind: MemoryKind; size: number; access: number; otherPd: boolean; seed: number; addr: bigint; rkey: number }): void {
    this.regions[side].push({ ...r, bytes: fillPattern(r.size, r.seed), known: new Uint8Array(r.size).fill(1), closed: false });
  }

  /** Whether registering this memory must work. */
  static registers(kind: MemoryKind, access: number): boolean {
    if (kind !== 'sab' && kind !== 'alloc' && kind !== 'arraybuffer') return false;
    const needsLocalWrite = (access & (Access.REMOTE_WRITE | Access.REMOTE_ATOMIC)) !== 0;
    return !needsLocalWrite || (access & Access.LOCAL_WRITE) !== 0;
  }

  /** The region a step names (modulo the side's count). */
  region(side: Side, n: number): { index: number; region: RegionModel } {
    const list = this.regions[side];
    const index = n % list.length;
    return { index, region: list[index]! };
  }

  closeRegion(side: Side, n: number): void {
    this.region(side, n).region.closed = true;
    this.#pump();
  }

  /** b posts a receive. */
  postRecv(wrId: number, n: number, offset: number, length: number): ExpectedOutcome {
    const { region } = this.region('b', n);
    if (this.qpB === 'CLOSED' || region.closed) return 'ClosedError';
    if (offset + length > region.size) return 'InvalidArgumentError';
    if (this.qpB === 'ERR') {
      this.wcs.b.push({ wrId, status: WcStatus.WR_FLUSH_ERR });
      return 'ok';
    }
    this.#rq.push({ wrId, region, offset, length });
    this.#pump();
    return 'ok';
  }

  /** a posts a list of sends (all or none). `wrIds[i]` is the id of `specs[i]`. */
  postSend(wrIds: readonly number[], specs: readonly SendSpec[]): ExpectedOutcome {
    if (this.qpA === 'CLOSED') return 'ClosedError';
    const built: SendModel[] = [];
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i]!;
      const { region } = this.region('a', spec.mr);
      if (region.closed) return 'ClosedError';
      if (spec.offset + spec.length > region.size) return 'InvalidArgumentError';
      const target = this.region('b', spec.target.mr).region;
      const remoteAddr = target.addr + BigInt(spec.target.offset);
      if (ATOMIC.has(spec.op) && remoteAddr % 8n !== 0n) return 'InvalidArgumentError';
      const rkey = spec.target.wrongRkey ? wrongRkey(target.rkey) : target.rkey;
      const hazard = READS_LOCAL.has(spec.op) && [...this.#sq, ...built].some((e) => e.region === region && WRITES_LOCAL.has(e.spec.op) && overlaps(e.spec, spec));
      built.push({ wrId: wrIds[i]!, spec, region, remoteAddr, rkey, hazard });
    }
    if (this.qpA === 'ERR') {
      for (const e of built) this.wcs.a.push({ wrId: e.wrId, status: WcStatus.WR_FLUSH_ERR });
      return 'ok';
    }
    this.#sq.push(...built);
    this.#pump();
    return 'ok';
  }

  /** a's QP is destroyed: its outstanding requests vanish without completions. */
  closeQpA(): void {
    this.qpA = 'CLOSED';
    this.#sq = [];
  }

  /** Something happens to b (once per run). */
  applyFault(kind: FaultKind): void {
    this.fault = kind;
    if (kind === 'qpClose') {
      this.qpB = 'CLOSED';
      this.#rq = [];
    } else if (kind === 'qpErr') {
      this.#errorB();
    } else {
      this.peer = kind === 'kill' ? 'gone' : 'stopped';
    }
    this.#pump();
  }

  /** The end of a run: both QPs moved to ERR, so every request still queued completes. */
  finish(): void {
    if (this.qpA === 'RTS') this.#errorA();
    if (this.peer === 'up' && this.qpB === 'RTS') this.#errorB();
  }

  #errorA(): void {
    this.qpA = 'ERR';
    for (const e of this.#sq) this.wcs.a.push({ wrId: e.wrId, status: WcStatus.WR_FLUSH_ERR });
    this.#sq = [];
  }

  #errorB(): void {
    this.qpB = 'ERR';
    for (const r of this.#rq) this.wcs.b.push({ wrId: r.wrId, status: WcStatus.WR_FLUSH_ERR });
    this.#rq = [];
  }

  #failA(e: SendModel, status: number | readonly number[]): void {
    this.#sq.shift();
    this.wcs.a.push({ wrId: e.wrId, status });
    this.#errorA();
  }

  #succeedA(e: SendModel): void {
    this.#sq.shift();
    this.wcs.a.push({ wrId: e.wrId, status: WcStatus.SUCCESS, byteLen: e.spec.length, opcode: RC_WC_OPCODE[e.spec.op] });
  }

  /** Execute requests from the head of a's send queue until one has to wait or the QP leaves RTS. */
  #pump(): void {
    while (this.qpA === 'RTS' && this.#sq.length > 0) {
      const e = this.#sq[0]!;
      const { op } = e.spec;
      const local = localOk(e.region, WRITES_LOCAL.has(op));
      if (this.peer === 'gone') {
        // a's QP may have learnt of the loss already (and flushes), or not yet.
        this.#failA(e, [local ? WcStatus.RETRY_EXC_ERR : WcStatus.LOC_PROT_ERR, WcStatus.WR_FLUSH_ERR]);
        continue;
      }
      if (!local) {
        this.#failA(e, WcStatus.LOC_PROT_ERR);
        continue;
      }
      if (this.peer === 'stopped' || this.qpB !== 'RTS') {
        this.#failA(e, WcStatus.RETRY_EXC_ERR);
        continue;
      }
      if (op === 'SEND' || op === 'SEND_WITH_IMM') {
        const recv = this.#rq[0];
        if (recv === undefined) return; // RNR: waits for a receive
        this.#rq.shift();
        if (e.spec.length > recv.length) {
          this.wcs.b.push({ wrId: recv.wrId, status: WcStatus.LOC_LEN_ERR });
          this.#errorB();
          this.#failA(e, WcStatus.REM_INV_REQ_ERR);
          continue;
        }
        if (!localOk(recv.region, true)) {
          this.wcs.b.push({ wrId: recv.wrId, status: WcStatus.LOC_PROT_ERR });
          this.#errorB();
          this.#failA(e, WcStatus.REM_OP_ERR);
          continue;
        }
        copy(e.region, e.spec.offset, recv.region, recv.offset, e.spec.length, e.hazard);
        this.wcs.b.push({ wrId: recv.wrId, status: WcStatus.SUCCESS, byteLen: e.spec.length, opcode: WcOpcode.RECV, imm: op === 'SEND_WITH_IMM' ? e.spec.imm : 0 });
        this.#succeedA(e);
        continue;
      }
      const flag = op === 'RDMA_READ' ? Access.REMOTE_READ : ATOMIC.has(op) ? Access.REMOTE_ATOMIC : Access.REMOTE_WRITE;
      const t = this.#target(e, flag, ATOMIC.has(op) ? 8 : e.spec.length);
      if (t === null || (ATOMIC.has(op) && t.offset % 8 !== 0)) {
        this.#failA(e, WcStatus.REM_ACCESS_ERR);
        continue;
      }
      if (op === 'RDMA_WRITE_WITH_IMM') {
        const recv = this.#rq[0];
        if (recv === undefined) return; // RNR
        this.#rq.shift();
        this.wcs.b.push({ wrId: recv.wrId, status: WcStatus.SUCCESS, byteLen: e.spec.length, opcode: WcOpcode.RECV_RDMA_WITH_IMM, imm: e.spec.imm });
      }
      if (op === 'RDMA_READ') copy(t.region, t.offset, e.region, e.spec.offset, e.spec.length, false);
      else if (ATOMIC.has(op)) atomic(e, t.region, t.offset);
      else copy(e.region, e.spec.offset, t.region, t.offset, e.spec.length, e.hazard);
      this.#succeedA(e);
    }
  }

  /** The region of b an rkey-addressed range falls in, when b allows `flag` on all of it. */
  #target(e: SendModel, flag: number, length: number): { region: RegionModel; offset: number } | null {
    const region = this.regions.b.find((r) => r.rkey === e.rkey);
    if (region === undefined || region.closed || region.otherPd || (region.access & flag) === 0) return null;
    if (e.remoteAddr < region.addr) return null;
    const offset = Number(e.remoteAddr - region.addr);
    return offset + length <= region.size ? { region, offset } : null;
  }
}

/** Whether a request may use its local range: open, of the QP's PD, writable when the device writes into it. */
function localOk(region: RegionModel, write: boolean): boolean {
  return !region.closed && !region.otherPd && (!write || (region.access & Access.LOCAL_WRITE) !== 0);
}

function overlaps(a: SendSpec, b: SendSpec): boolean {
  return a.offset < b.offset + b.length && b.offset < a.offset + a.length;
}

function copy(from: RegionModel, fromOffset: number, to: RegionModel, toOffset: number, length: number, unknown: boolean): void {
  const bytes = from.bytes.slice(fromOffset, fromOffset + length);
  const known = unknown ? new Uint8Array(length) : from.known.slice(fromOffset, fromOffset + length);
  to.bytes.set(bytes, toOffset);
  to.known.set(known, toOffset);
}

function atomic(e: SendModel, target: RegionModel, offset: number): void {
  const view = new DataView(target.bytes.buffer, offset, 8);
  const orig = view.getBigUint64(0, true);
  const cas = e.spec.op === 'ATOMIC_CMP_AND_SWP';
  const knownBefore = target.known.subarray(offset, offset + 8).every((k) => k === 1);
  if (cas) {
    if (orig === e.spec.compareAdd) view.setBigUint64(0, e.spec.swap, true);
  } else {
    view.setBigUint64(0, BigInt.asUintN(64, orig + e.spec.compareAdd), true);
  }
  new DataView(e.region.bytes.buffer, e.spec.offset, 8).setBigUint64(0, orig, true);
  const k = knownBefore ? 1 : 0;
  target.known.fill(k, offset, offset + 8);
  e.region.known.fill(k, e.spec.offset, e.spec.offset + 8);
}

export { OP_VALUE };
