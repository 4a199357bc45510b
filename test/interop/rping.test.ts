// vrdma and rping (rdma-core's librdmacm example) connect through rdma_cm
// and run rping's protocol: the client advertises its ping buffer in a SEND,
// the server RDMA-READs it, says "go ahead", the client advertises its sink,
// the server RDMA-WRITEs the ping back, says "go ahead". Runs on rxe0 in the
// VM (needs rping from rdmacm-utils); skipped elsewhere.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Access, CmEventType, ConnectionRejectedError, WcOpcode, WrOpcode, openDevice,
  type CmEvent, type CmId, type Context,
} from '../../lib/index.js';
import { cmTestAddress, cmTestPort, onRxe, sleep, testDeviceName } from '../conformance/harness.js';
import { CompletionSorter, RPING_INFO_BYTES, readInfo, rpingText, writeInfo } from './rping-peer.js';

const PINGS = 3;
const SIZE = 64;
const hasRping = spawnSync('rping', ['-h'], { stdio: 'ignore' }).error === undefined;
const skip = !onRxe() ? 'needs Soft-RoCE (run in the VM: npm run test:rxe)' : !hasRping ? 'rping not installed (rdmacm-utils)' : null;

let ctx: Context | undefined;
let peer: ChildProcess | undefined;
afterEach(() => {
  if (peer && peer.exitCode === null) peer.kill('SIGKILL');
  peer = undefined;
  ctx?.close();
  ctx = undefined;
});

