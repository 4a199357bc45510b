/**
 * perftest's per-QP connection record, as its out-of-band TCP exchange
 * carries it: colon-separated fixed-width hex fields in a NUL-padded buffer
 * of fixed size. Two forms: without GID (59 bytes,
 * `LID:OUT_READS:QPN:PSN:RKEY:VADDR:SRQN`) for InfiniBand ports used
 * without a GID, and with the 16 GID bytes between VADDR and SRQN (108
 * bytes) whenever a GID index is in use (RoCE, or `-x`). Both sides must use
 * the same form: each reads exactly the size of its own.
 */
import { RdmaError } from '../../errors/rdma-error.js';

/** Bytes of a record without a GID. */
export const KEY_RECORD_SIZE = 59;
/** Bytes of a record with a GID. */
export const KEY_RECORD_SIZE_GID = 108;

/** One side's QP, memory and address, as perftest exchanges them. */
export interface PeerKeys {
  /** Local identifier (0 on RoCE). */
  readonly lid: number;
  /** RDMA reads and atomics this side accepts outstanding (its `max_dest_rd_atomic`). */
  readonly outReads: number;
  /** Queue-pair number. */
  readonly qpn: number;
  /** First packet sequence number. */
  readonly psn: number;
  /** Remote key of the region the peer reads or writes. */
  readonly rkey: number;
  /** Address of that region. */
  readonly vaddr: bigint;
  /** The 16 GID bytes; null in the form without GID. */
  readonly gid: Uint8Array | null;
  /** SRQ number (XRC/DC only; 0 here). */
  readonly srqn: number;
}

function hex(value: number | bigint, width: number): string {
  return value.toString(16).padStart(width, '0');
}

/** The record of `keys` in the form `withGid` selects, NUL-padded to its fixed size. */
export function encodeKeys(keys: PeerKeys, withGid: boolean): Buffer {
  const head = [hex(keys.lid, 4), hex(keys.outReads, 4), hex(keys.qpn, 6), hex(keys.psn, 6), hex(keys.rkey, 8), hex(keys.vaddr, 16)];
  let text: string;
  if (withGid) {
    const gid = keys.gid ?? new Uint8Array(16);
    text = `${[...head, ...Array.from(gid, (b) => hex(b, 2)), hex(keys.srqn, 8)].join(':')}:`;
  } else {
    text = [...head, hex(keys.srqn, 8)].join(':');
  }
  const size = withGid ? KEY_RECORD_SIZE_GID : KEY_RECORD_SIZE;
  const out = Buffer.alloc(size);
  if (Buffer.byteLength(text) >= size) throw new RdmaError('ERR_PERF_WIRE', `connection record too long (${text.length} bytes): a field is out of range`);
  out.write(text, 'latin1');
  return out;
}

/**
 * Parse a record read from the peer.
 * @throws RdmaError `ERR_PERF_WIRE` when it is not a record of that form.
 */
export function decodeKeys(record: Uint8Array, withGid: boolean): PeerKeys {
  const end = record.indexOf(0);
  const text = Buffer.from(record.subarray(0, end < 0 ? record.length : end)).toString('latin1');
  const fields = text.split(':');
  if (withGid && fields[fields.length - 1] === '') fields.pop();
  const want = withGid ? 23 : 7;
  if (fields.length !== want || !fields.every((f) => /^[0-9a-fA-F]+$/.test(f))) {
    throw new RdmaError('ERR_PERF_WIRE', `the peer sent a connection record that is not perftest's ${withGid ? 'GID' : 'no-GID'} form: "${text}" (do both sides use a GID? pass -x on both, or on neither)`);
  }
  const num = (i: number): number => Number.parseInt(fields[i]!, 16);
  return {
    lid: num(0), outReads: num(1), qpn: num(2), psn: num(3), rkey: num(4) >>> 0, vaddr: BigInt(`0x${fields[5]!}`),
    gid: withGid ? Uint8Array.from(fields.slice(6, 22), (f) => Number.parseInt(f, 16)) : null,
    srqn: num(withGid ? 22 : 6) >>> 0,
  };
}

/** One form of the connection record: its size and its coding. */
export interface KeyRecords {
  /** Bytes of one record. */
  readonly size: number;
  /** The record of `keys`. */
  encode(keys: PeerKeys): Buffer;
  /**
   * Parse a record read from the peer.
   * @throws RdmaError `ERR_PERF_WIRE` when it is not a record of this form.
   */
  decode(record: Uint8Array): PeerKeys;
}

/** The text form of the TCP exchange, with or without the GID. */
export function textRecords(withGid: boolean): KeyRecords {
  const size = withGid ? KEY_RECORD_SIZE_GID : KEY_RECORD_SIZE;
  return {
    size,
    encode: (keys) => encodeKeys(keys, withGid),
    decode: (record) => {
      if (record.length !== size) throw new RdmaError('ERR_PERF_WIRE', 'short connection record');
      return decodeKeys(record, withGid);
    },
  };
}
