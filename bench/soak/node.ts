/**
 * One process of the soak: loop0 through the hub, an RC QP to each other
 * node (a new one whenever that node is restarted), a UD QP for datagrams,
 * and traffic on all of them: self-checking SENDs, RDMA READs of the peer's
 * static area (checked against it), RDMA WRITEs, datagrams. Every work
 * request goes into the ledger; `finish` moves every QP to ERR, waits for
 * the last completions and reports.
 */
import {
  Access, QpType, WcStatus, WrOpcode, openDevice,
  type AddressHandle, type CompletionQueue, type Context, type MemoryRegion, type ProtectionDomain, type QueuePair, type RemoteMemory,
} from '../../lib/index.js';
import { Ledger } from './ledger.js';
import { HEADER_BYTES, messageIntact, staticArea, writeMessage } from './payload.js';
import type { NodeAnswers, NodeCommand, NodeId, NodeReport } from './protocol.js';

const SLOT = 4096;
const STATIC_BYTES = 64 * 1024;
const WRITE_AREA = STATIC_BYTES;
const REGION_BYTES = 4 * 1024 * 1024;
const FIRST_SLOT = 2 * STATIC_BYTES;
/** Requests in flight per link, receives posted per link. */
const WINDOW = 8;
const RECV_DEPTH = 24;
/** The GRH in front of a datagram. */
const GRH = 40;
const DATAGRAM_MAX = 1024;
/** A pause between rounds of posting, so that three nodes leave a shared machine some room. */
const ROUND_MS = 2;

const STATIC = staticArea(STATIC_BYTES);

type Kind = 'send' | 'read' | 'write' | 'recv' | 'udSend' | 'udRecv';

interface Pending {
  readonly kind: Kind;
  readonly link: Link | null;
  readonly slot: number;
  readonly postedAt: number;
  /** READ: where in the peer's static area it read. */
  readonly readFrom: number;
  readonly length: number;
}

interface Link {
  readonly peer: NodeId;
  readonly qp: QueuePair;
  remote: RemoteMemory | null;
  /** No more posts: replaced by a newer link or failed. */
  retired: boolean;
  failed: boolean;
  /** When the peer was killed (coordinator's clock), once known. */
  killedAt: number | null;
  lastSuccessPostedAt: number;
  outstanding: number;
}

let ctx: Context;
let pd: ProtectionDomain;
let cq: CompletionQueue;
let mr: MemoryRegion;
let ud: QueuePair;
const freeSlots: number[] = [];
const links: Link[] = [];
const datagramPeers = new Map<string, { ah: AddressHandle; qpn: number; qkey: number }>();
const pending = new Map<number, Pending>();
const ledger = new Ledger();
const violations: string[] = [];
let nextWrId = 1;
let seq = 1;
let running = false;
let stopping = false;
let checked = 0;
let dataErrors = 0;
let udRecvPosted = 0;

function violation(text: string): void {
  if (violations.length < 20) violations.push(text);
}

function takeSlot(): number | undefined {
  return freeSlots.pop();
}

function rand(n: number): number {
  return Math.floor(Math.random() * n);
}

/**
 * Post one request through `post` and book it. A post that throws is a
 * violation (the soak never overfills a queue) and is not booked.
 */