/** Start rping; resolves to its exit code and output when it ends. */
function startRping(args: string[]): { proc: ChildProcess; done: Promise<{ code: number | null; out: string }> } {
  const proc = spawn('rping', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const done = new Promise<{ code: number | null; out: string }>((resolve) => proc.once('exit', (code) => resolve({ code, out })));
  return { proc, done };
}

async function nextOf(id: CmId, type: number): Promise<CmEvent> {
  for (;;) {
    const ev = await id.nextEvent();
    if (ev.type === type) return ev;
  }
}

describe.skipIf(skip !== null)(`rping interop on ${testDeviceName()}${skip ? ` (${skip})` : ''}`, () => {
  it(`vrdma client, rping server: ${PINGS} pings read and written back intact`, async () => {
    ctx = await openDevice(testDeviceName());
    const address = cmTestAddress(ctx);
    const port = cmTestPort();
    const rping = startRping(['-s', '-a', address, '-p', String(port), '-v', '-C', String(PINGS)]);
    peer = rping.proc;
    const pd = ctx.allocPd();
    const cq = ctx.createCq({ depth: 64 });
    const all = Access.LOCAL_WRITE | Access.REMOTE_READ | Access.REMOTE_WRITE;
    const recv = pd.registerMemory(ctx.allocBuffer(RPING_INFO_BYTES), Access.LOCAL_WRITE);
    const send = pd.registerMemory(ctx.allocBuffer(RPING_INFO_BYTES), Access.LOCAL_WRITE);
    const start = pd.registerMemory(ctx.allocBuffer(SIZE), all);
    const sink = pd.registerMemory(ctx.allocBuffer(SIZE), all);

    // rping may not be listening yet: a connect to nobody is REJECTED, so try again (bounded).
    let id: CmId | undefined;
    for (let attempt = 0; !id; attempt++) {
      const tryId = ctx.createCmId();
      await tryId.resolveAddr({ address, port }, { timeoutMs: 5000 });
      await tryId.resolveRoute({ timeoutMs: 5000 });
      const qp = tryId.createQp(pd, { sendCq: cq, maxSendWr: 16, maxRecvWr: 4, maxSge: 1 });
      qp.postRecv({ wrId: 1, sgList: [{ mr: recv }] });
      try {
        await tryId.connect({ responderResources: 1, initiatorDepth: 1 });
        id = tryId;
      } catch (err) {
        tryId.close();
        if (!(err instanceof ConnectionRejectedError) || attempt >= 40) throw err;
        await sleep(250);
      }
    }
    const qp = id.qp!;
    const completions = new CompletionSorter(cq);
    for (let ping = 0; ping < PINGS; ping++) {
      const text = rpingText(ping, SIZE);
      start.buffer.set(text);
      sink.buffer.fill(0);
      writeInfo(send.buffer, start, SIZE);
      qp.postSend({ wrId: 10, opcode: WrOpcode.SEND, sgList: [{ mr: send }] });
      await completions.next(WcOpcode.SEND);
      expect((await completions.next(WcOpcode.RECV)).byteLen).toBe(RPING_INFO_BYTES);
      qp.postRecv({ wrId: 1, sgList: [{ mr: recv }] });
      writeInfo(send.buffer, sink, SIZE);
      qp.postSend({ wrId: 11, opcode: WrOpcode.SEND, sgList: [{ mr: send }] });
      await completions.next(WcOpcode.SEND);
      expect((await completions.next(WcOpcode.RECV)).byteLen).toBe(RPING_INFO_BYTES);
      qp.postRecv({ wrId: 1, sgList: [{ mr: recv }] });
      expect(Buffer.from(sink.buffer).equals(Buffer.from(text))).toBe(true);
    }
    await id.disconnect();
    const { code, out } = await rping.done;
    for (let ping = 0; ping < PINGS; ping++) expect(out).toContain(`server ping data: rdma-ping-${ping}: `);
    expect(code, out).toBe(0);
  });

  it(`rping client, vrdma server: ${PINGS} pings read with rping's pattern and written back, validated by rping`, async () => {
    ctx = await openDevice(testDeviceName());
    const address = cmTestAddress(ctx);
    const port = cmTestPort();
    const listener = ctx.createCmId();
    listener.bind({ address, port });
    await listener.listen();
    const rping = startRping(['-c', '-a', address, '-p', String(port), '-v', '-V', '-C', String(PINGS)]);
    peer = rping.proc;
    const request = await nextOf(listener, CmEventType.CONNECT_REQUEST);
    const conn = request.id!;
    const pd = ctx.allocPd();
    const cq = ctx.createCq({ depth: 64 });
    const qp = conn.createQp(pd, { sendCq: cq, maxSendWr: 16, maxRecvWr: 4, maxSge: 1 });
    const recv = pd.registerMemory(ctx.allocBuffer(RPING_INFO_BYTES), Access.LOCAL_WRITE);
    const send = pd.registerMemory(ctx.allocBuffer(RPING_INFO_BYTES), Access.LOCAL_WRITE);
    const data = pd.registerMemory(ctx.allocBuffer(65536), Access.LOCAL_WRITE);
    qp.postRecv({ wrId: 1, sgList: [{ mr: recv }] });
    await conn.accept();
    const completions = new CompletionSorter(cq);
    for (let ping = 0; ping < PINGS; ping++) {
      expect((await completions.next(WcOpcode.RECV)).byteLen).toBe(RPING_INFO_BYTES);
      const source = readInfo(recv.buffer);
      qp.postRecv({ wrId: 1, sgList: [{ mr: recv }] });
      expect(source.len).toBe(SIZE);
      qp.postSend({ wrId: 20, opcode: WrOpcode.RDMA_READ, sgList: [{ mr: data, length: source.len }], remoteAddr: source.addr, rkey: source.rkey });
      await completions.next(WcOpcode.RDMA_READ);
      expect(Buffer.from(data.buffer.subarray(0, SIZE)).equals(Buffer.from(rpingText(ping, SIZE)))).toBe(true);
      qp.postSend({ wrId: 21, opcode: WrOpcode.SEND, sgList: [{ mr: send }] });
      await completions.next(WcOpcode.SEND);
      await completions.next(WcOpcode.RECV);
      const sinkInfo = readInfo(recv.buffer);
      qp.postRecv({ wrId: 1, sgList: [{ mr: recv }] });
      qp.postSend({ wrId: 22, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr: data, length: SIZE }], remoteAddr: sinkInfo.addr, rkey: sinkInfo.rkey });
      await completions.next(WcOpcode.RDMA_WRITE);
      qp.postSend({ wrId: 23, opcode: WrOpcode.SEND, sgList: [{ mr: send }] });
      await completions.next(WcOpcode.SEND);
    }
    await nextOf(conn, CmEventType.DISCONNECTED);
    const { code, out } = await rping.done;
    for (let ping = 0; ping < PINGS; ping++) expect(out).toContain(`ping data: rdma-ping-${ping}: `);
    expect(out).not.toContain('data mismatch');
    expect(code, out).toBe(0);
  });
});
