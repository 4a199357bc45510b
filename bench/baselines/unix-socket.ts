import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nowUs, withTimeout } from '../core/clock.js';
import { median, summarise, type LatencySummary } from '../core/stats.js';

/** A stream-bandwidth figure over the raw socket. */
export interface SocketStreamFigure {
  readonly size: number;
  readonly iters: number;
  /** MiB/s. */
  readonly mbps: number;
  readonly mpps: number;
}

const START_TIMEOUT_MS = 30_000;

/**
 * A second Node process joined to this one by a Unix-domain stream socket:
 * the raw transport the cross-process placement is compared with.
 */
export class SocketPeer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly server: Server,
    private readonly sock: Socket,
    private readonly path: string,
  ) {}

  /** Fork the peer and wait until it is connected. */
  static async start(): Promise<SocketPeer> {
    const path = join(tmpdir(), `vrdma-bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}.sock`);
    const server = createServer();
    server.listen(path);
    await once(server, 'listening');
    const entry = fileURLToPath(new URL('./socket-peer-entry.js', import.meta.url));
    const child = fork(entry, [path], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    try {
      const [sock] = await withTimeout(once(server, 'connection') as Promise<[Socket]>, START_TIMEOUT_MS, 'socket peer connect');
      sock.setNoDelay(true);
      await withTimeout(once(child, 'message'), START_TIMEOUT_MS, 'socket peer start');
      return new SocketPeer(child, server, sock, path);
    } catch (err) {
      child.kill('SIGKILL');
      server.close();
      rmSync(path, { force: true });
      throw err;
    }
  }

  async #mode(m: { mode: 'echo'; busy: boolean } | { mode: 'sink'; total: number }): Promise<void> {
    const ok = once(this.child, 'message');
    this.child.send(m);
    await withTimeout(ok, START_TIMEOUT_MS, 'socket peer mode switch');
  }

  /**
   * Round trips of `size`-byte messages echoed by the peer (us). With
   * `busy`, neither event loop sleeps between messages (both keep a
   * `setImmediate` chain going): the socket's cost without the wake-up of
   * an idle process. Stops early once `budgetMs` have passed (a starved
   * machine makes busy loops crawl); `iters` says how many were timed.
   */
  async pingPong(size: number, iters: number, warm: number, busy = false, budgetMs = Number.POSITIVE_INFINITY): Promise<{ rtt: LatencySummary; iters: number }> {
    await this.#mode({ mode: 'echo', busy });
    let spinning = busy;
    const spin = (): void => { if (spinning) setImmediate(spin); };
    if (busy) setImmediate(spin);
    const msg = Buffer.alloc(size, 7);
    const samples = new Float64Array(iters);
    const start = nowUs();
    let done = 0;
    let got = 0;
    let want = 0;
    let wake: (() => void) | null = null;
    const onData = (c: Buffer): void => {
      got += c.length;
      if (got >= want && wake) {
        const w = wake;
        wake = null;
        w();
      }
    };
    this.sock.on('data', onData);
    try {
      for (let i = 0; i < warm + iters; i++) {
        if (done > 0 && nowUs() - start > budgetMs * 1000) break;
        want += size;
        const back = new Promise<void>((resolve) => { wake = resolve; });
        const t0 = nowUs();
        this.sock.write(msg);
        await back;
        const t1 = nowUs();
        if (i >= warm) samples[done++] = t1 - t0;
      }
    } finally {
      spinning = false;
      this.sock.off('data', onData);
    }
    await this.#mode({ mode: 'echo', busy: false });
    return { rtt: summarise(samples, done), iters: done };
  }

  /** Stream `iters` writes of `size` bytes to the peer; timed until it acknowledges the last byte. */
  async stream(size: number, iters: number, repeat: number): Promise<SocketStreamFigure> {
    const buf = Buffer.alloc(size, 5);
    const secs: number[] = [];
    await this.#streamOnce(buf, Math.max(1, iters >> 3));
    for (let r = 0; r < repeat; r++) secs.push(await this.#streamOnce(buf, iters));
    const s = median(secs);
    return { size, iters, mbps: (size * iters) / s / 1048576, mpps: iters / s / 1e6 };
  }

  async #streamOnce(buf: Buffer, iters: number): Promise<number> {
    await this.#mode({ mode: 'sink', total: buf.length * iters });
    const ack = once(this.sock, 'data');
    const t0 = nowUs();
    for (let i = 0; i < iters; i++) {
      if (!this.sock.write(buf)) await once(this.sock, 'drain');
    }
    await ack;
    return (nowUs() - t0) / 1e6;
  }

  /** Stop the peer and remove the socket. Never throws. */
  async close(): Promise<void> {
    try {
      this.child.send({ mode: 'exit' });
    } catch {
      // gone already
    }
    const exited = this.child.exitCode !== null ? Promise.resolve() : once(this.child, 'exit').then(() => undefined);
    const late = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 3000).unref())]);
    if (late) this.child.kill('SIGKILL');
    this.sock.destroy();
    this.server.close();
    rmSync(this.path, { force: true });
  }
}
