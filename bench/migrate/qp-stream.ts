/**
 * The peer side of the live QP migration demo and tests: a numbered stream
 * (an RDMA WRITE of each number into the moving QP's region, then a SEND of
 * it) posted continuously to a QP that moves between two processes
 * (`qp-mover.ts`), and the driver of those two processes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  Access, QpType, WrOpcode, wcStatusName,
  type CompletionQueue, type ConnectOptions, type Context, type Endpoint, type MemoryRegion, type QueuePair, type RemoteMemory,
} from '../../lib/index.js';

/** Where the mover keeps the stream's state and buffers in the moving QP's region (it moves with the QP). */
export const MOVER_LAYOUT = {
  /** u32: the number expected next. */
  expected: 0,
  /** u32: the next echo number. */
  echoNext: 4,
  /** u32: the peer's RDMA WRITE of the latest number lands here. */
  written: 8,
  /** u32: errors seen (wrong number, missing write, failed completion). */
  errors: 12,
  slots: 32,
  slotBytes: 64,
  recvAt: 64,
  echoAt: 4096,
  echoWrId: 1000,
  regionBytes: 8192,
} as const;

/** Both ends of the streaming QP: RNR waits for ever, the local ACK timeout 67 ms, 7 retries. */
export const STREAM_QP_OPTIONS: ConnectOptions = { rnrRetry: 7, timeout: 14, retryCnt: 7, minRnrTimer: 1 };

/** Messages the stream keeps in flight. */
const WINDOW = 16;
const ECHO_WR_ID = 100_000;

/**
 * The numbered stream: WRITE then SEND of 0, 1, 2, ... with at most
 * `WINDOW` numbers in flight, and the echoes of every fourth number back,
 * checked to come once and in order. Records the longest wait between two
 * consecutive SEND completions in each `markGapWindow()` window.
 */
export class NumberedStream {
  readonly qp: QueuePair;
  readonly #cq: CompletionQueue;
  readonly #mr: MemoryRegion;
  #remote: RemoteMemory | null = null;
  #running = false;
  #done: Promise<void> | null = null;
  #inFlight = 0;
  /** Numbers posted / whose SEND completed. */
  sent = 0;
  acked = 0;
  echoes = 0;
  readonly errors: string[] = [];
  #lastAck = 0;
  /** The longest wait between two SEND completions since `markGapWindow()`, in ms. */
  gapMs = 0;

