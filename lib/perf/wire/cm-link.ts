/**
 * perftest's exchange connection in `-R` mode: one RC queue pair that
 * rdma_cm connects on the test's port (the client connects, the server
 * listens, accepts the first request and stops listening), over which each
 * step of the exchange is one SEND of the step's bytes into a posted
 * receive. Both ends post their receives before connecting; perftest keeps
 * one posted and reposts it after each message, so its peer's SENDs may
 * meet a receiver not ready yet: the connection retries those forever
 * (RNR retry 7), as perftest's does. A write does not wait for its own
 * completion (only for a free slot): the last message of the exchange may
 * still be unacknowledged when the peer, having read it, hangs up.
 */
import { Access } from '../../constants/access.js';
import { WcOpcode } from '../../constants/wc-opcode.js';
import { WcStatus } from '../../constants/wc-status.js';
import { WrOpcode } from '../../constants/wr-opcode.js';
import { RdmaError } from '../../errors/rdma-error.js';
import type { CmConnectOptions, CmId } from '../../cm/cm-id.js';
import type { Context } from '../../context.js';
import type { CompletionQueue } from '../../completion-queue.js';
import type { MemoryRegion } from '../../memory-region.js';
import type { ProtectionDomain } from '../../protection-domain.js';
import type { QueuePair } from '../../queue-pair.js';
import type { WorkCompletion } from '../../types/work-request.js';
import type { OobChannel } from './channel.js';
import { acceptCmQp, connectCmQp, hangUp, ipv4Of, type CmQpInit } from './cm-connect.js';

/** Bytes of one message slot: more than the largest step (a 64-byte record). */
const SLOT = 256;
/** Receives kept posted. */
const RECV_SLOTS = 8;
/** SENDs that may be in flight (a write waits only when all are). */
const SEND_SLOTS = 4;
/** The connection parameters of perftest's exchange connection: no reads, retries as its test QPs. */
const CONN: CmConnectOptions = { responderResources: 0, initiatorDepth: 0, retryCount: 7, rnrRetryCount: 7 };
/** How long a hang-up waits for the peer's answer. */
const HANG_UP_MS = 2000;

/** The exchange over an rdma_cm connection (see the file's comment). */
export class CmLink implements OobChannel {
  readonly #received: WorkCompletion[] = [];
  #sendsDone = 0;
  #sendsPosted = 0;
  #closed = false;

  private constructor(
    private readonly id: CmId,
    private readonly pd: ProtectionDomain,
    private readonly cq: CompletionQueue,
    private readonly mr: MemoryRegion,
  ) {}

