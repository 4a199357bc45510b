import type { CmConnParam } from '../../../provider/cm-spi.js';
import type { QpBackend } from '../../../provider/spi.js';
import type { Endpoint } from '../../../types/endpoint.js';
import { QpState } from '../../../constants/qp.js';

/** The RNR timer and local ACK timeout the loopback CM sets (the verbs' usual defaults). */
const MIN_RNR_TIMER = 12;
const ACK_TIMEOUT = 14;

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
