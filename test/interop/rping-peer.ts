/**
 * rping's side of the wire, for the interop tests: its 16-byte buffer
 * advertisement ({ be64 addr, be32 rkey, be32 len }, sent as a SEND) and
 * the ping text its client writes ("rdma-ping-<n>: " then letters A..z
 * cycling from a start that moves one letter per ping, NUL-terminated).
 */
import type { CompletionQueue, MemoryRegion, WorkCompletion } from '../../lib/index.js';
import { WcStatus } from '../../lib/index.js';
import { WAIT_MS, sleep } from '../conformance/harness.js';

/** Bytes of rping's advertisement. */
export const RPING_INFO_BYTES = 16;

/** Write the advertisement of `mr` (its first `len` bytes) into `into`. */
export function writeInfo(into: Uint8Array, mr: MemoryRegion, len: number): void {
  const v = new DataView(into.buffer, into.byteOffset, RPING_INFO_BYTES);
  v.setBigUint64(0, mr.addr);
  v.setUint32(8, mr.rkey);
  v.setUint32(12, len);
}

/** Read an advertisement. */
export function readInfo(from: Uint8Array): { addr: bigint; rkey: number; len: number } {
  const v = new DataView(from.buffer, from.byteOffset, RPING_INFO_BYTES);
  return { addr: v.getBigUint64(0), rkey: v.getUint32(8), len: v.getUint32(12) };
}

/** The ping text rping's client puts in its buffer for ping number `ping`. */
export function rpingText(ping: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const head = Buffer.from(`rdma-ping-${ping}: `, 'latin1').subarray(0, size - 1);
  out.set(head);
  let c = 65 + (ping % 58);
  for (let i = head.length; i < size; i++) {
    out[i] = c;
    c = c >= 122 ? 65 : c + 1;
  }
  out[size - 1] = 0;
  return out;
}

/**
 * Completions of one CQ taken one opcode at a time: `next(opcode)` returns
 * the oldest successful completion with that opcode, keeping the others.
 * @throws Error on a failed completion or when none comes within `WAIT_MS`.
 */
export class CompletionSorter {
  readonly #kept: WorkCompletion[] = [];
  constructor(private readonly cq: CompletionQueue) {}

  async next(opcode: number): Promise<WorkCompletion> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      for (const wc of this.cq.poll(16)) {
        if (wc.status !== WcStatus.SUCCESS) throw new Error(`completion ${wc.wrId} failed with status ${wc.status}`);
        this.#kept.push(wc);
      }
      const i = this.#kept.findIndex((wc) => wc.opcode === opcode);
      if (i >= 0) return this.#kept.splice(i, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no completion with opcode ${opcode} within ${WAIT_MS} ms`);
      await Promise.race([this.cq.wait(), sleep(50)]);
    }
  }
}
