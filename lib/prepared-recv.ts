import type { PreparedBackend } from './provider/spi.js';
import type { RecvSlot } from './validate/spec-pool.js';
import type { RecvWorkRequest } from './types/work-request.js';
import { PreparedRequests, sgLists, type PreparedOwner } from './prepared-requests.js';

/**
 * Receive requests validated and packed once (`QueuePair.prepareRecv()`),
 * posted again and again with `post()`; `setWrId` and `setSge` change
 * them between posts.
 */
export class PreparedRecv extends PreparedRequests<RecvSlot> {
  /** @internal Use `QueuePair.prepareRecv()`. */
  constructor(owner: PreparedOwner, specs: readonly RecvSlot[], wrs: readonly RecvWorkRequest[], raw: PreparedBackend) {
    super(owner, specs, sgLists(wrs), [], raw);
  }

  /** A receive takes any length its regions hold. */
  protected override checkLength(): void {}
}