  constructor(ctx: Context) {
    const pd = ctx.allocPd();
    this.#cq = ctx.createCq({ depth: 512 });
    this.#mr = pd.registerMemory(ctx.allocBuffer(8192), Access.LOCAL_WRITE);
    this.qp = pd.createQp({ type: QpType.RC, sendCq: this.#cq, maxSendWr: 2 * WINDOW + 2, maxRecvWr: MOVER_LAYOUT.slots });
    for (let i = 0; i < MOVER_LAYOUT.slots; i++) this.#postEchoRecv(i);
  }

  /** Connect to the moving QP and know its region (the WRITE target). */
  async connect(endpoint: Endpoint, region: RemoteMemory): Promise<void> {
    this.#remote = region;
    await this.qp.connect(endpoint, STREAM_QP_OPTIONS);
  }

  /** Start posting. */
  start(): void {
    this.#running = true;
    this.#lastAck = performance.now();
    this.#done = this.#run();
  }

  /** Start a new gap window (before a migration). */
  markGapWindow(): void {
    this.gapMs = 0;
  }

  /** Stop posting and wait until every number posted completed. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }

  async #run(): Promise<void> {
    const view = new DataView(this.#mr.buffer.buffer, this.#mr.buffer.byteOffset, this.#mr.buffer.byteLength);
    while ((this.#running && this.errors.length === 0) || this.#inFlight > 0) {
      while (this.#running && this.errors.length === 0 && this.#inFlight < WINDOW) this.#post(view);
      try {
        await this.#cq.wait();
      } catch (err) {
        this.errors.push(`wait: ${(err as Error).message}`);
        return;
      }
      for (let wcs = this.#cq.poll(32); wcs.length > 0; wcs = this.#cq.poll(32)) {
        for (const wc of wcs) {
          if (wc.status !== 0) {
            this.errors.push(`wrId ${wc.wrId}: ${wcStatusName(wc.status)}`);
            this.#inFlight = 0;
            continue;
          }
          if (wc.wrId >= ECHO_WR_ID) {
            const slot = wc.wrId - ECHO_WR_ID;
            const echo = view.getUint32(4096 + slot * 64, true);
            if (echo !== this.echoes) this.errors.push(`echo ${echo} arrived, ${this.echoes} expected`);
            this.echoes = echo + 1;
            this.#postEchoRecv(slot);
            continue;
          }
          const now = performance.now();
          this.gapMs = Math.max(this.gapMs, now - this.#lastAck);
          this.#lastAck = now;
          this.acked++;
          this.#inFlight--;
        }
      }
    }
  }

  #post(view: DataView): void {
    const seq = this.sent++;
    const slot = seq % WINDOW;
    view.setUint32(slot * 64, seq, true);
    const sge = { mr: this.#mr, offset: slot * 64, length: 4 };
    const r = this.#remote!;
    this.qp.postSend([
      { wrId: seq, opcode: WrOpcode.RDMA_WRITE, remoteAddr: BigInt(r.addr) + BigInt(MOVER_LAYOUT.written), rkey: r.rkey, sgList: [sge], signaled: false },
      { wrId: seq, opcode: WrOpcode.SEND, sgList: [sge], signaled: true },
    ]);
    this.#inFlight++;
  }

  #postEchoRecv(slot: number): void {
    this.qp.postRecv({ wrId: ECHO_WR_ID + slot, sgList: [{ mr: this.#mr, offset: 4096 + slot * 64, length: 64 }] });
  }
}

/** An event from a mover process. */
export interface MoverEvent {
  readonly ev: string;
  readonly [field: string]: unknown;
}

/** One mover process and the events it sent. */
export class Mover {
  readonly child: ChildProcess;
  readonly #events: MoverEvent[] = [];
  readonly #waiters: Array<() => void> = [];

  constructor(role: 'a' | 'b', stall = false) {
    // Run from dist/ as built; from the sources (under vitest), the built copy.
    const here = import.meta.url.endsWith('.ts') ? '../../dist/bench/migrate/qp-mover.js' : './qp-mover.js';
    const script = fileURLToPath(new URL(here, import.meta.url));
    this.child = fork(script, [role, ...(stall ? ['stall'] : [])], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: MoverEvent) => {
      this.#events.push(m);
      for (const w of this.#waiters.splice(0)) w();
    });
    this.child.on('exit', () => {
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  /** Send a command. */
  tell(cmd: Record<string, unknown>): void {
    this.child.send(cmd);
  }

  /**
   * The next event named one of `names` (earlier unread ones first); others are skipped.
   * @throws Error when the process exits or `timeoutMs` passes first, or it reports an error.
   */
  async next(names: readonly string[], timeoutMs = 30_000): Promise<MoverEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.#events.findIndex((e) => names.includes(e.ev) || e.ev === 'error');
      if (at >= 0) {
        const [e] = this.#events.splice(at, 1);
        if (e!.ev === 'error' && !names.includes('error')) throw new Error(`mover ${this.child.pid}: ${JSON.stringify(e)}`);
        return e!;
      }
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`mover ${this.child.pid} exited waiting for ${names.join('/')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`mover ${this.child.pid}: no ${names.join('/')} within ${timeoutMs} ms`);
      await Promise.race([new Promise<void>((r) => this.#waiters.push(r)), new Promise((r) => setTimeout(r, Math.min(left, 1000)))]);
    }
  }

  /** End the process (by its pid) and wait for it. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Two mover processes linked to each other, the QP created in `a` and
 * connected to `stream`'s QP.
 */
export async function startMovers(stream: NumberedStream, options: { stallB?: boolean } = {}): Promise<{ a: Mover; b: Mover }> {
  const a = new Mover('a');
  const b = new Mover('b', options.stallB ?? false);
  try {
    const { port } = await a.next(['listening']);
    b.tell({ cmd: 'connect', port });
    await Promise.all([a.next(['linked']), b.next(['linked'])]);
    a.tell({ cmd: 'create' });
    const { endpoint, region } = await a.next(['endpoint']);
    await stream.connect(endpoint as Endpoint, region as RemoteMemory);
    a.tell({ cmd: 'peer', endpoint: stream.qp.endpoint() });
    await a.next(['connected']);
  } catch (err) {
    await Promise.all([a.kill(), b.kill()]);
    throw err;
  }
  return { a, b };
}

/** Move the QP from `from` to `to` once. @returns the source's `moved` event. @throws Error when either side reports a failure. */
export async function moveOnce(from: Mover, to: Mover): Promise<MoverEvent> {
  from.tell({ cmd: 'move' });
  const [moved, arrived] = await Promise.all([from.next(['moved', 'move-failed']), to.next(['arrived', 'receive-failed'])]);
  if (moved.ev !== 'moved' || arrived.ev !== 'arrived') throw new Error(`the move failed: ${JSON.stringify(moved)} ${JSON.stringify(arrived)}`);
  return moved;
}
