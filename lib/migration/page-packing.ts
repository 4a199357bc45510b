import { MessageType, encodeMessage, HEADER_BYTES, protocolError, type ControlMessage } from './control-message.js';
import type { ImageLayout, PageRun } from './image-layout.js';

/**
 * Runs shorter than this many pages travel packed in `PAGES` messages
 * rather than as one RDMA WRITE each: a work request per scattered 4 KiB
 * page costs more than copying it into a message.
 */
export const PACK_BELOW_PAGES = 4;

/** Pages one `PAGES` message can hold when messages may carry `room` bytes after the header. */
export function pagesPerMessage(room: number, pageSize: number): number {
  return Math.max(0, Math.floor(room / (pageSize + 4)));
}

/**
 * Split runs into those to write and `PAGES` messages (already encoded,
 * with the pages' bytes copied now) holding the short ones.
 */
export function packShortRuns(layout: ImageLayout, runs: readonly PageRun[], perMessage: number): { writes: PageRun[]; messages: Uint8Array[]; packedPages: number } {
  if (perMessage < 1) return { writes: runs.slice(), messages: [], packedPages: 0 };
  const writes: PageRun[] = [];
  const pages: number[] = [];
  for (const r of runs) {
    if (r.pages >= PACK_BELOW_PAGES) writes.push(r);
    else for (let p = r.firstPage; p < r.firstPage + r.pages; p++) pages.push(p);
  }
  const messages: Uint8Array[] = [];
  const size = layout.pageSize;
  for (let i = 0; i < pages.length; i += perMessage) {
    const batch = pages.slice(i, i + perMessage);
    const msg = encodeMessage(MessageType.PAGES, batch, new Uint8Array(batch.length * size));
    const at = HEADER_BYTES + 4 * batch.length;
    batch.forEach((p, k) => msg.set(layout.pageBytes(p), at + k * size));
    messages.push(msg);
  }
  return { writes, messages, packedPages: pages.length };
}

/**
 * Store the pages of a `PAGES` message in place.
 * @throws RdmaError `ERR_MIGRATION_PROTOCOL` for a message that does not fit the image.
 */
export function placePages(layout: ImageLayout, msg: ControlMessage): void {
  const size = layout.pageSize;
  if (msg.tail.length !== msg.words.length * size) throw protocolError(`PAGES with ${msg.words.length} pages carry ${msg.tail.length} bytes`);
  msg.words.forEach((p, k) => {
    if (p >= layout.pageCount) throw protocolError(`PAGES names page ${p} of an image of ${layout.pageCount}`);
    layout.pageBytes(p).set(msg.tail.subarray(k * size, (k + 1) * size));
  });
}
