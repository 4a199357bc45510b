/**
 * perftest's per-QP connection record as its `-R` exchange carries it: the
 * C struct itself, sent as one SEND, every integer big-endian. Two layouts,
 * told apart by the peer's version:
 *
 * | field | before 6.28 (56 bytes) | 6.28 and later (64 bytes) |
 * | --- | --- | --- |
 * | lid, out_reads, qpn, psn, rkey | 5 x int32 at 0..20 | same |
 * | (padding) | 20..24 | same |
 * | vaddr | uint64 at 24 | same |
 * | tail-marker address | - | uint64 at 32 |
 * | gid | 16 bytes at 32 | at 40 |
 * | srqn, gid_index | int32 at 48, 52 | at 56, 60 |
 *
 * The fields a `-R` peer uses (rkey and vaddr: the CM connects the QPs) sit
 * at the same offsets in both.
 */
import { RdmaError } from '../../errors/rdma-error.js';
import type { KeyRecords, PeerKeys } from './keys.js';

/** Bytes of the record before perftest 6.28. */
export const BINARY_RECORD_SIZE = 56;
/** Bytes of the record from perftest 6.28 on (a tail-marker address added). */
export const BINARY_RECORD_SIZE_628 = 64;

/** The record layout a peer of version `peerVersion` reads and writes. */
export function binaryRecords(peerVersion: string): KeyRecords {
  const wide = Number.parseFloat(peerVersion) >= 6.28;
  const size = wide ? BINARY_RECORD_SIZE_628 : BINARY_RECORD_SIZE;
  const gidAt = wide ? 40 : 32;
  return {
    size,
    encode(keys: PeerKeys): Buffer {
      const out = Buffer.alloc(size);
      out.writeInt32BE(keys.lid, 0);
      out.writeInt32BE(keys.outReads, 4);
      out.writeInt32BE(keys.qpn, 8);
      out.writeInt32BE(keys.psn, 12);
      out.writeUInt32BE(keys.rkey >>> 0, 16);
      out.writeBigUInt64BE(keys.vaddr, 24);
      if (keys.gid) out.set(keys.gid.subarray(0, 16), gidAt);
      out.writeUInt32BE(keys.srqn >>> 0, gidAt + 16);
      return out;
    },
    decode(record: Uint8Array): PeerKeys {
      if (record.length < size) throw new RdmaError('ERR_PERF_WIRE', `the peer sent a ${record.length}-byte connection record; perftest's -R record is ${size} bytes`);
      const b = Buffer.from(record.buffer, record.byteOffset, record.length);
      return {
        lid: b.readInt32BE(0), outReads: b.readInt32BE(4), qpn: b.readInt32BE(8), psn: b.readInt32BE(12), rkey: b.readUInt32BE(16),
        vaddr: b.readBigUInt64BE(24), gid: Uint8Array.from(b.subarray(gidAt, gidAt + 16)), srqn: b.readUInt32BE(gidAt + 16),
      };
    },
  };
}
