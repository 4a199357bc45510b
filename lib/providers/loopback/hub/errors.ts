import { RdmaError } from '../../../errors/rdma-error.js';

/**
 * A frame that breaks the hub or peer protocol (bad length, bad JSON, an
 * unknown type, a missing field). `code` is `"ERR_HUB_PROTOCOL"`.
 */
export class HubProtocolError extends RdmaError {
  constructor(message: string) {
    super('ERR_HUB_PROTOCOL', message);
    this.name = 'HubProtocolError';
  }
}

/** The error `openDevice('loop0', { hub: true })` and hub-only operations throw when the hub cannot be used. */
export function hubUnavailable(reason: string, cause?: unknown): RdmaError {
  return new RdmaError('ERR_HUB_UNAVAILABLE', `the loopback hub cannot be used: ${reason}`, cause === undefined ? undefined : { cause });
}

/** The message of any thrown value. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The `code` property of a thrown value (`"ENOENT"`, `"ERR_HUB_AUTH"`), or undefined. */
export function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
