/**
 * A process a live RC queue pair moves into and out of (forked with IPC by
 * the QP migration demo and tests; argv: `a` or `b`). `a` listens for `b`;
 * the two keep one `Connection` over which the QP moves back and forth.
 * `a` creates the QP (on a context of its own) when told, connected to the
 * streaming peer; whoever holds it consumes the numbered stream (see
 * `qp-stream.ts`), checking in the QP's own region that every number
 * arrives once and in order and that the peer's RDMA WRITE of it landed
 * first, and sends every fourth number's echo back.
 *
 * Commands (IPC messages): `{ cmd: 'connect', port }`, `{ cmd: 'create' }`,
 * `{ cmd: 'peer', endpoint }`, `{ cmd: 'move' }`, `{ cmd: 'report' }`, and
 * for the failure tests `{ cmd: 'move-stall' }` (freeze, send the QP, wait
 * until the target is ready, then never hand it over); argv[3] `stall` has
 * the first QP arriving received and never answered.
 * Events: `listening`, `linked`, `endpoint`, `connected`, `moved`,
 * `move-failed`, `arrived`, `receive-failed`, `report`, `stalled`, `bad`.
 */
import {
  Access, QpMigrationSource, QpMigrationTarget, QpType, WrOpcode, connect, listen, openDevice, wcStatusName,
  type CompletionQueue, type Connection, type Context, type Endpoint, type MemoryRegion, type QueuePair,
} from '../../lib/index.js';
import { MigrationError } from '../../lib/errors/migration-error.js';
import { freezeQueuePair, movableQp } from '../../lib/migration/qp-freeze.js';
import { MessageType } from '../../lib/migration/control-message.js';
import { nextMessage, receiveImage, sendImage } from '../../lib/migration/qp-move-wire.js';
import { MOVER_LAYOUT as L, STREAM_QP_OPTIONS } from './qp-stream.js';

interface Held {
  readonly context: Context;
  readonly qp: QueuePair;
  readonly cq: CompletionQueue;
  readonly mr: MemoryRegion;
}

type Command = { cmd: 'connect'; port: number } | { cmd: 'create' } | { cmd: 'peer'; endpoint: Endpoint } | { cmd: 'move' } | { cmd: 'move-stall' } | { cmd: 'report' };

const role = process.argv[2];
/** `stall`: the first QP arriving is received and never answered. */
let stallNext = process.argv[3] === 'stall';
const say = (ev: string, fields: Record<string, unknown> = {}): void => {
  process.send?.({ ev, ...fields });
};
const base = await openDevice('loop0', { hub: true });
const basePd = base.allocPd();
let conn: Connection;
let held: Held | null = null;
let consumer: Consumer | null = null;

/** Consumes the stream on the held QP: waits, then polls and handles everything at once, so a pause never cuts one in half. */
class Consumer {
  #stopped = false;
  constructor(private readonly h: Held) {}

  async run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.h.cq.wait();
      } catch {
        return;
      }
      if (this.#stopped) return;
      this.drain();
    }
  }

  stop(): void {
    this.#stopped = true;
  }

  drain(): void {
    const { cq, qp, mr } = this.h;
    const view = new DataView(mr.buffer.buffer, mr.buffer.byteOffset, mr.buffer.byteLength);
    for (let wcs = cq.poll(32); wcs.length > 0; wcs = cq.poll(32)) {
      for (const wc of wcs) {
        if (wc.status !== 0) {
          view.setUint32(L.errors, view.getUint32(L.errors, true) + 1, true);
          say('bad', { what: 'completion', wrId: wc.wrId, status: wcStatusName(wc.status) });
          continue;
        }
        if (wc.wrId >= L.echoWrId) continue;
        const slot = wc.wrId;
        const seq = view.getUint32(L.recvAt + slot * L.slotBytes, true);
        const expected = view.getUint32(L.expected, true);
        if (seq !== expected) {
          view.setUint32(L.errors, view.getUint32(L.errors, true) + 1, true);
          say('bad', { what: 'sequence', seq, expected });
        }
        view.setUint32(L.expected, seq + 1, true);
        if (view.getUint32(L.written, true) < seq) {
          view.setUint32(L.errors, view.getUint32(L.errors, true) + 1, true);
          say('bad', { what: 'write', seq, written: view.getUint32(L.written, true) });
        }
        if (seq % 4 === 3) {
          const echo = view.getUint32(L.echoNext, true);
          const e = echo % L.slots;
          view.setUint32(L.echoAt + e * L.slotBytes, echo, true);
          view.setUint32(L.echoNext, echo + 1, true);
          qp.postSend({ wrId: L.echoWrId + e, opcode: WrOpcode.SEND, sgList: [{ mr, offset: L.echoAt + e * L.slotBytes, length: 4 }] });
        }
        qp.postRecv({ wrId: slot, sgList: [{ mr, offset: L.recvAt + slot * L.slotBytes, length: L.slotBytes }] });
      }
    }
  }
}

