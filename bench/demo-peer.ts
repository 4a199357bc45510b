import {
  Access, QpType, WrOpcode, WcOpcode, checkCompletion, openDevice, type CompletionQueue, type Endpoint,
  type RemoteMemory, type WorkCompletion,
} from '../lib/index.js';

/** What the two demo processes tell each other (relayed by the parent over IPC). */
export type DemoMessage =
  | { readonly kind: 'hello'; readonly endpoint: Endpoint; readonly region: RemoteMemory }
  | { readonly kind: 'done' };

const REGION = 1 << 20;
const LAT_ITERS = 1000;
const BW_SIZE = 65536;
const BW_ITERS = 2000;

let inbox: DemoMessage[] = [];
let wakeInbox: (() => void) | null = null;
process.on('message', (m: DemoMessage) => {
  inbox.push(m);
  wakeInbox?.();
});

async function receive<K extends DemoMessage['kind']>(kind: K): Promise<Extract<DemoMessage, { kind: K }>> {
  for (;;) {
    const i = inbox.findIndex((m) => m.kind === kind);
    if (i >= 0) {
      const [m] = inbox.splice(i, 1);
      return m as Extract<DemoMessage, { kind: K }>;
    }
    await new Promise<void>((resolve) => { wakeInbox = resolve; });
  }
}

function send(m: DemoMessage): void {
  process.send?.(m);
}

/** Wait for one completion and insist it succeeded. */
async function one(cq: CompletionQueue): Promise<WorkCompletion> {
  return checkCompletion(await cq.next());
}

/** Wait for the next receive completion, skipping (successful) send completions. */
async function nextRecv(cq: CompletionQueue): Promise<WorkCompletion> {
  for (;;) {
    const wc = checkCompletion(await cq.next());
    if (wc.opcode === WcOpcode.RECV) return wc;
  }
}

/** Signal one send in 64 so the send queue drains on every provider. */
function signalEvery64(i: number): boolean {
  return i % 64 === 63;
}

function fill(bytes: Uint8Array, seed: number): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + seed) & 0xff;
}

function check(what: string, ok: boolean): void {
  if (!ok) throw new Error(`${what}: data mismatch`);
  console.log(`  ${what.padEnd(34)} verified`);
}

