import {
  Access, openDevice, QpType, WcBatch,
  type CompletionQueue, type Context, type MemoryRegion, type ProtectionDomain, type QueuePair, type RecvWorkRequest,
} from '../../lib/index.js';
import type { PeerInfo } from '../core/messages.js';

/** How to open one side of a benchmark. */
export interface RigOptions {
  /** Device name (`loop0`, `rxe0`, `mlx5_0`). */
  readonly device: string;
  /** Loopback only: join the hub (cross-process) or stay private to the process. */
  readonly hub: boolean;
  /** GID index for native devices (RoCE). */
  readonly gidIndex?: number;
  /** The largest message of the run. */
  readonly maxSize: number;
  /** Inline payloads up to this many bytes in latency tests (0: never). */
  readonly maxInline: number;
}

/** Send- and receive-queue depth of every benchmark QP. */
export const QUEUE_DEPTH = 1024;
/** Completion-queue depth. */
export const CQ_DEPTH = 4096;

/**
 * One side of a benchmark: a context, PD, one CQ (sends and receives), an RC
 * QP, and one region of `2 * maxSize` bytes: the inbox (where the peer's
 * sends and writes land, offered as remote memory) then the outbox (the
 * local source of sends and writes).
 */
export class Rig {
  /** Receive requests currently posted. */
  recvPosted = 0;
  readonly batch = new WcBatch(64);
  readonly inbox: Uint8Array;
  readonly outbox: Uint8Array;
  /** Byte offset of the outbox in `mr`. */
  readonly outboxOffset: number;
  /** A receive request that takes any message up to `maxSize`. */
  readonly recvWr: RecvWorkRequest;
  readonly #recvBatches = new Map<number, RecvWorkRequest[]>();

  private constructor(
    readonly options: RigOptions,
    readonly ctx: Context,
    readonly pd: ProtectionDomain,
    readonly cq: CompletionQueue,
    readonly qp: QueuePair,
    readonly mr: MemoryRegion,
  ) {
    const size = options.maxSize;
    this.inbox = mr.buffer.subarray(0, size);
    this.outbox = mr.buffer.subarray(size, 2 * size);
    this.outboxOffset = size;
    this.recvWr = { wrId: 0, sgList: [{ mr, offset: 0, length: size }] };
  }

  /** Open the device and build everything. @throws whatever the library throws. */
  static async open(options: RigOptions): Promise<Rig> {
    const ctx = await openDevice(options.device, {
      hub: options.hub, ...(options.gidIndex === undefined ? {} : { gidIndex: options.gidIndex }),
    });
    try {
      const pd = ctx.allocPd();
      const cq = ctx.createCq({ depth: CQ_DEPTH });
      const qp = pd.createQp({
        type: QpType.RC, sendCq: cq, recvCq: cq, maxSendWr: QUEUE_DEPTH, maxRecvWr: QUEUE_DEPTH, maxSge: 1,
        maxInline: options.maxInline,
      });
      const bytes = ctx.allocBuffer(2 * options.maxSize);
      const mr = pd.registerMemory(bytes, Access.LOCAL_WRITE | Access.REMOTE_WRITE);
      return new Rig(options, ctx, pd, cq, qp, mr);
    } catch (err) {
      ctx.close();
      throw err;
    }
  }

  /** What the peer needs: the QP's endpoint and the inbox as remote memory. */
  info(): PeerInfo {
    return { endpoint: this.qp.endpoint(), memory: { ...this.mr.toRemote(), length: this.options.maxSize } };
  }

  /** Connect to the peer (RNR timer at its shortest, retries for ever). */
  async connect(peer: PeerInfo): Promise<void> {
    await this.qp.connect(peer.endpoint, { minRnrTimer: 1, rnrRetry: 7 });
  }

  /** Post receives until `depth` are outstanding (in batches: one call each). */
  topUpRecvs(depth: number): void {
    let missing = depth - this.recvPosted;
    while (missing > 0) {
      const n = Math.min(missing, 64);
      this.qp.postRecv(this.#recvBatch(n));
      this.recvPosted += n;
      missing -= n;
    }
  }

  /** An array of `n` identical receive requests, built once. */
  #recvBatch(n: number): RecvWorkRequest[] {
    let b = this.#recvBatches.get(n);
    if (!b) {
      b = new Array<RecvWorkRequest>(n).fill(this.recvWr);
      this.#recvBatches.set(n, b);
    }
    return b;
  }

  close(): void {
    this.ctx.close();
  }
}
