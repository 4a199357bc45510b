import { createConnection, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExchangeError, ExchangeErrorCode } from '../../errors/exchange-error.js';
import { AbortedError } from '../../errors/aborted-error.js';
import { addressText, type NetAddress } from './address.js';

/** Errors that mean "nobody listens there yet": worth another try. */
const RETRYABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EAGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Open a stream to `address`, trying again every `retryMs` while nobody
 * listens, until `deadline` (a `Date.now()` value).
 * @throws ExchangeError `ERR_EXCHANGE_UNREACHABLE` when the deadline passes or the error is not one to retry (the last socket error is the cause).
 * @throws AbortedError when `signal` fires.
 */
export async function dial(address: NetAddress, deadline: number, retryMs: number, signal?: AbortSignal): Promise<Socket> {
  for (;;) {
    if (signal?.aborted) throw new AbortedError(`connecting to ${addressText(address)}`, signal.reason);
    let err: NodeJS.ErrnoException;
    try {
      return await attempt(address, deadline - Date.now(), signal);
    } catch (e) {
      if (e instanceof AbortedError) throw e;
      err = e as NodeJS.ErrnoException;
    }
    const left = deadline - Date.now();
    if (!RETRYABLE.has(err.code ?? '') || left <= 0) {
      throw new ExchangeError(ExchangeErrorCode.UNREACHABLE, `cannot reach a listener at ${addressText(address)}: ${err.message}`, { cause: err });
    }
    try {
      await sleep(Math.min(retryMs, left), undefined, { signal });
    } catch {
      throw new AbortedError(`connecting to ${addressText(address)}`, signal?.reason);
    }
  }
}

function attempt(address: NetAddress, timeoutMs: number, signal?: AbortSignal): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = createConnection(address);
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onConnect = (): void => { cleanup(); resolve(socket); };
    const onError = (err: Error): void => { cleanup(); socket.destroy(); reject(err); };
    const onAbort = (): void => { cleanup(); socket.destroy(); reject(new AbortedError(`connecting to ${addressText(address)}`, signal?.reason)); };
    const timer = setTimeout(() => onError(Object.assign(new Error(`no answer within ${Math.max(0, timeoutMs)} ms`), { code: 'ETIMEDOUT' })), Math.max(1, timeoutMs));
    socket.once('connect', onConnect);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