/** One side of the demo. */
export async function runPeer(role: 'server' | 'client', args: string[]): Promise<void> {
  const deviceArg = args.indexOf('--device');
  const ctx = await openDevice(deviceArg >= 0 ? args[deviceArg + 1] : undefined);
  const pd = ctx.allocPd();
  const cq = ctx.createCq({ depth: 4096 });
  const qp = pd.createQp({ type: QpType.RC, sendCq: cq, maxSendWr: 1024, maxRecvWr: 2048 });
  const mem = ctx.allocBuffer(REGION);
  const mr = pd.registerMemory(mem, Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ | Access.REMOTE_ATOMIC);
  if (role === 'server') {
    console.log(`demo: device ${ctx.device.name} (${ctx.device.provider}), QP ${qp.qpn}, port ${ctx.queryPort(1).stateName}`);
  }
  // Receives for the verification message and the latency ping-pong, posted before connecting.
  qp.postRecv(Array.from({ length: 1 + LAT_ITERS }, (_, i) => ({ wrId: i, sgList: [{ mr, offset: 0, length: 4096 }] })));
  send({ kind: 'hello', endpoint: qp.endpoint(), region: mr.toRemote() });
  const peer = await receive('hello');
  await qp.connect(peer.endpoint);
  const remoteAddr = BigInt(peer.region.addr);
  const rkey = peer.region.rkey;

  if (role === 'server') {
    const wc = await nextRecv(cq);
    const expect = new Uint8Array(4096);
    fill(expect, 7);
    check(`send/recv (${wc.byteLen} B)`, Buffer.from(mem.subarray(0, 4096)).equals(Buffer.from(expect)));
    for (let i = 0; i < LAT_ITERS; i++) {
      await nextRecv(cq);
      qp.postSend({ wrId: i, sgList: [{ mr, offset: 8192, length: 8 }], signaled: signalEvery64(i), inline: true });
    }
    await receive('done');
    ctx.close();
    return;
  }

  console.log('demo: client verifying every operation');
  fill(mem.subarray(0, 4096), 7);
  qp.postSend({ wrId: 1, sgList: [{ mr, offset: 0, length: 4096 }] });
  await one(cq);

  fill(mem.subarray(65536, 131072), 9);
  qp.postSend({ wrId: 2, opcode: WrOpcode.RDMA_WRITE, remoteAddr: remoteAddr + 65536n, rkey, sgList: [{ mr, offset: 65536, length: 65536 }] });
  await one(cq);
  qp.postSend({ wrId: 3, opcode: WrOpcode.RDMA_READ, remoteAddr: remoteAddr + 65536n, rkey, sgList: [{ mr, offset: 131072, length: 65536 }] });
  await one(cq);
  check('RDMA write 64 KiB, read it back', Buffer.from(mem.subarray(131072, 196608)).equals(Buffer.from(mem.subarray(65536, 131072))));

  const view = new DataView(mem.buffer, mem.byteOffset);
  qp.postSend({ wrId: 4, opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, remoteAddr: remoteAddr + 262144n, rkey, compareAdd: 5n, sgList: [{ mr, offset: 200000, length: 8 }] });
  await one(cq);
  qp.postSend({ wrId: 5, opcode: WrOpcode.ATOMIC_CMP_AND_SWP, remoteAddr: remoteAddr + 262144n, rkey, compareAdd: 5n, swap: 42n, sgList: [{ mr, offset: 200008, length: 8 }] });
  await one(cq);
  qp.postSend({ wrId: 6, opcode: WrOpcode.RDMA_READ, remoteAddr: remoteAddr + 262144n, rkey, sgList: [{ mr, offset: 200016, length: 8 }] });
  await one(cq);
  check('fetch-and-add, compare-and-swap', view.getBigUint64(200000, true) === 0n && view.getBigUint64(200008, true) === 5n && view.getBigUint64(200016, true) === 42n);

  // Latency: send/recv ping-pong, 8 bytes.
  const times: number[] = [];
  for (let i = 0; i < LAT_ITERS; i++) {
    const t0 = process.hrtime.bigint();
    qp.postSend({ wrId: 100 + i, sgList: [{ mr, offset: 8192, length: 8 }], signaled: signalEvery64(i), inline: true });
    await nextRecv(cq);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  times.sort((a, b) => a - b);

  // Bandwidth: RDMA write 64 KiB, a window of 64, every 16th signaled.
  const t0 = process.hrtime.bigint();
  let posted = 0;
  let done = 0;
  while (done < BW_ITERS) {
    const batch = [];
    while (posted < BW_ITERS && posted - done < 64 && batch.length < 16) {
      batch.push({ wrId: posted, opcode: WrOpcode.RDMA_WRITE, remoteAddr: remoteAddr + 327680n, rkey, signaled: (posted + 1) % 16 === 0 || posted === BW_ITERS - 1, sgList: [{ mr, offset: 327680, length: BW_SIZE }] } as const);
      posted++;
    }
    if (batch.length) qp.postSend(batch);
    const wc = checkCompletion(await cq.next());
    if (wc.opcode === WcOpcode.RDMA_WRITE) done = wc.wrId + 1;
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  send({ kind: 'done' });

  const median = times[Math.floor(times.length / 2)]!;
  const p99 = times[Math.floor(times.length * 0.99)]!;
  const mbps = (BW_SIZE * BW_ITERS) / secs / 1e6;
  console.log('');
  console.log(` ${'test'.padEnd(22)}${'bytes'.padStart(8)}${'iters'.padStart(8)}${'t_typical[us]'.padStart(15)}${'t_99%[us]'.padStart(11)}${'BW[MB/s]'.padStart(11)}${'Mpps'.padStart(8)}`);
  console.log(` ${'send_lat (round trip)'.padEnd(22)}${'8'.padStart(8)}${String(LAT_ITERS).padStart(8)}${median.toFixed(2).padStart(15)}${p99.toFixed(2).padStart(11)}${'-'.padStart(11)}${'-'.padStart(8)}`);
  console.log(` ${'write_bw'.padEnd(22)}${String(BW_SIZE).padStart(8)}${String(BW_ITERS).padStart(8)}${'-'.padStart(15)}${'-'.padStart(11)}${mbps.toFixed(1).padStart(11)}${(BW_ITERS / secs / 1e6).toFixed(3).padStart(8)}`);
  console.log('');
  ctx.close();
}
