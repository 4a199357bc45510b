import type { CompletionQueue } from '../../completion-queue.js';
import type { WorkCompletion } from '../../types/work-request.js';
import { WrOpcode } from '../../constants/wr-opcode.js';
import { WcStatus } from '../../constants/wc-status.js';
import { TimeoutError } from '../../errors/timeout-error.js';
import { WorkCompletionError } from '../../errors/work-completion-error.js';
import { RECV_BASE, type Arrival, type ConnectionParts } from '../connection.js';
import { decodeCmHelloBody, type CmHello, type CmHelloHead } from './cm-hello.js';

/** The wrId of the SENDs carrying a hello's rest (below every wrId a Connection uses). */
const REST_WR_ID = 1;

/** What `swapRest` learnt: the peer's hello, and messages that came after it. */
export interface SwappedRest {
  readonly peer: CmHello;
  /** The peer's first messages, already received (slots not posted again). */
  readonly arrivals: readonly Arrival[];
}

/**
 * Once the CM has connected the QP: send the part of our hello that did not
 * fit in the private data (SENDs of at most the peer's receive size, one at
 * a time, from the staging memory) and receive the peer's, into the
 * receives posted before connecting. Messages the peer sends after its
 * hello are kept for the Connection.
 * @throws TimeoutError when the swap takes longer than `timeoutMs`.
 * @throws WorkCompletionError when a SEND or receive completes with an error (the peer went away).
 * @throws ExchangeError `ERR_EXCHANGE_MALFORMED` when the peer's hello does not decode.
 */
export async function swapRest(parts: ConnectionParts, head: CmHelloHead, rest: Uint8Array, timeoutMs: number): Promise<SwappedRest> {
  const body = new Uint8Array(head.bodyLength);
  body.set(head.inline);
  let received = head.inline.length;
  const chunk = Math.min(head.recvBytes, parts.staging.length);
  let sent = 0;
  let sending = false;
  const sendNext = (): void => {
    if (sent >= rest.length) return;
    const n = Math.min(chunk, rest.length - sent);
    parts.staging.buffer.set(rest.subarray(sent, sent + n), 0);
    parts.qp.postSend({ wrId: REST_WR_ID, opcode: WrOpcode.SEND, sgList: [{ mr: parts.staging, offset: 0, length: n }] });
    sent += n;
    sending = true;
  };
  const arrivals: Arrival[] = [];
  const deadline = Date.now() + timeoutMs;
  sendNext();
  while (sending || received < body.length) {
    const wc = await nextCompletion(parts.cq, deadline, timeoutMs);
    if (wc.status !== WcStatus.SUCCESS) throw new WorkCompletionError(wc.status, wc.wrId, wc.opcode, wc.vendorErr);
    if (wc.wrId === REST_WR_ID) {
      sending = false;
      sendNext();
      continue;
    }
    const slot = wc.wrId - RECV_BASE;
    if (received >= body.length) {
      arrivals.push({ slot, length: wc.byteLen });
      continue;
    }
    const offset = slot * parts.messageSize;
    const n = Math.min(wc.byteLen, body.length - received);
    body.set(parts.inbox.buffer.subarray(offset, offset + n), received);
    received += n;
    parts.qp.postRecv({ wrId: wc.wrId, sgList: [{ mr: parts.inbox, offset, length: parts.messageSize }] });
  }
  return { peer: decodeCmHelloBody(head.recvBytes, body), arrivals };
}

async function nextCompletion(cq: CompletionQueue, deadline: number, timeoutMs: number): Promise<WorkCompletion> {
  for (;;) {
    const [wc] = cq.poll(1);
    if (wc) return wc;
    const left = deadline - Date.now();
    if (left <= 0) throw new TimeoutError("the peer's connection details", timeoutMs, `the peer's connection details did not arrive within ${timeoutMs} ms`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([cq.wait(), new Promise<void>((resolve) => { timer = setTimeout(resolve, left); timer.unref(); })]);
    clearTimeout(timer);
  }
}
