import type { CompletionFields } from '../providers/loopback/cq.js';
import type { QpAttributes } from '../types/qp-attributes.js';
import type { QueuePairCaps } from '../queue-pair.js';
import { protocolError } from './control-message.js';

/** The version of the queue-pair image format. */
export const QP_IMAGE_VERSION = 1;

/** A scatter/gather entry in an image: a region by its index, or (`r < 0`) the inline bytes of send `-r - 1`. */
export interface ImageSge {
  readonly r: number;
  readonly o: number;
  readonly l: number;
}

/** A registered region of the moving context: its keys and address stay; its bytes follow the header. */
export interface ImageRegion {
  readonly key: number;
  /** The region's address (decimal; a 64-bit value). */
  readonly addr: string;
  readonly length: number;
  readonly access: number;
}

/** A send request posted and not completed. 64-bit fields as decimal strings. */
export interface ImageSend {
  readonly wrId: number;
  readonly opcode: number;
  readonly sges: readonly ImageSge[];
  readonly length: number;
  readonly imm: number;
  readonly remoteAddr: string;
  readonly rkey: number;
  readonly compareAdd: string;
  readonly swap: string;
  readonly flags: number;
  readonly psn: number;
  /** Inline bytes taken when it was posted follow the regions' bytes (`length` of them), or not. */
  readonly inline: boolean;
}

/** A posted receive. */
export interface ImageRecv {
  readonly wrId: number;
  readonly sges: readonly ImageSge[];
  readonly length: number;
}

/** Completions not yet polled from a CQ, and its depth. */
export interface ImageCq {
  readonly depth: number;
  readonly wcs: readonly CompletionFields[];
}

/** Everything a moving RC queue pair takes along, but bytes. */
export interface QpImageHeader {
  readonly v: number;
  /** The hub both processes use (its address). */
  readonly hub: string;
  readonly lid: number;
  readonly gid: string;
  readonly qpnBase: number;
  /** The node's P_Key table (the QP's `pkeyIndex` points into it). */
  readonly pkeys: readonly number[];
  readonly qpn: number;
  readonly caps: QueuePairCaps;
  /** The access flags the QP was created with. */
  readonly access: number;
  readonly attrs: QpAttributes;
  /** The PSN the next new request gets. */
  readonly nextPsn: number;
  readonly expectedPsn: number;
  readonly regions: readonly ImageRegion[];
  readonly sends: readonly ImageSend[];
  readonly recvs: readonly ImageRecv[];
  /** Answers of executed atomics kept for retransmissions: `[psn, original value]`. */
  readonly atomics: ReadonlyArray<readonly [number, string]>;
  readonly sendCq: ImageCq;
  /** null when the receive CQ is the send CQ. */
  readonly recvCq: ImageCq | null;
}

/** A decoded image: the header, each region's bytes, each inline send's bytes (by send index). */
export interface QpImage {
  readonly header: QpImageHeader;
  readonly regionBytes: readonly Uint8Array[];
  readonly inlineBytes: ReadonlyMap<number, Uint8Array>;
}

/** Encode: u32 header length, the header as JSON, the regions' bytes, the inline sends' bytes. */
export function encodeQpImage(header: QpImageHeader, regionBytes: readonly Uint8Array[], inlineBytes: ReadonlyMap<number, Uint8Array>): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  let total = 4 + json.length;
  for (const b of regionBytes) total += b.length;
  for (const b of inlineBytes.values()) total += b.length;
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  let at = 4 + json.length;
  for (const b of regionBytes) {
    out.set(b, at);
    at += b.length;
  }
  for (const [, b] of [...inlineBytes].sort(([x], [y]) => x - y)) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/**
 * Decode an image.
 * @throws RdmaError `ERR_MIGRATION_PROTOCOL` for bytes that are not an image of this version.
 */
export function decodeQpImage(bytes: Uint8Array): QpImage {
  if (bytes.length < 4) throw protocolError('a queue-pair image shorter than its header length');
  const jsonLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(0, true);
  if (4 + jsonLength > bytes.length) throw protocolError('a queue-pair image shorter than its header');
  let header: QpImageHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + jsonLength))) as QpImageHeader;
  } catch {
    throw protocolError('a queue-pair image whose header is not JSON');
  }
  if (header === null || typeof header !== 'object' || header.v !== QP_IMAGE_VERSION) {
    throw protocolError(`a queue-pair image of version ${String((header as { v?: unknown } | null)?.v)}, not ${QP_IMAGE_VERSION}`);
  }
  let at = 4 + jsonLength;
  const take = (n: number): Uint8Array => {
    if (!Number.isSafeInteger(n) || n < 0 || at + n > bytes.length) throw protocolError('a queue-pair image shorter than its regions');
    const b = bytes.subarray(at, at + n);
    at += n;
    return b;
  };
  const regionBytes = header.regions.map((r) => take(r.length));
  const inlineBytes = new Map<number, Uint8Array>();
  header.sends.forEach((s, i) => {
    if (s.inline) inlineBytes.set(i, take(s.length));
  });
  if (at !== bytes.length) throw protocolError('a queue-pair image with bytes after its regions');
  return { header, regionBytes, inlineBytes };
}
