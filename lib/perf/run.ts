/**
 * One `vrdma perf` run: open the device, meet the peer over perftest's
 * exchange (TCP, or with `-R` an rdma_cm connection), build and connect the
 * QPs (by hand, or with `-R` through rdma_cm), run the test in each size,
 * and return perftest's figures. Each test follows its perftest tool's flow
 * (how many handshakes where, who reports to whom, how it closes), so
 * either side may be the perftest tool itself.
 */
import { openDevice } from '../devices.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { Context } from '../context.js';
import type { CmId } from '../cm/cm-id.js';
import { Pacer, type PollMode } from './pacer.js';
import { OobLink } from './wire/link.js';
import { CmLink } from './wire/cm-link.js';
import type { OobChannel } from './wire/channel.js';
import { binaryRecords } from './wire/binary-keys.js';
import { PerftestSession, type Preamble, type WireBwReport } from './wire/session.js';
import type { PeerKeys } from './wire/keys.js';
import { connectTestQps, hangUpAll } from './cm-qps.js';
import { PerfRig } from './rig.js';
import { ALL_SIZES, ATOMIC_SIZE, PERF_TESTS } from './tests.js';
import type { PerfOptions } from './options.js';
import { postLatencyRecvs, runLatency, LAT_RECV_DEPTH, type PerfRole } from './latency.js';
import { postBandwidthRecvs, receiveBandwidth, runBandwidth } from './bandwidth.js';
import { bwReport, latencyReport, type BwReport, type LatencyReport } from './report.js';

/** Page size perftest offers as its cycle buffer. */
const CYCLE_BUFFER = 4096;
/** Cache-line size offered. */
const CACHE_LINE = 64;
/** How long a client keeps retrying a refused connection (the server may still be starting). */
const CONNECT_RETRY_MS = 10_000;
/** How long a server waits for its client. */
const ACCEPT_TIMEOUT_MS = 60 * 60 * 1000;
/** How long one size of a test may take before it is given up. */
const TEST_TIMEOUT_MS = 15 * 60 * 1000;

/** Where a run reports what it is doing. */
export interface PerfHooks {
  /** The server listens (its port is open). */
  onListening?(port: number): void;
  /** A step started (shown as progress). */
  onStep?(message: string): void;
}

/** What one run measured. */
export interface PerfResult {
  readonly test: PerfOptions['test'];
  readonly role: PerfRole;
  readonly device: string;
  readonly provider: string;
  readonly peerVersion: string;
  /** The path MTU both sides settled on (`Mtu` value). */
  readonly mtu: number;
  readonly qps: number;
  /** Whether connection records carried a GID. */
  readonly gid: boolean;
  /** Latency tests: one line per size (the client's; the server's too in ping-pongs). */
  readonly latency: readonly LatencyReport[];
  /** Bandwidth tests: this side's lines (the sender's, or the send_bw receiver's). */
  readonly bandwidth: readonly BwReport[];
  /** Bandwidth tests, server side: the client's report as it sent it. */
  readonly peerBandwidth?: WireBwReport;
}

function pollModeOf(ctx: Context): PollMode {
  // The loopback provider moves data on the event loop: let it turn after each empty poll.
  return ctx.device.provider === 'native' ? 'spin' : 'yield';
}

/**
 * Run `o` as client (`o.host` set) or server.
 * @throws InvalidArgumentError for options the test cannot take.
 * @throws UnsupportedError with `-R` on a provider without rdma_cm (native without librdmacm).
 * @throws RdmaError for a peer that goes away, speaks another protocol, or a failed completion.
 */
