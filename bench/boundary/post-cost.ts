/**
 * What posting and polling cost on the JavaScript side, per work request,
 * at a given batch size: RDMA writes of 8 bytes between two connected RC
 * queue pairs of one context.
 */
import { Access, QpType, WcBatch, WrOpcode, type Context, type PreparedSend, type SendWorkRequest } from '../../lib/index.js';
import { nsPerItem } from './measure.js';

/** The figures at one batch size, nanoseconds per work request. */
export interface BoundaryFigure {
  readonly batch: number;
  /** `postSend` alone; null where a post cannot be timed without draining completions. */
  readonly postNs: number | null;
  /** `pollBatch` alone; null likewise. */
  readonly pollNs: number | null;
  /** A post of `batch` requests and the polls that reap their completions. */
  readonly postPollNs: number;
  /** The same with the requests prepared once (`prepareSend`), one setter call per post; null where there is no such thing (C). */
  readonly preparedPostPollNs: number | null;
}

/** A connected pair and the requests the loops post. */
export interface BoundaryRig {
  readonly post: (batch: number) => void;
  /** Post `batch` requests prepared once, after one setter call (request 0's id). */
  readonly postPrepared: (batch: number) => void;
  readonly poll: (batch: number) => number;
  close(): void;
}

/** Two RC QPs of `ctx`, connected, with one region to write within. */
export async function boundaryRig(ctx: Context): Promise<BoundaryRig> {
  const pd = ctx.allocPd();
  const cqA = ctx.createCq({ depth: 4096 });
  const cqB = ctx.createCq({ depth: 4096 });
  const a = pd.createQp({ type: QpType.RC, sendCq: cqA, maxSendWr: 256, maxInline: 0 });
  const b = pd.createQp({ type: QpType.RC, sendCq: cqB, maxSendWr: 256, maxInline: 0 });
  await a.connect(b.endpoint(), { minRnrTimer: 1 });
  await b.connect(a.endpoint(), { minRnrTimer: 1 });
  const mr = pd.registerMemory(ctx.allocBuffer(4096), Access.LOCAL_WRITE | Access.REMOTE_WRITE);
  const lists = new Map<number, SendWorkRequest[]>();
  const listOf = (n: number): SendWorkRequest[] => {
    let list = lists.get(n);
    if (list === undefined) {
      list = [];
      for (let i = 0; i < n; i++) {
        list.push({ wrId: i, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr, offset: 8 * i, length: 8 }], remoteAddr: mr.addr + 2048n + BigInt(8 * i), rkey: mr.rkey });
      }
      lists.set(n, list);
    }
    return list;
  };
  const prepared = new Map<number, PreparedSend>();
  let id = 0;
  const wc = new WcBatch(64);
  return {
    post: (n) => a.postSend(n === 1 ? listOf(1)[0]! : listOf(n)),
    postPrepared: (n) => {
      let p = prepared.get(n);
      if (p === undefined) {
        p = a.prepareSend(listOf(n));
        prepared.set(n, p);
      }
      p.setWrId(0, id++ & 0xffff);
      p.post();
    },
    poll: (n) => cqA.pollBatch(wc, n),
    close: () => pd.close(),
  };
}

/**
 * Time posts and polls at each batch size. `separate` says whether a post
 * can be timed without reaping its completions (true where the provider's
 * calls are stubbed, so that no queue fills).
 */
export function measureBoundary(rig: BoundaryRig, batches: readonly number[], budgetMs: number, separate: boolean): BoundaryFigure[] {
  const out: BoundaryFigure[] = [];
  for (const n of batches) {
    const postPollNs = nsPerItem(() => {
      rig.post(n);
      let got = 0;
      while (got < n) got += rig.poll(n - got);
    }, n, budgetMs);
    const preparedPostPollNs = nsPerItem(() => {
      rig.postPrepared(n);
      let got = 0;
      while (got < n) got += rig.poll(n - got);
    }, n, budgetMs);
    const postNs = separate ? nsPerItem(() => rig.post(n), n, budgetMs) : null;
    const pollNs = separate ? nsPerItem(() => rig.poll(n), n, budgetMs) : null;
    out.push({ batch: n, postNs, pollNs, postPollNs, preparedPostPollNs });
  }
  return out;
}
