import type { CmConnParam } from '../../../provider/cm-spi.js';
import type { QpBackend } from '../../../provider/spi.js';
import type { Endpoint } from '../../../types/endpoint.js';
import { QpState } from '../../../constants/qp.js';

/** The RNR timer the loopback CM sets (the verbs' usual default). */
const MIN_RNR_TIMER = 12;
/**
 * The local ACK timeout the loopback CM sets: code 18, about 1.07 s a try.
 * A kernel CM derives it from the path's packet lifetime, which a real
 * fabric answers in hardware; here the responder is a process that a loaded
 * host may not run for longer than the 67 ms of code 14, and a requester
 * would then retransmit or, after its retries, fail with RETRY_EXC_ERR
 * while its peer is alive. A peer process that dies is still noticed at
 * once: the hub reports its node gone.
 */
const ACK_TIMEOUT = 18;

/** INIT -> RTR towards `peer`, with the CM's parameters. */
export async function driveToRtr(qp: QpBackend, peer: Endpoint, p: CmConnParam): Promise<void> {
  const own = qp.endpoint();
  await qp.modify({
    state: QpState.RTR,
    attrs: {
      pathMtu: Math.min(own.mtu, peer.mtu), destQpn: peer.qpn, rqPsn: peer.psn,
      maxDestRdAtomic: p.responderResources, minRnrTimer: MIN_RNR_TIMER, ahAttr: qp.pathTo(peer),
    },
  });
}

/** RTR -> RTS with the CM's parameters. */
export async function driveToRts(qp: QpBackend, p: CmConnParam): Promise<void> {
  await qp.modify({
    state: QpState.RTS,
    attrs: { sqPsn: qp.endpoint().psn, timeout: ACK_TIMEOUT, retryCnt: p.retryCount, rnrRetry: p.rnrRetryCount, maxRdAtomic: p.initiatorDepth },
  });
}
