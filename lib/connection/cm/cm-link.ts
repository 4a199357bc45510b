import type { CmId } from '../../cm/cm-id.js';
import { CmEventType } from '../../constants/cm-event.js';
import { RdmaError } from '../../errors/rdma-error.js';
import type { Link, LinkGone } from '../link.js';

/**
 * A `Link` over a connected `CmId`: the peer's DISCONNECTED (its
 * `disconnect()`, its id closed, its process gone) says it is gone, and
 * saying goodbye is `disconnect()`. The CM moves the QP to ERR on either.
 */
export class CmLink implements Link {
  readonly #id: CmId;

  constructor(id: CmId) {
    this.#id = id;
  }

  watch(onGone: (gone: LinkGone) => void): void {
    void (async () => {
      for await (const ev of this.#id) {
        if (ev.type === CmEventType.DISCONNECTED) {
          onGone({ graceful: true, reason: new RdmaError('ERR_DISCONNECTED', 'the peer disconnected') });
          return;
        }
        if (ev.type === CmEventType.DEVICE_REMOVAL) {
          onGone({ graceful: false, reason: new RdmaError('ERR_DISCONNECTED', 'the device was removed') });
          return;
        }
      }
    })();
  }

  async finish(timeoutMs: number): Promise<void> {
    if (this.#id.closed) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.#id.disconnect(),
        new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); timer.unref(); }),
      ]);
    } catch {
      // the peer left first, or the id closed meanwhile: nothing to say goodbye to
    } finally {
      clearTimeout(timer);
    }
  }

  abort(): void {
    this.#id.close();
  }
}