function book(kind: Kind, link: Link | null, slot: number, length: number, readFrom: number, post: (wrId: number) => void): void {
  const wrId = nextWrId++;
  try {
    post(wrId);
  } catch (err) {
    freeSlots.push(slot);
    violation(`posting a ${kind} threw: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  pending.set(wrId, { kind, link, slot, postedAt: Date.now(), readFrom, length });
  ledger.posted(wrId);
  if (link) link.outstanding++;
}

/** Post one request of a random kind on `link`; false when nothing could be posted. */
function postOne(link: Link): boolean {
  const slot = takeSlot();
  if (slot === undefined || link.remote === null) {
    if (slot !== undefined) freeSlots.push(slot);
    return false;
  }
  const bytes = mr.buffer.subarray(slot, slot + SLOT);
  const pick = rand(3);
  const length = HEADER_BYTES + rand(SLOT - HEADER_BYTES);
  const remoteAddr = BigInt(link.remote.addr);
  const rkey = link.remote.rkey;
  if (pick === 0) {
    writeMessage(bytes, seq++, length);
    book('send', link, slot, length, 0, (wrId) => link.qp.postSend({ wrId, opcode: WrOpcode.SEND, sgList: [{ mr, offset: slot, length }] }));
  } else if (pick === 1) {
    const from = rand(STATIC_BYTES - length);
    book('read', link, slot, length, from, (wrId) => link.qp.postSend({ wrId, opcode: WrOpcode.RDMA_READ, sgList: [{ mr, offset: slot, length }], remoteAddr: remoteAddr + BigInt(from), rkey }));
  } else {
    writeMessage(bytes, seq++, length);
    const at = remoteAddr + BigInt(WRITE_AREA + rand(STATIC_BYTES - length));
    book('write', link, slot, length, 0, (wrId) => link.qp.postSend({ wrId, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr, offset: slot, length }], remoteAddr: at, rkey }));
  }
  return true;
}

function postRecv(link: Link | null): boolean {
  const slot = takeSlot();
  if (slot === undefined) return false;
  const qp = link ? link.qp : ud;
  book(link ? 'recv' : 'udRecv', link, slot, SLOT, 0, (wrId) => qp.postRecv({ wrId, sgList: [{ mr, offset: slot, length: SLOT }] }));
  if (!link) udRecvPosted++;
  return true;
}

function postDatagram(): void {
  const peers = [...datagramPeers.values()];
  if (peers.length === 0) return;
  const to = peers[rand(peers.length)]!;
  const slot = takeSlot();
  if (slot === undefined) return;
  const length = HEADER_BYTES + rand(DATAGRAM_MAX - HEADER_BYTES);
  writeMessage(mr.buffer.subarray(slot, slot + length), seq++, length);
  book('udSend', null, slot, length, 0, (wrId) => ud.postSend({ wrId, opcode: WrOpcode.SEND, sgList: [{ mr, offset: slot, length }], ah: to.ah, remoteQpn: to.qpn, remoteQkey: to.qkey }));
}

/** Handle one completion: the ledger, the data check, the rule that a QP never succeeds after an error. */
function complete(wrId: number, status: number, byteLen: number): void {
  const p = pending.get(wrId);
  if (!ledger.completed(wrId, status)) {
    violation(`completion of wrId ${wrId} (status ${status}) that is not outstanding`);
    return;
  }
  pending.delete(wrId);
  const link = p!.link;
  if (link) link.outstanding--;
  if (status !== WcStatus.SUCCESS && status !== WcStatus.WR_FLUSH_ERR && status !== WcStatus.RETRY_EXC_ERR) {
    violation(`wrId ${wrId} (${p!.kind}) completed with status ${status}`);
  }
  if (link && status !== WcStatus.SUCCESS) link.failed = true;
  else if (link && link.failed) violation(`wrId ${wrId} (${p!.kind}) succeeded after an error on its QP`);
  if (link && status === WcStatus.SUCCESS) link.lastSuccessPostedAt = Math.max(link.lastSuccessPostedAt, p!.postedAt);
  const bytes = mr.buffer.subarray(p!.slot, p!.slot + SLOT);
  if (status === WcStatus.SUCCESS) {
    if (p!.kind === 'recv' || p!.kind === 'udRecv') {
      const skip = p!.kind === 'udRecv' ? GRH : 0;
      checked++;
      if (!messageIntact(bytes.subarray(skip, byteLen))) {
        dataErrors++;
        violation(`${p!.kind} wrId ${wrId}: ${byteLen} bytes arrived damaged`);
      }
    } else if (p!.kind === 'read') {
      checked++;
      const want = STATIC.subarray(p!.readFrom, p!.readFrom + p!.length);
      if (Buffer.compare(bytes.subarray(0, p!.length), want) !== 0) {
        dataErrors++;
        violation(`READ wrId ${wrId}: the data differs from the peer's static area`);
      }
    }
  }
  freeSlots.push(p!.slot);
  if (p!.kind === 'udRecv') {
    udRecvPosted--;
    if (running && !stopping) postRecv(null);
  } else if (p!.kind === 'recv' && status === WcStatus.SUCCESS && link && !link.retired && !stopping) {
    postRecv(link);
  }
}

function drain(): void {
  for (;;) {
    const wcs = cq.poll(256);
    for (const wc of wcs) complete(wc.wrId, wc.status, wc.byteLen);
    if (wcs.length < 256) return;
  }
}

/** Retire links that failed, and close the QPs of retired links once everything on them completed. */
function tidy(): void {
  for (let i = links.length - 1; i >= 0; i--) {
    const l = links[i]!;
    if (l.failed) l.retired = true;
    if (l.retired && l.outstanding === 0) {
      if (l.killedAt !== null && l.lastSuccessPostedAt > l.killedAt) {
        violation(`a request to ${l.peer.name}#${l.peer.incarnation} posted after it was killed succeeded`);
      }
      l.qp.close();
      links.splice(i, 1);
    }
  }
}

