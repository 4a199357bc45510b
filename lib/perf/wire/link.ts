import net from 'node:net';
import { RdmaError } from '../../errors/rdma-error.js';
import { sleep } from '../clock.js';
import type { OobChannel } from './channel.js';

/**
 * One TCP connection of the out-of-band exchange, read in exact sizes:
 * `read(n)` resolves with the next `n` bytes however TCP split or merged them.
 */
export class OobLink implements OobChannel {
  #buffered: Buffer = Buffer.alloc(0);
  #waiter: (() => void) | null = null;
  #ended: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
      this.#wake();
    });
    socket.on('error', (err) => {
      this.#ended ??= err;
      this.#wake();
    });
    socket.on('close', () => {
      this.#ended ??= new RdmaError('ERR_PERF_PEER_GONE', 'the peer closed the out-of-band connection');
      this.#wake();
    });
  }

  /**
   * Connect to a listening peer, retrying refused connections until
   * `timeoutMs` passes (the peer may still be starting).
   * @throws RdmaError `ERR_PERF_CONNECT` when no connection could be made.
   */
  static async connect(host: string, port: number, timeoutMs: number): Promise<OobLink> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect({ host, port, family: 4 });
          s.once('connect', () => { s.removeListener('error', reject); resolve(s); });
          s.once('error', reject);
        });
        return new OobLink(socket);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if ((code !== 'ECONNREFUSED' && code !== 'ECONNRESET') || Date.now() >= deadline) {
          throw new RdmaError('ERR_PERF_CONNECT', `could not connect to ${host}:${port}: ${(err as Error).message}`, { cause: err });
        }
        await sleep(200);
      }
    }
  }

  /**
   * Listen on `port` (all IPv4 addresses, as perftest), accept one
   * connection and stop listening. `onListening` runs once the port is open.
   * @throws RdmaError `ERR_PERF_CONNECT` when the port cannot be opened or no peer came within `timeoutMs`.
   */
  static async accept(port: number, timeoutMs: number, onListening: () => void = () => {}): Promise<OobLink> {
    const server = net.createServer({ pauseOnConnect: false });
    try {
      const socket = await new Promise<net.Socket>((resolve, reject) => {
        const timer = setTimeout(() => reject(new RdmaError('ERR_PERF_CONNECT', `no client connected to port ${port} within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
        timer.unref();
        server.once('connection', (s) => { clearTimeout(timer); resolve(s); });
        server.once('error', (err) => { clearTimeout(timer); reject(new RdmaError('ERR_PERF_CONNECT', `cannot listen on port ${port}: ${err.message}`, { cause: err })); });
        server.listen({ port, host: '0.0.0.0', exclusive: true }, onListening);
      });
      return new OobLink(socket);
    } finally {
      server.close();
    }
  }

  /**
   * The next `n` bytes from the peer.
   * @throws RdmaError `ERR_PERF_PEER_GONE` when the connection ends first, or `ERR_TIMEOUT` after `timeoutMs`.
   */
  async read(n: number, timeoutMs: number): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.#buffered.length < n) {
      if (this.#ended) throw this.#ended instanceof RdmaError ? this.#ended : new RdmaError('ERR_PERF_PEER_GONE', `out-of-band connection failed: ${this.#ended.message}`, { cause: this.#ended });
      const left = deadline - Date.now();
      if (left <= 0) throw new RdmaError('ERR_TIMEOUT', `the peer sent nothing for ${Math.round(timeoutMs / 1000)} s on the out-of-band connection`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => { clearTimeout(timer); resolve(); };
      });
      this.#waiter = null;
    }
    const out = this.#buffered.subarray(0, n);
    this.#buffered = this.#buffered.subarray(n);
    return Buffer.from(out);
  }

  /** Send `bytes` (one write). @throws RdmaError `ERR_PERF_PEER_GONE` when the connection is gone. */
  write(bytes: Uint8Array): void {
    if (this.#ended) throw new RdmaError('ERR_PERF_PEER_GONE', 'the peer closed the out-of-band connection');
    this.socket.write(bytes);
  }

  /** perftest's ending: `"done"` with its NUL, then close. Never throws. */
  async end(): Promise<void> {
    try {
      this.write(Buffer.from('done\0', 'latin1'));
    } catch {
      // the peer may already be gone: it has what it needs
    }
    await this.close();
  }

  /** Flush what was written and close. Never throws. */
  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { this.socket.destroy(); resolve(); }, 2000);
      timer.unref();
      this.socket.end(() => { clearTimeout(timer); resolve(); });
    });
    this.socket.destroy();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }
}
