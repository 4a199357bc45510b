/**
 * A test child: a real process that opens loop0 and does what the parent
 * test tells it over the IPC channel, one command at a time. Each reply is
 * `{ id, ok: true, value }` or `{ id, ok: false, error, code }`.
 */
import { createHash } from 'node:crypto';
import {
  Access, QpState, QpType, WrOpcode, openDevice,
  type AsyncEvent, type CmId, type ConnectOptions, type CompletionQueue, type Context, type Endpoint, type MemoryRegion, type ProtectionDomain, type QueuePair, type RemoteMemory, type SendWorkRequest,
} from '../../lib/index.js';
import { readMappingStats } from '../../lib/providers/loopback/mapping/stats.js';

/** One command from the parent. */
export type ChildCommand =
  | { readonly op: 'open'; readonly hub?: boolean; readonly hubAddress?: string; readonly hubToken?: string; readonly pkeys?: number[] }
  | { readonly op: 'setup'; readonly size: number; readonly pkeyIndex?: number }
  | { readonly op: 'newQp' }
  | { readonly op: 'connect'; readonly endpoint: Endpoint; readonly mem: RemoteMemory; readonly options?: ConnectOptions }
  | { readonly op: 'fill'; readonly offset: number; readonly len: number; readonly seed: number }
  | { readonly op: 'hash'; readonly offset: number; readonly len: number }
  | { readonly op: 'bytes'; readonly offset: number; readonly len: number }
  | { readonly op: 'recv'; readonly count: number; readonly offset: number; readonly len: number }
  | { readonly op: 'post'; readonly wrs: readonly ChildWr[]; readonly wait: boolean }
  | { readonly op: 'wait'; readonly count: number; readonly timeoutMs: number }
  | { readonly op: 'stream'; readonly count: number; readonly len: number; readonly window: number }
  | { readonly op: 'pong'; readonly iters: number; readonly len: number }
  | { readonly op: 'ping'; readonly iters: number; readonly len: number }
  | { readonly op: 'events' }
  | { readonly op: 'info' }
  | { readonly op: 'dereg' }
  | { readonly op: 'cmListen'; readonly address: string; readonly port: number }
  | { readonly op: 'cmConnect'; readonly address: string; readonly port: number; readonly data: string }
  | { readonly op: 'cmEvents' }
  | { readonly op: 'close' };

/** A work request in test terms: offsets into the child's one region and the peer's. */
export interface ChildWr {
  readonly wrId: number;
  readonly opcode: number;
  readonly offset: number;
  readonly len: number;
  readonly remoteOffset?: number;
  readonly compareAdd?: string;
  readonly swap?: string;
  readonly imm?: number;
}

/** A completion as the child reports it. */
export interface ChildWc {
  readonly wrId: number;
  readonly status: number;
  readonly opcode: number;
  readonly byteLen: number;
  readonly imm: number;
}

let ctx: Context | null = null;
let pd: ProtectionDomain | null = null;
let cq: CompletionQueue | null = null;
let qp: QueuePair | null = null;
let mr: MemoryRegion | null = null;
let remote: RemoteMemory | null = null;
const events: AsyncEvent[] = [];
/** CM event names seen by the ids this child connected or accepted. */
const cmEvents: string[] = [];
const cmIds: CmId[] = [];

/** Record the events of a connected id until it closes. */
function watchCm(id: CmId): void {
  cmIds.push(id);
  void (async () => {
    for await (const ev of id) cmEvents.push(ev.typeName);
  })();
}
const warnings: string[] = [];
process.on('warning', (w) => warnings.push(`${(w as Error & { code?: string }).code ?? ''}: ${w.message}`));

function need<T>(v: T | null, what: string): T {
  if (v === null) throw new Error(`${what} first`);
  return v;
}

function wrOf(w: ChildWr): SendWorkRequest {
  const m = need(mr, 'setup');
  const r = need(remote, 'connect');
  return {
    wrId: w.wrId, opcode: w.opcode as SendWorkRequest['opcode'], sgList: w.len > 0 ? [{ mr: m, offset: w.offset, length: w.len }] : [],
    remoteAddr: BigInt(r.addr) + BigInt(w.remoteOffset ?? 0), rkey: r.rkey,
    ...(w.compareAdd !== undefined ? { compareAdd: BigInt(w.compareAdd) } : {}),
    ...(w.swap !== undefined ? { swap: BigInt(w.swap) } : {}),
    ...(w.imm !== undefined ? { imm: w.imm } : {}),
  };
}

