/**
 * The control messages threads exchange over the process's broadcast
 * channel (rare events only: threads, nodes, rings, buffers). Every message
 * names its sender's transport; `to` (0 = everyone) addresses one.
 */
export type ControlMessage =
  /** A transport and (some of) its nodes; `ask` asks every other transport to answer in kind. */
  | { readonly t: 'here'; readonly from: number; readonly to: number; readonly block: SharedArrayBuffer; readonly gids: readonly string[]; readonly ask: boolean }
  /** A node closed. */
  | { readonly t: 'gone'; readonly from: number; readonly gid: string }
  /** Who has the node `gid`? Its owner answers with `here`. */
  | { readonly t: 'who'; readonly from: number; readonly block: SharedArrayBuffer; readonly gid: string }
  /** A ring from `from` to `to` (the producer makes it). */
  | { readonly t: 'ring'; readonly from: number; readonly to: number; readonly block: SharedArrayBuffer; readonly sab: SharedArrayBuffer }
  /** A shared buffer `from` names `id` in the records it sends `to`. */
  | { readonly t: 'sab'; readonly from: number; readonly to: number; readonly id: number; readonly sab: SharedArrayBuffer }
  /** A named shared memory mapping `from` names `id` in the records it sends `to` (mapped by name: it is no `SharedArrayBuffer`). */
  | { readonly t: 'map'; readonly from: number; readonly to: number; readonly id: number; readonly name: string; readonly size: number }
  /** The sending thread is exiting. */
  | { readonly t: 'bye'; readonly from: number };

/** The channel name (versioned with the record layout). */
export const CHANNEL_NAME = 'vrdma.loopback.shm.v1';

/** `data` as a control message, or null when it is not one (another library's, a newer version's). */
export function parseMessage(data: unknown): ControlMessage | null {
  if (data === null || typeof data !== 'object') return null;
  const m = data as Record<string, unknown>;
  if (!isId(m['from'])) return null;
  switch (m['t']) {
    case 'here':
      return isId(m['to']) && m['block'] instanceof SharedArrayBuffer && isStrings(m['gids']) && typeof m['ask'] === 'boolean'
        ? (data as ControlMessage) : null;
    case 'gone':
      return typeof m['gid'] === 'string' ? (data as ControlMessage) : null;
    case 'who':
      return typeof m['gid'] === 'string' && m['block'] instanceof SharedArrayBuffer ? (data as ControlMessage) : null;
    case 'ring':
      return isId(m['to']) && m['block'] instanceof SharedArrayBuffer && m['sab'] instanceof SharedArrayBuffer ? (data as ControlMessage) : null;
    case 'map':
      return isId(m['to']) && Number.isInteger(m['id']) && typeof m['name'] === 'string' && Number.isSafeInteger(m['size']) ? (data as ControlMessage) : null;
    case 'sab':
      return isId(m['to']) && Number.isInteger(m['id']) && m['sab'] instanceof SharedArrayBuffer ? (data as ControlMessage) : null;
    case 'bye':
      return data as ControlMessage;
    default:
      return null;
  }
}

function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}