  /** PD, CQ and slots for one link; `open(qp)` posts the receives. */
  static #parts(ctx: Context): { pd: ProtectionDomain; cq: CompletionQueue; mr: MemoryRegion; init: CmQpInit; open: (qp: QueuePair) => void } {
    const pd = ctx.allocPd();
    const cq = ctx.createCq({ depth: 2 * (RECV_SLOTS + SEND_SLOTS) });
    const mr = pd.registerMemory(ctx.allocBuffer((RECV_SLOTS + SEND_SLOTS) * SLOT), Access.LOCAL_WRITE);
    const init: CmQpInit = { sendCq: cq, recvCq: cq, maxSendWr: SEND_SLOTS, maxRecvWr: RECV_SLOTS, maxSge: 1 };
    const open = (qp: QueuePair): void => {
      for (let i = 0; i < RECV_SLOTS; i++) qp.postRecv({ wrId: i, sgList: [{ mr, offset: i * SLOT, length: SLOT }] });
    };
    return { pd, cq, mr, init, open };
  }

  /**
   * Connect to the server at `host:port`, retrying while nobody listens
   * until `timeoutMs` passes (the server may still be starting).
   * @throws RdmaError `ERR_PERF_CONNECT` when no connection could be made; whatever `CmId` throws otherwise.
   */
  static async connect(ctx: Context, host: string, port: number, timeoutMs: number): Promise<CmLink> {
    const address = await ipv4Of(host);
    const p = CmLink.#parts(ctx);
    try {
      const id = await connectCmQp(ctx, address, port, p.pd, p.init, CONN, Date.now() + timeoutMs, p.open);
      return new CmLink(id, p.pd, p.cq, p.mr);
    } catch (err) {
      CmLink.#drop(p);
      throw err;
    }
  }

  /**
   * Listen on `port` (every address of the device, as perftest), accept the
   * first request and stop listening. `onListening` runs once listening.
   * @throws RdmaError `ERR_PERF_CONNECT` when no client came within `timeoutMs`; whatever `CmId` throws otherwise (`EADDRINUSE`, ...).
   */
  static async accept(ctx: Context, port: number, timeoutMs: number, onListening: () => void = () => {}): Promise<CmLink> {
    const p = CmLink.#parts(ctx);
    const listener = ctx.createCmId();
    try {
      listener.bind({ address: '0.0.0.0', port });
      await listener.listen(1);
      onListening();
      const id = await acceptCmQp(listener, p.pd, p.init, CONN, timeoutMs, p.open);
      return new CmLink(id, p.pd, p.cq, p.mr);
    } catch (err) {
      CmLink.#drop(p);
      throw err;
    } finally {
      listener.close();
    }
  }

  static #drop(p: { pd: ProtectionDomain; cq: CompletionQueue; mr: MemoryRegion }): void {
    p.mr.close();
    p.cq.close();
    p.pd.close();
  }

  /** Send `bytes` as one SEND (waiting first for a free slot, not for this SEND's completion). */
  async write(bytes: Uint8Array): Promise<void> {
    if (bytes.length > SLOT) throw new RdmaError('ERR_PERF_WIRE', `an exchange message of ${bytes.length} bytes is over ${SLOT}`);
    const free = this.#sendsPosted - SEND_SLOTS + 1;
    await this.#until(() => this.#sendsDone >= free, 30_000);
    const at = (RECV_SLOTS + (this.#sendsPosted % SEND_SLOTS)) * SLOT;
    this.mr.buffer.set(bytes, at);
    this.#qp().postSend({ wrId: RECV_SLOTS, opcode: WrOpcode.SEND, sgList: [{ mr: this.mr, offset: at, length: bytes.length }] });
    this.#sendsPosted++;
  }

  /** The next message (at least `n` bytes). */
  async read(n: number, timeoutMs: number): Promise<Buffer> {
    await this.#until(() => this.#received.length > 0, timeoutMs);
    const wc = this.#received.shift()!;
    const at = wc.wrId * SLOT;
    const out = Buffer.from(this.mr.buffer.subarray(at, at + wc.byteLen));
    this.#qp().postRecv({ wrId: wc.wrId, sgList: [{ mr: this.mr, offset: at, length: SLOT }] });
    if (out.length < n) throw new RdmaError('ERR_PERF_WIRE', `the peer sent ${out.length} bytes where ${n} were due`);
    return out;
  }

  /** Nothing to do: the connection stays up until `close()`. */
  async end(): Promise<void> {}

  /** Disconnect (briefly waiting for the peer's answer) and free the link's resources. Never throws. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await hangUp(this.id, HANG_UP_MS);
    CmLink.#drop({ pd: this.pd, cq: this.cq, mr: this.mr });
  }

  #qp(): QueuePair {
    const qp = this.id.qp;
    if (this.#closed || qp === null || qp.closed) throw new RdmaError('ERR_PERF_PEER_GONE', 'the rdma_cm exchange connection is closed');
    return qp;
  }

  /** Reap completions until `done()` holds. */
  async #until(done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const wc of this.cq.poll(16)) {
        if (wc.status !== WcStatus.SUCCESS) {
          throw new RdmaError('ERR_PERF_PEER_GONE', `the rdma_cm exchange connection failed (completion status ${wc.status}): the peer went away`);
        }
        if (wc.opcode === WcOpcode.RECV) this.#received.push(wc);
        else this.#sendsDone++;
      }
      if (done()) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new RdmaError('ERR_TIMEOUT', `the peer sent nothing for ${Math.round(timeoutMs / 1000)} s on the rdma_cm exchange connection`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, Math.min(left, 1000)); });
      await Promise.race([this.cq.wait(), timeout]).finally(() => clearTimeout(timer));
    }
  }
}