async function take(count: number, timeoutMs: number): Promise<ChildWc[]> {
  const c = need(cq, 'setup');
  const out: ChildWc[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count) {
    for (const wc of c.poll(64)) out.push({ wrId: wc.wrId, status: wc.status, opcode: wc.opcode, byteLen: wc.byteLen, imm: wc.imm });
    if (out.length >= count) break;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out with ${out.length} of ${count} completions: ${JSON.stringify(out)}`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([c.wait(), new Promise((r) => { timer = setTimeout(r, left); })]);
    clearTimeout(timer);
  }
  return out;
}

async function run(cmd: ChildCommand): Promise<unknown> {
  switch (cmd.op) {
    case 'open': {
      const opts = { ...(cmd.hub !== undefined ? { hub: cmd.hub } : {}), ...(cmd.hubAddress ? { hubAddress: cmd.hubAddress } : {}), ...(cmd.hubToken ? { hubToken: cmd.hubToken } : {}), ...(cmd.pkeys ? { pkeys: cmd.pkeys } : {}) };
      ctx = await openDevice('loop0', opts);
      ctx.on('event', (e) => events.push(e));
      const port = ctx.queryPort();
      return { gid: ctx.gidTable()[0]!.gid, lid: port.lid, warnings };
    }
    case 'setup': {
      const c = need(ctx, 'open');
      pd = c.allocPd();
      cq = c.createCq({ depth: 4096 });
      qp = pd.createQp({ type: QpType.RC, sendCq: cq, maxSendWr: 1024, maxRecvWr: 1024 });
      if (cmd.pkeyIndex !== undefined) await qp.modify(QpState.INIT, { pkeyIndex: cmd.pkeyIndex });
      mr = pd.registerMemory(c.allocBuffer(cmd.size), Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ | Access.REMOTE_ATOMIC);
      return { endpoint: qp.endpoint(), mem: mr.toRemote() };
    }
    case 'newQp':
      qp = need(pd, 'setup').createQp({ type: QpType.RC, sendCq: need(cq, 'setup'), maxSendWr: 1024, maxRecvWr: 1024 });
      return { endpoint: qp.endpoint() };
    case 'connect':
      remote = cmd.mem;
      await need(qp, 'setup').connect(cmd.endpoint, cmd.options);
      return null;
    case 'fill': {
      const b = need(mr, 'setup').buffer;
      for (let i = 0; i < cmd.len; i++) b[cmd.offset + i] = (i * 31 + cmd.seed) & 0xff;
      return null;
    }
    case 'hash':
      return createHash('sha256').update(need(mr, 'setup').buffer.subarray(cmd.offset, cmd.offset + cmd.len)).digest('hex');
    case 'bytes':
      return Buffer.from(need(mr, 'setup').buffer.subarray(cmd.offset, cmd.offset + cmd.len)).toString('hex');
    case 'recv': {
      const m = need(mr, 'setup');
      const q = need(qp, 'setup');
      for (let i = 0; i < cmd.count; i++) q.postRecv({ wrId: 1000 + i, sgList: [{ mr: m, offset: cmd.offset + i * cmd.len, length: cmd.len }] });
      return null;
    }
    case 'post':
      need(qp, 'setup').postSend(cmd.wrs.map(wrOf));
      return cmd.wait ? take(cmd.wrs.length, 5000) : null;
    case 'wait':
      return take(cmd.count, cmd.timeoutMs);
    case 'stream': {
      const q = need(qp, 'setup');
      const c = need(cq, 'setup');
      const wr = wrOf({ wrId: 0, opcode: WrOpcode.RDMA_WRITE, offset: 0, len: cmd.len, remoteOffset: 0 });
      const start = process.hrtime.bigint();
      let posted = 0;
      let done = 0;
      let failed = 0;
      while (done < cmd.count) {
        const n = Math.min(cmd.window - (posted - done), cmd.count - posted);
        if (n > 0) {
          const batch: SendWorkRequest[] = [];
          for (let i = 0; i < n; i++) batch.push({ ...wr, wrId: posted + i });
          q.postSend(batch);
          posted += n;
        }
        await c.wait();
        for (const wc of c.poll(64)) {
          done++;
          if (wc.status !== 0) failed++;
        }
      }
      return { ms: Number(process.hrtime.bigint() - start) / 1e6, failed };
    }
    case 'pong': {
      const q = need(qp, 'setup');
      const m = need(mr, 'setup');
      for (let i = 0; i < 64; i++) q.postRecv({ wrId: i, sgList: [{ mr: m, offset: 0, length: Math.max(cmd.len, 1) }] });
      const c = need(cq, 'setup');
      void (async () => {
        let got = 0;
        while (got < cmd.iters) {
          const wc = await c.next();
          if (wc.status !== 0) return;
          if (wc.opcode & 0x80) {
            got++;
            q.postRecv({ wrId: wc.wrId, sgList: [{ mr: m, offset: 0, length: Math.max(cmd.len, 1) }] });
            q.postSend({ wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr: m, offset: 0, length: cmd.len }], signaled: false });
          }
        }
      })();
      return null;
    }
    case 'ping': {
      const q = need(qp, 'setup');
      const m = need(mr, 'setup');
      const c = need(cq, 'setup');
      q.postRecv({ wrId: 0, sgList: [{ mr: m, offset: 0, length: Math.max(cmd.len, 1) }] });
      const start = process.hrtime.bigint();
      let got = 0;
      q.postSend({ wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr: m, offset: 0, length: cmd.len }], signaled: false });
      while (got < cmd.iters) {
        const wc = await c.next();
        if (wc.status !== 0) throw new Error(`ping failed with status ${wc.status}`);
        if (wc.opcode & 0x80) {
          got++;
          q.postRecv({ wrId: 0, sgList: [{ mr: m, offset: 0, length: Math.max(cmd.len, 1) }] });
          if (got < cmd.iters) q.postSend({ wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr: m, offset: 0, length: cmd.len }], signaled: false });
        }
      }
      return { usPerRoundTrip: Number(process.hrtime.bigint() - start) / 1e3 / cmd.iters };
    }
    case 'events':
      return events.map((e) => ({ typeName: e.typeName, detail: e.detail ?? '' }));
    case 'info':
      return { pid: process.pid, warnings, mapping: readMappingStats() };
    case 'dereg':
      need(mr, 'setup').close();
      return null;
    case 'cmListen': {
      const c = need(ctx, 'open');
      const p = c.allocPd();
      const l = c.createCmId();
      l.bind({ address: cmd.address, port: cmd.port });
      await l.listen();
      cmIds.push(l);
      void (async () => {
        for await (const ev of l) {
          if (!ev.id) continue;
          const served = ev.id;
          served.createQp(p, { sendCq: c.createCq() });
          watchCm(served);
          await served.accept({ privateData: ev.privateData ?? undefined });
        }
      })();
      return null;
    }
    case 'cmConnect': {
      const c = need(ctx, 'open');
      const id = c.createCmId();
      await id.resolveAddr({ address: cmd.address, port: cmd.port });
      await id.resolveRoute();
      id.createQp(c.allocPd(), { sendCq: c.createCq() });
      const est = await id.connect({ privateData: Buffer.from(cmd.data, 'hex') });
      watchCm(id);
      return Buffer.from(est.privateData ?? []).toString('hex');
    }
    case 'cmEvents':
      return cmEvents;
    case 'close':
      ctx?.close();
      ctx = null;
      return null;
  }
}

process.on('message', (raw: unknown) => {
  const { id, cmd } = raw as { id: number; cmd: ChildCommand };
  run(cmd).then(
    (value) => process.send!({ id, ok: true, value }),
    (err: unknown) => process.send!({ id, ok: false, error: err instanceof Error ? err.message : String(err), code: (err as { code?: unknown }).code ?? null }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true, pid: process.pid });
