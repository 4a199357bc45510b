import type { Socket } from 'node:net';
import { QpType } from '../../../constants/qp.js';
import type { OutMessage } from './json-frames.js';
import type { RequestPacket, ResponsePacket } from '../packets.js';
import { BytesPayload, SgePayload, type Payload } from '../payload.js';
import { CONTROL_HEADER, FrameType, REQUEST_HEADER, RESPONSE_HEADER, writeRequestHeader, writeResponseHeader } from './peer-wire.js';
import type { SharedMemory } from '../mapping/shared-memory.js';
import { mappingStats } from '../mapping/stats.js';
import { MappedFlag, mappedPieces, piecesSize, writePieces, type MappedPiece } from './mapped-wire.js';

/** Size of a staging buffer (headers and small payloads are packed into it). */
const STAGE_BYTES = 64 * 1024;
/** Payloads up to this size are copied into the staging buffer; larger ones are written from where they lie. */
const COPY_MAX = 8 * 1024;

/**
 * Writes peer frames to a socket with as few system calls and copies as it
 * can: headers and small payloads are packed into one staging buffer,
 * large payloads are handed to the socket by reference (the registered
 * memory itself, no JS copy), and the socket stays corked until the burst
 * ends, so many posts become one `writev`:
 *
 * - frames posted by the application go out at the end of the current
 *   tick (`process.nextTick`), adding no latency;
 * - frames the responder sends while arriving frames are being delivered
 *   (ACKs, READ responses) wait until the end of this round of I/O
 *   (`setImmediate`), so they share a write with each other and with what
 *   the application posts in reaction (its SEND after a RECV completion).
 *
 * By-reference writes are safe for RC requests (the sender's buffer belongs
 * to the request until its completion, which needs the peer's ACK) and READ
 * responses; UC and UD requests complete at once, so they are copied.
 *
 * When the peer can map this process's shared memory (`mapped`), an RC
 * request whose bytes lie in it (or, for an RDMA READ, whose destination
 * does) sends where they lie instead of the bytes: the responder copies
 * straight between that memory and its region.
 */
export class FrameWriter {
  readonly #socket: Socket;
  #buf: Buffer = Buffer.allocUnsafeSlow(STAGE_BYTES);
  #start = 0;
  #pos = 0;
  #corked = false;
  #tickQueued = false;
  #immediateQueued = false;
  /** Frames written. */
  frames = 0;
  /** This process's shared memory when the peer can map it (same host, same /dev/shm), else null. */
  mapped: SharedMemory | null = null;
  /** Nonzero while received frames are being delivered (see the class comment). */
  static delivering = 0;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Queue a request to the node with LID `dstLid`. */
  request(pkt: RequestPacket, dstLid: number): void {
    if (this.mapped !== null && pkt.qpType === QpType.RC && this.#mappedRequest(pkt, dstLid, this.mapped)) return;
    const payload = pkt.payload;
    const len = payload.length;
    const byRef = len > COPY_MAX && pkt.qpType === QpType.RC && isReferable(payload);
    this.#room(REQUEST_HEADER + (byRef ? 0 : len));
    writeRequestHeader(this.#buf, this.#pos, pkt, dstLid, len);
    this.#pos += REQUEST_HEADER;
    this.#body(payload, len, byRef);
    this.#sent();
  }

  /** Queue `pkt` as a list of where its bytes lie in shared memory; false (nothing queued) when they do not all lie there. */
  #mappedRequest(pkt: RequestPacket, dstLid: number, mem: SharedMemory): boolean {
    const payload = pkt.payload;
    let pieces: MappedPiece[] | null = null;
    let flag = 0;
    let bytes = 0;
    if (payload.length > 0 && payload instanceof SgePayload) {
      pieces = mappedPieces(payload.sges, payload.length, mem);
      flag = MappedFlag.PAYLOAD;
      bytes = payload.length;
    } else if (pkt.readSink && pkt.readLength > 0) {
      pieces = mappedPieces(pkt.readSink, pkt.readLength, mem);
      flag = MappedFlag.READ_SINK;
      bytes = pkt.readLength;
    }
    const guard = pkt.guard;
    if (pieces === null || !guard) return false;
    const list = { guard, pieces };
    const size = piecesSize(list);
    this.#room(REQUEST_HEADER + size);
    const b = this.#buf;
    writeRequestHeader(b, this.#pos, pkt, dstLid, size);
    b[this.#pos + 7] = b[this.#pos + 7]! | flag;
    this.#pos = writePieces(b, this.#pos + REQUEST_HEADER, list);
    mappingStats.requestsOut++;
    mappingStats.bytesOut += bytes;
    this.#sent();
    return true;
  }

  /** Queue a response to the node with LID `dstLid`. */
  response(pkt: ResponsePacket, dstLid: number): void {
    const data = pkt.data;
    const len = data ? data.length : 0;
    const byRef = data !== null && len > COPY_MAX && isReferable(data);
    this.#room(RESPONSE_HEADER + (byRef ? 0 : len));
    writeResponseHeader(this.#buf, this.#pos, pkt, dstLid, len);
    this.#pos += RESPONSE_HEADER;
    if (data) this.#body(data, len, byRef);
    this.#sent();
  }

  /** Queue a control frame (JSON). */
  control(msg: OutMessage): void {
    const json = Buffer.from(JSON.stringify(msg), 'utf8');
    this.#room(CONTROL_HEADER + json.length);
    const b = this.#buf;
    b.writeUInt32LE(CONTROL_HEADER - 4 + json.length, this.#pos);
    b[this.#pos + 4] = FrameType.CONTROL;
    json.copy(b, this.#pos + CONTROL_HEADER);
    this.#pos += CONTROL_HEADER + json.length;
    this.#sent();
  }

  /** Hand everything queued to the socket now. */
  flush(): void {
    this.#flushStage();
    if (this.#corked) {
      this.#corked = false;
      this.#socket.uncork();
    }
  }

  #body(payload: Payload, len: number, byRef: boolean): void {
    if (len === 0) return;
    if (!byRef) {
      payload.read(0, this.#buf, this.#pos, len);
      this.#pos += len;
      return;
    }
    this.#flushStage();
    const s = this.#socket;
    if (payload instanceof BytesPayload) {
      s.write(payload.bytes);
      return;
    }
    const sges = (payload as SgePayload).sges;
    let left = len;
    for (const sge of sges) {
      if (left === 0) break;
      const n = Math.min(sge.length, left);
      if (n > 0) s.write(sge.mr.bytes.subarray(sge.offset, sge.offset + n));
      left -= n;
    }
  }

  #room(n: number): void {
    if (this.#buf.length - this.#pos >= n) return;
    this.#flushStage();
    this.#buf = Buffer.allocUnsafeSlow(Math.max(STAGE_BYTES, n));
    this.#start = this.#pos = 0;
  }

  /** Pass the staged bytes to the socket; they are never overwritten afterwards. */
  #flushStage(): void {
    if (this.#pos === this.#start) return;
    this.#socket.write(this.#buf.subarray(this.#start, this.#pos));
    this.#start = this.#pos;
  }

  #sent(): void {
    this.frames++;
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
    }
    if (FrameWriter.delivering > 0) {
      if (!this.#immediateQueued) {
        this.#immediateQueued = true;
        setImmediate(this.#endOfIo);
      }
    } else if (!this.#tickQueued) {
      this.#tickQueued = true;
      process.nextTick(this.#endOfTick);
    }
  }

  readonly #endOfTick = (): void => {
    this.#tickQueued = false;
    if (this.#corked) this.flush();
  };

  readonly #endOfIo = (): void => {
    this.#immediateQueued = false;
    if (this.#corked) this.flush();
  };
}

function isReferable(p: Payload): boolean {
  return p instanceof SgePayload || p instanceof BytesPayload;
}
