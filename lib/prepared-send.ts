import type { PreparedBackend } from './provider/spi.js';
import type { SendSlot } from './validate/spec-pool.js';
import type { SendWorkRequest } from './types/work-request.js';
import type { AddressHandle } from './address-handle.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';
import { OpTrait, WR_OPCODE_TRAITS } from './constants/wr-opcode-traits.js';
import { SendFlags } from './constants/wr-opcode.js';
import { intError, isIntIn, isU64, u64Error } from './validate/numbers.js';
import { MAX_MESSAGE } from './validate/send-wr.js';
import { PreparedRequests, sgLists, type PreparedOwner } from './prepared-requests.js';

/**
 * Send requests validated and packed once (`QueuePair.prepareSend()`),
 * posted again and again with `post()`: the way to post at the rate of C.
 * Per-post fields are set through the setters, which check only what they
 * change; opcode, flags, regions and address handles stay as prepared.
 */
export class PreparedSend extends PreparedRequests<SendSlot> {
  readonly #maxInline: number;

  /** @internal Use `QueuePair.prepareSend()`. */
  constructor(owner: PreparedOwner, specs: readonly SendSlot[], wrs: readonly SendWorkRequest[], maxInline: number, raw: PreparedBackend) {
    const handles: AddressHandle[] = [];
    for (const wr of wrs) if (wr.ah !== undefined && !handles.includes(wr.ah)) handles.push(wr.ah);
    super(owner, specs, sgLists(wrs), handles, raw);
    this.#maxInline = maxInline;
  }

  /**
   * Set request `i`'s remote address (opcodes that address remote memory;
   * 8-byte aligned for atomics).
   * @throws InvalidArgumentError for a bad index or address, or an opcode without one.
   */
  setRemoteAddr(i: number, remoteAddr: bigint): void {
    const s = this.#withTrait(i, OpTrait.REMOTE, 'remoteAddr');
    if (!isU64(remoteAddr)) throw u64Error('remoteAddr', remoteAddr);
    if ((this.#traits(s) & OpTrait.ATOMIC) !== 0 && remoteAddr % 8n !== 0n) throw new InvalidArgumentError('remoteAddr', 'atomics need an 8-byte aligned address');
    s.remoteAddr = remoteAddr;
    this.changed(i);
  }

  /**
   * Set request `i`'s rkey.
   * @throws InvalidArgumentError for a bad index or key, or an opcode without remote memory.
   */
  setRkey(i: number, rkey: number): void {
    const s = this.#withTrait(i, OpTrait.REMOTE, 'rkey');
    if (!isIntIn(rkey, 0, 0xffff_ffff)) throw intError('rkey', rkey, 0, 0xffff_ffff);
    s.rkey = rkey;
    this.changed(i);
  }

  /**
   * Set request `i`'s immediate data (the `*_WITH_IMM` opcodes).
   * @throws InvalidArgumentError for a bad index or value, or an opcode without immediate data.
   */
  setImm(i: number, imm: number): void {
    const s = this.#withTrait(i, OpTrait.IMM, 'imm');
    if (!isIntIn(imm, 0, 0xffff_ffff)) throw intError('imm', imm, 0, 0xffff_ffff);
    s.imm = imm;
    this.changed(i);
  }

  /**
   * Set request `i`'s compare (compare and swap) or add (fetch and add) operand.
   * @throws InvalidArgumentError for a bad index or value, or a request that is no atomic.
   */
  setCompareAdd(i: number, value: bigint): void {
    const s = this.#withTrait(i, OpTrait.ATOMIC, 'compareAdd');
    if (!isU64(value)) throw u64Error('compareAdd', value);
    s.compareAdd = value;
    this.changed(i);
  }

  /**
   * Set request `i`'s swap operand (compare and swap).
   * @throws InvalidArgumentError for a bad index or value, or a request that is no compare and swap.
   */
  setSwap(i: number, value: bigint): void {
    const s = this.#withTrait(i, OpTrait.SWAP, 'swap');
    if (!isU64(value)) throw u64Error('swap', value);
    s.swap = value;
    this.changed(i);
  }

  protected override checkLength(i: number, total: number): void {
    const s = this.specs[i]!;
    const traits = this.#traits(s);
    if (total > MAX_MESSAGE) throw new InvalidArgumentError('length', `message of ${total} bytes exceeds 2^31`);
    if ((s.flags & SendFlags.INLINE) !== 0 && total > this.#maxInline) {
      throw new InvalidArgumentError('length', `${total} bytes exceed the QP's maxInline ${this.#maxInline} (wr[${i}] is inline)`);
    }
    if ((traits & OpTrait.ATOMIC) !== 0 && total !== 8) throw new InvalidArgumentError('length', `an atomic needs exactly 8 bytes for the original value, got ${total}`);
  }

  #traits(s: SendSlot): number {
    return WR_OPCODE_TRAITS[s.opcode]!.flags;
  }

  #withTrait(i: number, trait: number, field: string): SendSlot {
    const s = this.slot(i);
    if ((this.#traits(s) & trait) === 0) {
      throw new InvalidArgumentError(field, `wr[${i}] is ${WR_OPCODE_TRAITS[s.opcode]!.name}, which has no ${field}`);
    }
    return s;
  }
}