export async function runPerf(o: PerfOptions, hooks: PerfHooks = {}): Promise<PerfResult> {
  const traits = PERF_TESTS[o.test];
  if (traits.kind === 'lat' && o.qps !== 1) throw new InvalidArgumentError('-q', `${o.test} runs on one QP (perftest's latency tests do too)`);
  if (o.durationS !== undefined && (traits.kind === 'lat' || traits.verb === 'send')) {
    throw new InvalidArgumentError('-D', `a timed run (-D) is available for write_bw, read_bw and atomic_bw; use -n for ${o.test}`);
  }
  const role: PerfRole = o.host === undefined ? 'server' : 'client';
  const sizes = traits.verb === 'atomic' ? [ATOMIC_SIZE] : o.all ? ALL_SIZES : [o.size];
  const ctx = await openDevice(o.device, { port: o.ibPort, ...(o.gidIndex === undefined ? {} : { gidIndex: o.gidIndex }) });
  let link: OobChannel | null = null;
  let rig: PerfRig | null = null;
  const cmIds: CmId[] = [];
  try {
    hooks.onStep?.(role === 'server' ? `waiting for a client on port ${o.port} ...` : `connecting to ${o.host}:${o.port} ...`);
    link = await openChannel(ctx, o, role, hooks);
    const maxOut = Math.max(1, Math.min(16, ctx.queryDevice().maxQpRdAtom));
    const outReads = traits.verb === 'read' || traits.verb === 'atomic' ? maxOut : 1;
    const withGid = PerfRig.recordsCarryGid(ctx, o.ibPort, o.gidIndex !== undefined);
    const session = new PerftestSession(link, role, withGid, o.rdmaCm ? binaryRecords : undefined);
    const pre = await session.preamble(ctx.queryPort(o.ibPort).activeMtu, CYCLE_BUFFER, CACHE_LINE);
    const maxSize = Math.max(...sizes);
    const bufferSize = Math.ceil(Math.max(maxSize, pre.cycleBuffer) / pre.cacheLine) * pre.cacheLine;
    const recvDepth = traits.verb === 'send' ? (traits.kind === 'bw' ? 512 : LAT_RECV_DEPTH) : 1;
    const sendDepth = traits.kind === 'bw' ? Math.max(o.txDepth, o.postList) : 64;
    const plan = { qps: o.qps, bufferSize, sendDepth, recvDepth, inline: o.inline, outReads };
    rig = o.rdmaCm
      ? await connectTestQps({ ctx, session, plan, withGid, role, host: o.host, port: o.port, reads: traits.verb === 'read' || traits.verb === 'atomic', ids: cmIds })
      : PerfRig.create(ctx, plan, withGid);
    const flow = new Flow(session, rig, pre, o, !o.rdmaCm);
    const result = await flow.run(role, sizes, pollModeOf(ctx), hooks);
    return {
      test: o.test, role, device: ctx.device.name, provider: ctx.device.provider, peerVersion: pre.peerVersion, mtu: pre.mtu,
      qps: o.qps, gid: withGid, ...result,
    };
  } finally {
    await hangUpAll(cmIds, role);
    await link?.close();
    rig?.close();
    ctx.close();
  }
}

/** The exchange's channel: perftest's TCP connection, or with `-R` its rdma_cm one on the same port. */
async function openChannel(ctx: Context, o: PerfOptions, role: PerfRole, hooks: PerfHooks): Promise<OobChannel> {
  const listening = (): void => hooks.onListening?.(o.port);
  if (o.rdmaCm) {
    return role === 'client' ? CmLink.connect(ctx, o.host!, o.port, CONNECT_RETRY_MS) : CmLink.accept(ctx, o.port, ACCEPT_TIMEOUT_MS, listening);
  }
  return role === 'client' ? OobLink.connect(o.host!, o.port, CONNECT_RETRY_MS) : OobLink.accept(o.port, ACCEPT_TIMEOUT_MS, listening);
}

type FlowResult = Pick<PerfResult, 'latency' | 'bandwidth' | 'peerBandwidth'>;

/** The handshake choreography of each perftest tool, for one side. */
class Flow {
  readonly #mine: PeerKeys[];
  #peers: PeerKeys[] = [];

  /** @param handConnect the QPs are connected here from the exchanged records (not by rdma_cm) */
  constructor(readonly session: PerftestSession, readonly rig: PerfRig, readonly pre: Preamble, readonly o: PerfOptions, readonly handConnect: boolean) {
    this.#mine = rig.qps.map((_, i) => rig.keys(i));
  }

  /** One handshake per QP: learn the peer's records. */
  async #perQp(): Promise<void> {
    const peers: PeerKeys[] = [];
    for (const keys of this.#mine) peers.push(await this.session.handshake(keys));
    this.#peers = peers;
  }

  /** A sync point: one handshake with QP 0's record. */
  async #sync(): Promise<void> {
    await this.session.handshake(this.#mine[0]!);
  }

  async #connect(): Promise<void> {
    if (!this.handConnect) return;
    for (let i = 0; i < this.rig.qps.length; i++) await this.rig.connect(i, this.#peers[i]!, this.pre.mtu);
  }

