import type { Connection } from '../connection/connection.js';
import { RdmaError } from '../errors/rdma-error.js';
import { HEADER_BYTES, MessageType, decodeMessage, encodeMessage, messageName, protocolError, type ControlMessage } from './control-message.js';

/** The words in front of each piece of an image: offset and total length. */
const PIECE_WORDS = 2;

/**
 * Send `image` in `QP_STATE` pieces as large as the peer's receives take.
 * @throws what `Connection.send()` throws.
 */
export async function sendImage(conn: Connection, image: Uint8Array, signal: AbortSignal): Promise<void> {
  const room = conn.peerMessageSize - HEADER_BYTES - 4 * PIECE_WORDS;
  if (room <= 0) throw new RdmaError('ERR_MIGRATION_PROTOCOL', `the peer's ${conn.peerMessageSize}-byte receives are too small for the move's messages`);
  const sends: Promise<void>[] = [];
  const pieces = Math.max(1, Math.ceil(image.length / room));
  for (let i = 0; i < pieces; i++) {
    const at = i * room;
    sends.push(conn.send(encodeMessage(MessageType.QP_STATE, [at, image.length], image.subarray(at, at + room)), { signal }));
  }
  await Promise.all(sends);
}

/**
 * Receive an image sent by `sendImage`.
 * @throws RdmaError `ERR_MIGRATION_PROTOCOL` for pieces out of order; what `next()` throws.
 */
export async function receiveImage(conn: Connection, signal: AbortSignal): Promise<Uint8Array> {
  let image: Uint8Array | null = null;
  let got = 0;
  for (;;) {
    const msg = await nextMessage(conn, [MessageType.QP_STATE], signal);
    const [at = -1, total = -1] = msg.words;
    image ??= new Uint8Array(total);
    if (at !== got || total !== image.length || at + msg.tail.length > total) throw protocolError('queue-pair image pieces out of order');
    image.set(msg.tail, at);
    got += msg.tail.length;
    if (got === total) return image;
  }
}

/**
 * The next message on the connection, which must be of one of `types`.
 * @throws RdmaError `ERR_MIGRATION_PEER_ABORTED` for the peer's ABORT; `ERR_MIGRATION_PROTOCOL` for another type; what `Connection.recv()` throws.
 */
export async function nextMessage(conn: Connection, types: readonly MessageType[], signal: AbortSignal): Promise<ControlMessage> {
  const msg = decodeMessage(await conn.recv({ signal }));
  if (msg.type === MessageType.ABORT) throw new RdmaError('ERR_MIGRATION_PEER_ABORTED', `the peer gave up: ${new TextDecoder().decode(msg.tail)}`);
  if (!types.includes(msg.type)) throw protocolError(`expected ${types.map(messageName).join(' or ')}, got ${messageName(msg.type)}`);
  return msg;
}

/** Tell the peer why this side gives up (best effort: the connection may be gone). */
export function sendAbort(conn: Connection, reason: string): void {
  conn.send(encodeMessage(MessageType.ABORT, [], new TextEncoder().encode(reason.slice(0, 512)))).catch(() => undefined);
}