function hold(h: Held): void {
  held = h;
  consumer = new Consumer(h);
  void consumer.run();
}

function release(): void {
  consumer?.stop();
  consumer = null;
}

/** Wait for the QP to come here, as long as this process does not hold it. */
async function receiveLoop(): Promise<void> {
  if (stallNext) {
    stallNext = false;
    await receiveImage(conn, new AbortController().signal);
    say('stalled');
    return;
  }
  try {
    const moved = await new QpMigrationTarget(conn).receive();
    hold({ context: moved.context, qp: moved.qp, cq: moved.sendCq, mr: moved.regions[0]! });
    say('arrived');
  } catch (err) {
    say('receive-failed', describeError(err));
  }
}

function describeError(err: unknown): Record<string, unknown> {
  const e = err as { code?: string; phase?: string; cause?: { code?: string; message?: string }; message?: string };
  return { code: e.code, phase: err instanceof MigrationError ? e.phase : undefined, cause: e.cause?.code ?? e.cause?.message, message: e.message };
}

async function create(): Promise<void> {
  const context = await openDevice('loop0', { hub: true });
  const pd = context.allocPd();
  const cq = context.createCq({ depth: 256 });
  const mr = pd.registerMemory(context.allocBuffer(L.regionBytes), Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ);
  const qp = pd.createQp({ type: QpType.RC, sendCq: cq, maxSendWr: 128, maxRecvWr: L.slots });
  for (let slot = 0; slot < L.slots; slot++) qp.postRecv({ wrId: slot, sgList: [{ mr, offset: L.recvAt + slot * L.slotBytes, length: L.slotBytes }] });
  held = { context, qp, cq, mr };
  say('endpoint', { endpoint: qp.endpoint(), region: mr.toRemote() });
}

async function move(stall: boolean): Promise<void> {
  const h = held!;
  if (stall) {
    release();
    const frozen = freezeQueuePair(h.qp, movableQp(h.qp));
    const signal = new AbortController().signal;
    await sendImage(conn, frozen.image, signal);
    await nextMessage(conn, [MessageType.QP_PREPARED], signal);
    say('stalled');
    return;
  }
  const source = new QpMigrationSource(conn, { qp: h.qp, pause: release, resume: () => hold(h) });
  try {
    const r = await source.migrate();
    held = null;
    say('moved', { ...r });
    void receiveLoop();
  } catch (err) {
    say('move-failed', describeError(err));
  }
}

function report(): void {
  const mr = held!.mr;
  const view = new DataView(mr.buffer.buffer, mr.buffer.byteOffset, mr.buffer.byteLength);
  say('report', {
    expected: view.getUint32(L.expected, true), echoNext: view.getUint32(L.echoNext, true),
    written: view.getUint32(L.written, true), errors: view.getUint32(L.errors, true), qpn: held!.qp.qpn, pid: process.pid,
  });
}

process.on('message', (m: Command) => {
  const run = async (): Promise<void> => {
    switch (m.cmd) {
      case 'connect':
        conn = await connect({ port: m.port, context: base, pd: basePd, messageSize: 64 << 10, timeoutMs: 60_000 });
        say('linked');
        void receiveLoop();
        return;
      case 'create':
        await create();
        return;
      case 'peer':
        await held!.qp.connect(m.endpoint, STREAM_QP_OPTIONS);
        hold(held!);
        say('connected');
        return;
      case 'move':
      case 'move-stall':
        await move(m.cmd === 'move-stall');
        return;
      case 'report':
        report();
        return;
    }
  };
  run().catch((err: unknown) => say('error', describeError(err)));
});

if (role === 'a') {
  const listener = await listen({ port: 0, context: base, pd: basePd, messageSize: 64 << 10, timeoutMs: 60_000 });
  say('listening', { port: (listener.address as { port: number }).port });
  conn = await listener.accept();
  say('linked');
}
