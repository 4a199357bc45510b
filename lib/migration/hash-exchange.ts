import { MessageType, protocolError } from './control-message.js';
import type { ControlChannel } from './control-channel.js';

/**
 * Send the hashes of the pages for which `pick(page)` holds, as runs of
 * consecutive pages in as few messages as fit, then `HASHES_END`.
 * @throws what `ControlChannel.send()` throws.
 */
export async function sendHashes(channel: ControlChannel, hashes: Uint32Array, pageCount: number, pick: (page: number) => boolean, signal?: AbortSignal): Promise<void> {
  const perMessage = Math.max(1, Math.floor((channel.room - 8) / 8));
  const sends: Promise<void>[] = [];
  for (let p = 0; p < pageCount;) {
    if (!pick(p)) { p++; continue; }
    let end = p;
    while (end < pageCount && end - p < perMessage && pick(end)) end++;
    const words = hashes.slice(2 * p, 2 * end);
    sends.push(channel.send(MessageType.HASHES, [p, end - p], new Uint8Array(words.buffer), signal));
    p = end;
  }
  await Promise.all(sends);
  await channel.send(MessageType.HASHES_END, [], undefined, signal);
}

/**
 * Receive `HASHES` messages until `HASHES_END` into `out` (two words a
 * page); `got[page]` is set to 1 for every page received.
 * @throws RdmaError `ERR_MIGRATION_PROTOCOL` for a malformed series; what `ControlChannel.next()` throws.
 */
export async function receiveHashes(channel: ControlChannel, out: Uint32Array, got: Uint8Array, signal?: AbortSignal): Promise<void> {
  for (;;) {
    const msg = await channel.next([MessageType.HASHES, MessageType.HASHES_END], signal);
    if (msg.type === MessageType.HASHES_END) return;
    const [first = 0, count = 0] = msg.words;
    if (msg.words.length !== 2 || first + count > got.length || msg.tail.length !== 8 * count) throw protocolError(`HASHES for pages ${first}+${count} do not fit an image of ${got.length} pages`);
    const words = new Uint32Array(msg.tail.buffer, msg.tail.byteOffset, 2 * count);
    out.set(words, 2 * first);
    got.fill(1, first, first + count);
  }
}