async function traffic(): Promise<void> {
  while (running) {
    if (!stopping) {
      for (const l of links) {
        if (l.retired) continue;
        let inFlight = 0;
        for (const p of pending.values()) if (p.link === l && p.kind !== 'recv') inFlight++;
        for (let i = inFlight; i < WINDOW; i++) if (!postOne(l)) break;
      }
      while (udRecvPosted < RECV_DEPTH && postRecv(null)) { /* fill */ }
      postDatagram();
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([cq.wait(), new Promise((r) => { timer = setTimeout(r, ROUND_MS); })]);
    clearTimeout(timer);
    drain();
    tidy();
    await new Promise((r) => setTimeout(r, ROUND_MS));
  }
}

function linkTo(peer: NodeId): Link | undefined {
  return links.find((l) => l.peer.name === peer.name && l.peer.incarnation === peer.incarnation);
}

async function run(cmd: NodeCommand): Promise<unknown> {
  switch (cmd.op) {
    case 'setup': {
      ctx = await openDevice('loop0', { hub: true });
      pd = ctx.allocPd();
      cq = ctx.createCq({ depth: 8192 });
      mr = pd.registerMemory(ctx.allocBuffer(REGION_BYTES), Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ);
      mr.buffer.set(STATIC, 0);
      for (let s = REGION_BYTES - SLOT; s >= FIRST_SLOT; s -= SLOT) freeSlots.push(s);
      ud = pd.createQp({ type: QpType.UD, sendCq: cq, maxSendWr: 256, maxRecvWr: 256 });
      await ud.connect();
      return { ud: ud.endpoint() } satisfies NodeAnswers['setup'];
    }
    case 'link': {
      // A new incarnation of the peer: the link to the old one takes no more requests.
      for (const l of links) if (l.peer.name === cmd.peer.name) l.retired = true;
      const qp = pd.createQp({ type: QpType.RC, sendCq: cq, maxSendWr: 64, maxRecvWr: 64 });
      const link: Link = { peer: cmd.peer, qp, remote: null, retired: false, failed: false, killedAt: null, lastSuccessPostedAt: 0, outstanding: 0 };
      links.push(link);
      for (let i = 0; i < RECV_DEPTH; i++) postRecv(link);
      return { endpoint: qp.endpoint(), region: mr.toRemote() } satisfies NodeAnswers['link'];
    }
    case 'connect': {
      const link = linkTo(cmd.peer);
      if (!link) throw new Error(`no link to ${cmd.peer.name}#${cmd.peer.incarnation}`);
      await link.qp.connect(cmd.endpoint);
      link.remote = cmd.region;
      return null;
    }
    case 'datagrams': {
      datagramPeers.get(cmd.peer.name)?.ah.close();
      datagramPeers.set(cmd.peer.name, { ah: pd.createAddressHandle(cmd.endpoint), qpn: cmd.endpoint.qpn, qkey: cmd.endpoint.qkey ?? 0x11111111 });
      return null;
    }
    case 'killed': {
      for (const l of links) if (l.peer.name === cmd.peer.name && l.peer.incarnation === cmd.peer.incarnation) l.killedAt = cmd.at;
      datagramPeers.get(cmd.peer.name)?.ah.close();
      datagramPeers.delete(cmd.peer.name);
      return null;
    }
    case 'start':
      if (!running) {
        running = true;
        void traffic().catch((err: unknown) => { violation(`traffic stopped: ${err instanceof Error ? err.message : String(err)}`); running = false; });
      }
      return null;
    case 'finish': {
      stopping = true;
      for (const l of links) { l.retired = true; l.qp.toError(); }
      ud.toError();
      const deadline = Date.now() + cmd.drainMs;
      while (ledger.outstanding > 0 && Date.now() < deadline) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([cq.wait(), new Promise((r) => { timer = setTimeout(r, 10); })]);
        clearTimeout(timer);
        drain();
      }
      tidy();
      running = false;
      const report: NodeReport = {
        name: '', posted: ledger.postedCount, byStatus: ledger.byStatus, lost: ledger.outstanding,
        duplicated: ledger.duplicated, checked, dataErrors, violations,
      };
      return report;
    }
  }
}

process.on('message', (raw: unknown) => {
  const { id, cmd } = raw as { id: number; cmd: NodeCommand };
  run(cmd).then(
    (value) => process.send!({ id, ok: true, value }),
    (err: unknown) => process.send!({ id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });

