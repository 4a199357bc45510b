/**
 * Runs on both VMs of `vrdma softroce run --hosts 2 --ivshmem MIB` (after
 * test/rxe/two-hosts-ivshmem.sh): moves verified data between the two
 * guests over loop0 through the ivshmem memory (a TCP hub on host 0, both
 * given the BAR as their shared file) and over rxe0, and prints both
 * throughputs. Also runs on one host (no VM) with VRDMA_IVSHMEM naming a
 * file under /dev/shm and VRDMA_PEER_ADDR=127.0.0.1, for trying it out.
 * Exits 1 on wrong data or a failed completion.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createConnection, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { Access, QpType, WcStatus, WrOpcode, listDevices, openDevice, type Context, type Endpoint, type RemoteMemory } from '../../lib/index.js';
import { readMappingStats } from '../../lib/providers/loopback/mapping/stats.js';
import { nativeAddon } from '../../lib/providers/native/provider.js';
import { repoRoot } from '../repo-root.js';

const me = Number(process.env['VRDMA_HOST_INDEX']);
const peerAddr = process.env['VRDMA_PEER_ADDR'] ?? '';
const ivshmem = process.env['VRDMA_IVSHMEM'] ?? '';
const host0 = me === 0 ? (process.env['VRDMA_LOCAL_ADDR'] ?? (peerAddr === '127.0.0.1' ? '127.0.0.1' : '10.99.0.1')) : peerAddr;
const CONTROL_PORT = Number(process.env['VRDMA_TWO_HOSTS_PORT'] ?? 7472);
const HUB = `tcp://${host0}:${CONTROL_PORT - 1}`;
const TOKEN = 'two-hosts-loop0';
const SIZE = 256 * 1024;
const ITERS = Number(process.env['VRDMA_TWO_HOSTS_ITERS'] ?? 64);

function say(line: string): void {
  process.stdout.write(`host ${me}: ${line}\n`);
}

function pattern(bytes: Uint8Array, seed: number): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 13 + seed) & 0xff;
}

function hash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** One JSON line each way over the control connection. */
class Control {
  #buf = '';
  #waiters: Array<(v: unknown) => void> = [];
  #lines: unknown[] = [];
  constructor(readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.#buf += d;
      for (let i = this.#buf.indexOf('\n'); i >= 0; i = this.#buf.indexOf('\n')) {
        const v: unknown = JSON.parse(this.#buf.slice(0, i));
        this.#buf = this.#buf.slice(i + 1);
        const w = this.#waiters.shift();
        if (w) w(v);
        else this.#lines.push(v);
      }
    });
  }
  send(v: unknown): void {
    this.sock.write(`${JSON.stringify(v)}\n`);
  }
  next<T>(): Promise<T> {
    if (this.#lines.length > 0) return Promise.resolve(this.#lines.shift() as T);
    return new Promise((r) => this.#waiters.push(r as (v: unknown) => void));
  }
}

/** Connect to `host:port`, retrying for up to 120 s. */
async function dial(host: string, port: number): Promise<Socket> {
  const end = Date.now() + 120_000;
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = createConnection({ host, port }, () => resolve(s));
        s.once('error', reject);
      });
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Wait until the hub at `address` accepts connections. */
async function portOpen(address: string): Promise<void> {
  const u = new URL(address);
  (await dial(u.hostname, Number(u.port))).destroy();
}

async function control(): Promise<Control> {
  if (me === 0) {
    return new Promise((resolve, reject) => {
      const server = createServer((s) => {
        server.close();
        resolve(new Control(s));
      });
      server.once('error', reject);
      server.listen(CONTROL_PORT, host0);
    });
  }
  return new Control(await dial(host0, CONTROL_PORT));
}

/** Host 0 writes ITERS times into host 1's region, reads host 1's pattern back, and sends; both check every byte. */
async function exchange(ctx: Context, ctl: Control, label: string): Promise<number> {
  const pd = ctx.allocPd();
  const cq = ctx.createCq({ depth: 256 });
  const qp = pd.createQp({ type: QpType.RC, sendCq: cq, maxSendWr: 128, maxRecvWr: 16 });
  const mr = pd.registerMemory(ctx.allocBuffer(2 * SIZE), Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ);
  ctl.send({ endpoint: qp.endpoint(), mem: mr.toRemote() });
  const peer = await ctl.next<{ endpoint: Endpoint; mem: RemoteMemory }>();
  await qp.connect(peer.endpoint);
  const mine = mr.buffer.subarray(0, SIZE);
  const second = mr.buffer.subarray(SIZE, 2 * SIZE);
  pattern(mine, me === 0 ? 3 : 11);
  let seconds = 0;
  if (me === 1) qp.postRecv({ wrId: 9, sgList: [{ mr, offset: SIZE, length: SIZE }] });
  ctl.send('ready');
  await ctl.next();
  if (me === 0) {
    const start = process.hrtime.bigint();
    for (let posted = 0, done = 0; done < ITERS; ) {
      while (posted < ITERS && posted - done < 16) {
        qp.postSend({ wrId: posted, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr, offset: 0, length: SIZE }], remoteAddr: BigInt(peer.mem.addr) + BigInt(SIZE), rkey: peer.mem.rkey });
        posted++;
      }
      const wc = await cq.next();
      if (wc.status !== WcStatus.SUCCESS) throw new Error(`${label}: WRITE ${wc.wrId} completed with status ${wc.status}`);
      done++;
    }
    seconds = Number(process.hrtime.bigint() - start) / 1e9;
    qp.postSend({ wrId: 100, opcode: WrOpcode.RDMA_READ, sgList: [{ mr, offset: SIZE, length: SIZE }], remoteAddr: BigInt(peer.mem.addr), rkey: peer.mem.rkey });
    const r = await cq.next();
    if (r.status !== WcStatus.SUCCESS) throw new Error(`${label}: READ completed with status ${r.status}`);
    const theirs = new Uint8Array(SIZE);
    pattern(theirs, 11);
    if (hash(second) !== hash(theirs)) throw new Error(`${label}: the READ brought wrong bytes`);
    qp.postSend({ wrId: 101, opcode: WrOpcode.SEND, sgList: [{ mr, offset: 0, length: SIZE }] });
    const s = await cq.next();
    if (s.status !== WcStatus.SUCCESS) throw new Error(`${label}: SEND completed with status ${s.status}`);
    ctl.send({ sent: hash(mine) });
    const verdict = await ctl.next<{ ok: boolean; why?: string }>();
    if (!verdict.ok) throw new Error(`${label}: host 1 found ${verdict.why}`);
    const mib = (ITERS * SIZE) / (1 << 20);
    say(`${label}: ${ITERS} RDMA WRITEs of ${SIZE} bytes in ${seconds.toFixed(3)} s: ${(mib / seconds).toFixed(1)} MiB/s; READ and SEND of ${SIZE} bytes intact`);
  } else {
    const rcq = await cq.next();
    const expected = (await ctl.next<{ sent: string }>()).sent;
    const ok = rcq.status === WcStatus.SUCCESS && rcq.byteLen === SIZE && hash(second) === expected;
    ctl.send(ok ? { ok } : { ok, why: `the SEND completed with status ${rcq.status}, ${rcq.byteLen} bytes, ${hash(second) === expected ? 'right' : 'wrong'} bytes` });
    if (!ok) throw new Error(`${label}: the SEND arrived wrong`);
    say(`${label}: the WRITEs, READ and SEND were served; the SEND's ${SIZE} bytes intact`);
  }
  ctl.send('next');
  await ctl.next();
  qp.close();
  mr.close();
  cq.close();
  pd.close();
  return seconds;
}

async function main(): Promise<void> {
  if (!(me === 0 || me === 1) || !peerAddr || !ivshmem) throw new Error('needs VRDMA_HOST_INDEX, VRDMA_PEER_ADDR and VRDMA_IVSHMEM (run it through vrdma softroce run --hosts 2 --ivshmem MIB)');
  let hub: ChildProcess | null = null;
  if (me === 0) {
    // the python check used the start of the memory: a fresh header for loop0
    const native = nativeAddon();
    if (!('addon' in native)) throw new Error('the native addon does not load');
    new Uint8Array(native.addon.fileMap(ivshmem, 4096, 0)).fill(0);
    hub = spawn(process.execPath, [join(repoRoot, 'dist', 'lib', 'providers', 'loopback', 'hub', 'hub-main.js'), '--listen', HUB], {
      env: { ...process.env, VRDMA_HUB_TOKEN: TOKEN, VRDMA_HUB_IDLE_MS: '0' }, stdio: 'ignore',
    });
  }
  Object.assign(process.env, { VRDMA_HUB: HUB, VRDMA_HUB_TOKEN: TOKEN, VRDMA_LOOPBACK_SHARED_FILE: ivshmem });
  try {
    if (me === 0) await portOpen(HUB);
    const ctl = await control();
    const loop = await openDevice('loop0', { hub: true });
    await exchange(loop, ctl, 'loop0 through ivshmem');
    const stats = readMappingStats();
    say(`loop0 mapped requests out ${stats.requestsOut} (${stats.bytesOut} bytes), in ${stats.requestsIn} (${stats.bytesIn} bytes)`);
    if (stats.requestsOut + stats.requestsIn === 0) throw new Error('loop0 moved no request through the shared memory');
    loop.close();
    if (listDevices().some((d) => d.name === 'rxe0')) {
      await exchange(await openDevice('rxe0'), ctl, 'rxe0 over the virtual link');
    } else say('no rxe0 here: loop0 only');
    ctl.sock.end();
  } finally {
    hub?.kill();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`host ${me}: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
