/**
 * perftest's out-of-band exchange, step for step as its tools run it, so
 * that either end may be a perftest tool: over TCP (its default, port
 * 18515), or with `-R` as SEND/RECV messages on a connection rdma_cm made
 * on the same port (see `cm-link.ts`). Every step is a lock-step swap of
 * one fixed-size message: the client writes then reads, the server reads
 * then writes. The steps:
 *
 * 1. versions: 16 bytes, a NUL-terminated decimal version string;
 * 2. system data: the cycle buffer (page size) and the cache-line size, each
 *    a 32-bit big-endian integer; both sides keep the larger;
 * 3. MTU: the port's active MTU code as ASCII digits in 2 bytes; the smaller wins;
 * 4. handshakes: the per-QP connection record (over TCP text, see
 *    `keys.ts`; with `-R` the C struct, see `binary-keys.ts`), as many as
 *    the test's flow has (each tool has its own count);
 * 5. bandwidth reports (bandwidth tests): size, iterations, peak, average
 *    and message rate, 8 bytes each, big-endian (integers, then IEEE doubles);
 * 6. close: one more handshake, then (TCP only) each side writes `"done"`
 *    with its NUL and closes.
 */
import { RdmaError } from '../../errors/rdma-error.js';
import { textRecords, type KeyRecords, type PeerKeys } from './keys.js';
import type { OobChannel } from './channel.js';

/** The perftest protocol version this side announces (the behaviour of perftest 6.x peers). */
export const WIRE_VERSION = '6.06';
/** The oldest peer version perftest itself accepts. */
export const OLDEST_PEER_VERSION = 5.7;
/** How long one step may wait for the peer (a server waits for the whole test). */
const STEP_TIMEOUT_MS = 30 * 60 * 1000;

/** What the preamble settled. */
export interface Preamble {
  /** The peer's version string. */
  readonly peerVersion: string;
  /** The larger cycle buffer of the two (bytes). */
  readonly cycleBuffer: number;
  /** The larger cache-line size of the two (bytes). */
  readonly cacheLine: number;
  /** The smaller active MTU code of the two (`Mtu` value). */
  readonly mtu: number;
}

/** A bandwidth report as the two sides swap it. */
export interface WireBwReport {
  readonly size: number;
  readonly iters: number;
  /** In the report's unit (MB/s or Gb/s). */
  readonly bwPeak: number;
  readonly bwAvg: number;
  /** Million messages per second. */
  readonly msgRate: number;
}

/** Which end of the exchange: the client writes first. */
export type WireRole = 'client' | 'server';

/** One perftest-compatible out-of-band session over a connected link. */
export class PerftestSession {
  #records: KeyRecords | null = null;

  /**
   * @param withGid whether connection records carry a GID (a GID index is in use)
   * @param recordsFor the record form to use with a peer of the version the
   *   preamble learns; default perftest's TCP text form (`withGid` selects which)
   */
  constructor(
    readonly link: OobChannel,
    readonly role: WireRole,
    readonly withGid: boolean,
    readonly recordsFor: (peerVersion: string) => KeyRecords = () => textRecords(withGid),
  ) {}

  /**
   * Swap one message of `mine.length` bytes: the client writes then reads, the server reads then writes.
   * @throws RdmaError `ERR_PERF_PEER_GONE` or `ERR_TIMEOUT` when the peer does not answer.
   */
  async swap(mine: Uint8Array): Promise<Buffer> {
    if (this.role === 'client') {
      await this.link.write(mine);
      return this.link.read(mine.length, STEP_TIMEOUT_MS);
    }
    const theirs = await this.link.read(mine.length, STEP_TIMEOUT_MS);
    await this.link.write(mine);
    return theirs;
  }

  /**
   * Versions, system data and MTU.
   * @throws RdmaError `ERR_PERF_PEER_VERSION` for a peer older than perftest 5.70 speaks.
   */
  async preamble(mtu: number, cycleBuffer: number, cacheLine: number): Promise<Preamble> {
    const version = Buffer.alloc(16);
    version.write(WIRE_VERSION, 'latin1');
    const theirVersion = await this.swap(version);
    const nul = theirVersion.indexOf(0);
    const peerVersion = theirVersion.subarray(0, nul < 0 ? 16 : nul).toString('latin1');
    if (!(Number.parseFloat(peerVersion) >= OLDEST_PEER_VERSION)) {
      throw new RdmaError('ERR_PERF_PEER_VERSION', `the peer speaks perftest version "${peerVersion}"; ${OLDEST_PEER_VERSION.toFixed(2)} or newer is needed`);
    }
    const int = (n: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      return b;
    };
    const theirCycle = (await this.swap(int(cycleBuffer))).readInt32BE();
    const theirLine = (await this.swap(int(cacheLine))).readInt32BE();
    const mtuText = Buffer.alloc(2);
    mtuText.write(String(mtu).slice(0, 1), 'latin1');
    const theirMtuText = await this.swap(mtuText);
    const theirMtu = Number.parseInt(theirMtuText.subarray(0, 2).toString('latin1').replace(/\0.*$/s, ''), 10);
    this.#records = this.recordsFor(peerVersion);
    return {
      peerVersion,
      cycleBuffer: Math.max(cycleBuffer, theirCycle),
      cacheLine: Math.max(cacheLine, theirLine),
      mtu: theirMtu >= 1 && theirMtu <= 5 ? Math.min(mtu, theirMtu) : mtu,
    };
  }

  /**
   * One handshake: swap connection records.
   * @throws RdmaError `ERR_PERF_WIRE` for a record of the other form.
   */
  async handshake(mine: PeerKeys): Promise<PeerKeys> {
    const records = this.#records ??= this.recordsFor(WIRE_VERSION);
    return records.decode(await this.swap(records.encode(mine)));
  }

  /** `count` handshakes in a row (a sync point); resolves to the last record received. */
  async handshakes(mine: PeerKeys, count: number): Promise<PeerKeys | null> {
    let last: PeerKeys | null = null;
    for (let i = 0; i < count; i++) last = await this.handshake(mine);
    return last;
  }

  /** Swap bandwidth reports (five 8-byte big-endian fields, one swap each). */
  async bwReports(mine: WireBwReport): Promise<WireBwReport> {
    const u64 = (n: number): Buffer => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(BigInt(Math.max(0, Math.round(n))));
      return b;
    };
    const f64 = (n: number): Buffer => {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(n);
      return b;
    };
    const size = Number((await this.swap(u64(mine.size))).readBigUInt64BE());
    const iters = Number((await this.swap(u64(mine.iters))).readBigUInt64BE());
    const bwPeak = (await this.swap(f64(mine.bwPeak))).readDoubleBE();
    const bwAvg = (await this.swap(f64(mine.bwAvg))).readDoubleBE();
    const msgRate = (await this.swap(f64(mine.msgRate))).readDoubleBE();
    return { size, iters, bwPeak, bwAvg, msgRate };
  }

  /** The closing step: a last handshake, then the channel's own ending (over TCP `"done"` and close). */
  async finish(mine: PeerKeys): Promise<void> {
    await this.handshake(mine);
    await this.link.end();
  }
}
