/**
 * The books of one node: every work request it posted, and how each
 * completed. A completion for a request not posted, or a second one, is a
 * duplicate; a request without a completion at the end is lost.
 */
import { wcStatusName } from '../../lib/index.js';

export class Ledger {
  readonly #open = new Set<number>();
  readonly #closed = new Set<number>();
  #posted = 0;
  #duplicated = 0;
  readonly byStatus: Record<string, number> = {};

  posted(wrId: number): void {
    this.#posted++;
    this.#open.add(wrId);
  }

  /** Record a completion; false when it is a duplicate (or of a request never posted). */
  completed(wrId: number, status: number): boolean {
    if (!this.#open.delete(wrId)) {
      this.#duplicated++;
      return false;
    }
    this.#closed.add(wrId);
    const name = wcStatusName(status);
    this.byStatus[name] = (this.byStatus[name] ?? 0) + 1;
    return true;
  }

  get outstanding(): number { return this.#open.size; }
  get postedCount(): number { return this.#posted; }
  get duplicated(): number { return this.#duplicated; }
}
