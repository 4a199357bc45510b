import { WcBatch, WcStatus, WrOpcode, type CompletionQueue, type MemoryRegion, type QueuePair, type RemoteMemory, type SendWorkRequest } from '../../lib/index.js';

/** Receives `pingPong` keeps posted. */
const PING_RECVS = 64;

/** Post the receives `pingPong` expects (both sides, before either starts: an RNR retry timer never fires while spinning). */
export function pingPrepare(qp: QueuePair, mr: MemoryRegion, size: number): void {
  for (let i = 0; i < PING_RECVS; i++) qp.postRecv({ wrId: 2, sgList: [{ mr, offset: size, length: size }] });
}

/**
 * Spin-polled ping-pong of `size`-byte sends between two threads (no event
 * loop): the initiator sends, then waits for the answer. Bytes `0..size` of
 * `mr` are sent, bytes `size..2*size` receive (`pingPrepare` first, on both
 * sides). Returns the mean round trip in ns.
 * @throws Error on a failed completion or after 30 s.
 */
export function pingPong(cq: CompletionQueue, qp: QueuePair, mr: MemoryRegion, size: number, iters: number, initiator: boolean): number {
  const recv = { wrId: 2, sgList: [{ mr, offset: size, length: size }] };
  const send: SendWorkRequest = { wrId: 1, opcode: WrOpcode.SEND, sgList: [{ mr, offset: 0, length: size }], signaled: false };
  const batch = new WcBatch(16);
  const deadline = performance.now() + 30_000;
  let posted = PING_RECVS;
  const waitRecv = (): void => {
    for (;;) {
      const n = cq.pollBatch(batch);
      for (let k = 0; k < n; k++) {
        if (batch.status(k) !== WcStatus.SUCCESS) throw new Error(`ping-pong completion failed with status ${batch.status(k)}`);
        if (batch.wrId(k) === 2) {
          if (--posted < PING_RECVS / 2) {
            for (let j = 0; j < PING_RECVS / 2; j++) qp.postRecv(recv);
            posted += PING_RECVS / 2;
          }
          return;
        }
      }
      if (n === 0 && performance.now() > deadline) throw new Error('ping-pong timed out');
    }
  };
  const start = performance.now();
  for (let i = 0; i < iters; i++) {
    if (initiator) {
      qp.postSend(send);
      waitRecv();
    } else {
      waitRecv();
      qp.postSend(send);
    }
  }
  return ((performance.now() - start) * 1e6) / iters;
}

/**
 * Post `iters` signaled RDMA WRITEs of `size` bytes of `mr` to `remote`,
 * `window` in flight, spin-polling. Returns bytes per second.
 * @throws Error on a failed completion or after 60 s.
 */
export function writeBandwidth(cq: CompletionQueue, qp: QueuePair, mr: MemoryRegion, remote: RemoteMemory, size: number, iters: number, window: number): number {
  const wr: SendWorkRequest = { wrId: 7, opcode: WrOpcode.RDMA_WRITE, sgList: [{ mr, offset: 0, length: size }], remoteAddr: BigInt(remote.addr), rkey: remote.rkey };
  const batch = new WcBatch(64);
  let posted = 0;
  let done = 0;
  const deadline = performance.now() + 60_000;
  const start = performance.now();
  while (done < iters) {
    while (posted < iters && posted - done < window) {
      qp.postSend(wr);
      posted++;
    }
    const n = cq.pollBatch(batch);
    for (let k = 0; k < n; k++) if (batch.status(k) !== WcStatus.SUCCESS) throw new Error(`RDMA WRITE failed with status ${batch.status(k)}`);
    done += n;
    if (n === 0 && performance.now() > deadline) throw new Error('write bandwidth run timed out');
  }
  return (size * iters) / ((performance.now() - start) / 1000);
}

/**
 * Post `iters` FETCH_AND_ADD of `add` to `remote`, one at a time, spin-polling;
 * `mr` bytes 0..8 receive each fetched value. Returns the values fetched.
 * @throws Error on a failed completion or after 10 s without one.
 */
export function fetchAndAddLoop(cq: CompletionQueue, qp: QueuePair, mr: MemoryRegion, remote: RemoteMemory, iters: number, add: bigint): bigint[] {
  const view = new DataView(mr.buffer.buffer, mr.buffer.byteOffset, 8);
  const wr: SendWorkRequest = { wrId: 0, opcode: WrOpcode.ATOMIC_FETCH_AND_ADD, sgList: [{ mr, offset: 0, length: 8 }], remoteAddr: BigInt(remote.addr), rkey: remote.rkey, compareAdd: add };
  const batch = new WcBatch(4);
  const seen: bigint[] = [];
  for (let i = 0; i < iters; i++) {
    qp.postSend(wr);
    const deadline = performance.now() + 10_000;
    while (cq.pollBatch(batch) === 0) {
      if (performance.now() > deadline) throw new Error(`FETCH_AND_ADD ${i} never completed`);
    }
    if (batch.status(0) !== WcStatus.SUCCESS) throw new Error(`FETCH_AND_ADD ${i} failed with status ${batch.status(0)}`);
    seen.push(view.getBigUint64(0, true));
  }
  return seen;
}