  #pacer(mode: PollMode, what: string): Pacer {
    return new Pacer(mode, () => {}, TEST_TIMEOUT_MS, what);
  }

  async run(role: PerfRole, sizes: readonly number[], mode: PollMode, hooks: PerfHooks): Promise<FlowResult> {
    const traits = PERF_TESTS[this.o.test];
    const o = this.o;
    const latency: LatencyReport[] = [];
    const bandwidth: BwReport[] = [];
    const oneSidedLat = traits.kind === 'lat' && (traits.verb === 'read' || traits.verb === 'atomic');
    const pingPong = traits.kind === 'lat' && !oneSidedLat;
    // Before connecting: write_lat, read_lat and atomic_lat sync once more than the others.
    if (traits.kind === 'lat' && traits.verb !== 'send') await this.#sync();
    await this.#perQp();
    await this.#connect();
    // After connecting: one handshake per QP and one sync, in every tool.
    await this.#perQp();
    await this.#sync();

    if (pingPong) {
      for (const size of sizes) {
        hooks.onStep?.(`${o.test} ${size} B: ${o.iters} iterations ...`);
        if (traits.verb === 'send') {
          postLatencyRecvs(this.rig);
          await this.#sync();
        }
        latency.push(await this.#latency(role, size, mode, true));
      }
      if (traits.verb === 'send') await this.session.finish(this.#mine[0]!);
      return { latency, bandwidth };
    }
    if (oneSidedLat) {
      if (role === 'client') {
        for (const size of sizes) {
          hooks.onStep?.(`${o.test} ${size} B: ${o.iters} iterations ...`);
          latency.push(await this.#latency(role, size, mode, false));
        }
      } else {
        hooks.onStep?.(`${o.test}: serving the client ...`);
      }
      await this.session.finish(this.#mine[0]!);
      return { latency, bandwidth };
    }
    if (traits.verb === 'send') {
      for (const size of sizes) {
        hooks.onStep?.(`${o.test} ${size} B: ${o.iters} iterations ...`);
        if (role === 'server') postBandwidthRecvs(this.rig, o.iters);
        await this.#sync();
        const pacer = this.#pacer(mode, `${o.test} ${size} B`);
        try {
          if (role === 'server') {
            const t = await receiveBandwidth(this.rig, o.iters, pacer);
            bandwidth.push(bwReport(size, t.posted, t.completed, t.count, t.count, o.reportGbits));
          } else {
            const t = await runBandwidth(this.#bwStep(size, pacer));
            bandwidth.push(bwReport(size, t.posted, t.completed, t.count, this.#cqMod(), o.reportGbits));
          }
        } finally {
          pacer.dispose();
        }
        if (sizes.length > 1) await this.#sync();
      }
      await this.session.finish(this.#mine[0]!);
      return { latency, bandwidth };
    }
    // write_bw, read_bw, atomic_bw: the server only waits; the client reports to it at the end.
    if (role === 'server') {
      hooks.onStep?.(`${o.test}: serving the client ...`);
      await this.#sync();
      const peerBandwidth = await this.session.bwReports({ size: 0, iters: 0, bwPeak: 0, bwAvg: 0, msgRate: 0 });
      await this.session.finish(this.#mine[0]!);
      return { latency, bandwidth, peerBandwidth };
    }
    for (const size of sizes) {
      hooks.onStep?.(`${o.test} ${size} B: ${o.durationS === undefined ? `${o.iters} iterations` : `${o.durationS} s`} ...`);
      const pacer = this.#pacer(mode, `${o.test} ${size} B`);
      try {
        const t = await runBandwidth(this.#bwStep(size, pacer));
        bandwidth.push(bwReport(size, t.posted, t.completed, t.count, this.#cqMod(), o.reportGbits));
      } finally {
        pacer.dispose();
      }
    }
    await this.#sync();
    const last = bandwidth[bandwidth.length - 1]!;
    await this.session.bwReports({ size: last.size, iters: last.iters, bwPeak: last.bwPeak, bwAvg: last.bwAvg, msgRate: last.msgRate });
    await this.session.finish(this.#mine[0]!);
    return { latency, bandwidth };
  }

  /** One latency test at one size. */
  async #latency(role: PerfRole, size: number, mode: PollMode, halve: boolean): Promise<LatencyReport> {
    const o = this.o;
    const pacer = this.#pacer(mode, `${o.test} ${size} B`);
    try {
      const posted = await runLatency({ rig: this.rig, peer: this.#peers[0]!, verb: PERF_TESTS[o.test].verb, role, size, iters: o.iters, pacer });
      return latencyReport(size, posted, o.iters, halve);
    } finally {
      pacer.dispose();
    }
  }

  /** perftest's CQ moderation: every 100 (at most the send depth), a multiple of the post list. */
  #cqMod(): number {
    const o = this.o;
    const mod = Math.min(100, Math.max(1, o.txDepth));
    return Math.max(o.postList, Math.floor(mod / o.postList) * o.postList);
  }

  #bwStep(size: number, pacer: Pacer): Parameters<typeof runBandwidth>[0] {
    const o = this.o;
    const traits = PERF_TESTS[o.test];
    const iters = o.durationS === undefined ? o.iters : Math.max(o.iters, Math.floor(4_000_000 / o.qps));
    return {
      rig: this.rig, peers: this.#peers, verb: traits.verb, size, iters, txDepth: Math.max(o.txDepth, o.postList), postList: o.postList,
      cqMod: this.#cqMod(), pacer, ...(o.durationS === undefined ? {} : { durationS: o.durationS }),
    };
  }
}
