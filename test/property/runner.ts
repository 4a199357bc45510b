/**
 * Runs one generated scenario on a placement and checks it against the
 * model after every step: each call returns or throws as the model says,
 * each side's completions are exactly the expected ones (status per wrId,
 * in order, none missing, none twice) within the bound the QPs' attributes
 * give, and at the end every region holds the bytes the model computed.
 */
import { Access, WrOpcode, wcStatusName } from '../../lib/index.js';
import type { Action, Scenario, SendSpec, Side } from './actions.js';
import { Model, wrongRkey, type ExpectedOutcome, type ExpectedWc } from './model.js';
import type { Peer, Placement } from './peers.js';
import type { AgentSendWr, AgentWc, MemoryKind, Outcome } from './protocol.js';
import { hex } from './pattern.js';

const ALL = Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ | Access.REMOTE_ATOMIC;
/** Time a loaded machine may add to a bound computed from the attributes (scheduling, not the protocol). */
const SCHEDULING_MARGIN_MS = 5000;
/** How long the fabric must stay quiet at the end (a late duplicate would show). */
const QUIET_MS = 30;

/**
 * The RNR NAK timer code of both sides: 5.12 ms, so that a request waiting
 * for a receive is sent again about 200 times a second, not 1500 (the
 * default 0.64 ms), which would load a shared machine for nothing.
 */
const MIN_RNR_TIMER = 18;
const RNR_DELAY_MS = 5.12;
/** While a request waits for a receive, a step lets two RNR retransmissions happen before it checks. */
const RNR_WINDOW_MS = 2 * RNR_DELAY_MS + 2;

/**
 * The longest a request may take to complete once nothing holds it back:
 * one RNR wait, then (retryCnt + 1) local ACK timeouts of 4.096 us x 2^timeout.
 */
export function completionBoundMs(s: Pick<Scenario, 'retryCnt' | 'timeout'>): number {
  return RNR_DELAY_MS + (s.retryCnt + 1) * 0.004096 * 2 ** s.timeout;
}

const IMM_OPS = new Set<string>(['SEND_WITH_IMM', 'RDMA_WRITE_WITH_IMM']);
const REMOTE_OPS = new Set<string>(['RDMA_WRITE', 'RDMA_WRITE_WITH_IMM', 'RDMA_READ', 'ATOMIC_FETCH_AND_ADD', 'ATOMIC_CMP_AND_SWP']);
const ATOMIC_OPS = new Set<string>(['ATOMIC_FETCH_AND_ADD', 'ATOMIC_CMP_AND_SWP']);

/** A run that went against the model. */
export class ModelMismatch extends Error {
  constructor(message: string, trace: readonly string[]) {
    super(`${message}\nsteps:\n  ${trace.join('\n  ')}`);
    this.name = 'ModelMismatch';
  }
}

function wcText(w: AgentWc | ExpectedWc): string {
  const s = Array.isArray(w.status) ? (w.status as number[]).map(wcStatusName).join('|') : wcStatusName(w.status as number);
  return `${w.wrId}:${s}${w.byteLen !== undefined ? `/${w.byteLen}` : ''}${w.imm ? `/imm=${w.imm}` : ''}`;
}

function matches(seen: AgentWc, want: ExpectedWc): boolean {
  if (seen.wrId !== want.wrId) return false;
  const statuses = typeof want.status === 'number' ? [want.status] : want.status;
  if (!statuses.includes(seen.status)) return false;
  if (want.byteLen !== undefined && seen.byteLen !== want.byteLen) return false;
  if (want.opcode !== undefined && seen.opcode !== want.opcode) return false;
  return want.imm === undefined || seen.imm === want.imm;
}

function outcomeText(o: Outcome): ExpectedOutcome | string {
  return o.ok ? 'ok' : o.error;
}

/** Run `scenario` on `placement`; throws `ModelMismatch` where it differs from the model. */
export async function runScenario(placement: Placement, scenario: Scenario): Promise<void> {
  const { a, b } = await placement.peers();
  const peer: Record<Side, Peer> = { a, b };
  const model = new Model();
  const trace: string[] = [];
  const fail = (message: string): never => { throw new ModelMismatch(message, trace); };
  const seen: Record<Side, AgentWc[]> = { a: [], b: [] };
  const bound = completionBoundMs(scenario) + SCHEDULING_MARGIN_MS;
  let resume: (() => Promise<void>) | null = null;
  let nextWrId = 1;

  const open = { hub: placement.hub, retryCnt: scenario.retryCnt, timeout: scenario.timeout, minRnrTimer: MIN_RNR_TIMER };
  const ea = await a.call('open', open);
  const eb = await b.call('open', open);
  await a.call('connect', { remote: eb.endpoint });
  await b.call('connect', { remote: ea.endpoint });

  const register = async (side: Side, r: { kind: MemoryKind; size: number; access: number; otherPd: boolean; seed: number }): Promise<void> => {
    const want = Model.registers(r.kind, r.access);
    const got = await peer[side].call('register', r);
    if (got.outcome.ok !== want || (!want && outcomeText(got.outcome) !== 'InvalidArgumentError')) {
      fail(`register ${r.kind} with access ${r.access} on ${side}: expected ${want ? 'ok' : 'InvalidArgumentError'}, got ${JSON.stringify(got.outcome)}`);
    }
    if (got.outcome.ok) model.addRegion(side, { ...r, addr: BigInt(got.addr!), rkey: got.rkey! });
  };

  const settle = async (quietMs = 0): Promise<void> => {
    if (model.waiting) await new Promise((r) => setTimeout(r, RNR_WINDOW_MS));
    for (const side of ['a', 'b'] as const) {
      if (side === 'b' && !model.bChecked) continue;
      const want = model.wcs[side];
      const need = want.length - seen[side].length;
      if (quietMs > 0) await new Promise((r) => setTimeout(r, quietMs));
      seen[side].push(...await peer[side].call('take', { count: Math.max(need, 0), timeoutMs: need > 0 ? bound : 0 }, bound + 10_000));
      const got = seen[side];
      const ok = got.length === want.length && got.every((w, i) => matches(w, want[i]!));
      if (!ok) fail(`side ${side} completions: expected [${want.map(wcText).join(' ')}], got [${got.map(wcText).join(' ')}] (within ${bound.toFixed(0)} ms)`);
    }
  };

  const sendWr = (wrId: number, s: SendSpec): AgentSendWr => {
    const local = model.region('a', s.mr);
    const target = model.region('b', s.target.mr).region;
    return {
      wrId, opcode: WrOpcode[s.op], mr: local.index, offset: s.offset, length: s.length,
      ...(REMOTE_OPS.has(s.op) ? { remoteAddr: (target.addr + BigInt(s.target.offset)).toString(), rkey: s.target.wrongRkey ? wrongRkey(target.rkey) : target.rkey } : {}),
      ...(IMM_OPS.has(s.op) ? { imm: s.imm } : {}),
      ...(ATOMIC_OPS.has(s.op) ? { compareAdd: s.compareAdd.toString(), ...(s.op === 'ATOMIC_CMP_AND_SWP' ? { swap: s.swap.toString() } : {}) } : {}),
    };
  };

  const expectOutcome = (what: string, want: ExpectedOutcome, got: Outcome): void => {
    if (outcomeText(got) !== want) fail(`${what}: expected ${want}, got ${JSON.stringify(got)}`);
  };

  const step = async (act: Action): Promise<void> => {
    switch (act.t) {
      case 'register':
        if (act.side === 'b' && !model.bReachable) return;
        await register(act.side, act);
        return;
      case 'recv': {
        if (!model.bReachable) return;
        const wrId = nextWrId++;
        const { index } = model.region('b', act.mr);
        const want = model.postRecv(wrId, act.mr, act.offset, act.length);
        expectOutcome(`recv ${wrId}`, want, await b.call('postRecv', { wrId, mr: index, offset: act.offset, length: act.length }));
        return;
      }
      case 'send': {
        const wrIds = act.wrs.map(() => nextWrId++);
        const wrs = act.wrs.map((s, i) => sendWr(wrIds[i]!, s));
        const want = model.postSend(wrIds, act.wrs);
        expectOutcome(`send ${wrIds.join(',')}`, want, await a.call('postSend', { wrs }));
        return;
      }
      case 'closeMr': {
        if (act.side === 'b' && !model.bReachable) return;
        const { index } = model.region(act.side, act.mr);
        await peer[act.side].call('closeMr', { slot: index });
        model.closeRegion(act.side, act.mr);
        return;
      }
      case 'transfer': {
        if (act.side === 'b' && !model.bReachable) return;
        const { index } = model.region(act.side, act.mr);
        const { intact } = await peer[act.side].call('transfer', { slot: index });
        if (!intact) fail(`region ${act.side}[${index}] lost its memory to a transfer`);
        return;
      }
      case 'closeQpA':
        if (model.qpA === 'CLOSED') return;
        await a.call('closeQp', {});
        model.closeQpA();
        return;
      case 'fault':
        if (model.fault !== null) return;
        if (act.kind === 'qpClose') await b.call('closeQp', {});
        else if (act.kind === 'qpErr') await b.call('qpToError', {});
        else if (act.kind === 'kill') await b.kill();
        else resume = await b.stop();
        model.applyFault(act.kind);
        return;
    }
  };

  try {
    await register('a', { kind: 'alloc', size: 256, access: ALL, otherPd: false, seed: 1 });
    await register('b', { kind: 'alloc', size: 256, access: ALL, otherPd: false, seed: 2 });
    for (const act of scenario.actions) {
      trace.push(JSON.stringify(act, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
      await step(act);
      await settle();
    }
    trace.push('finish: both QPs to ERR');
    if (resume !== null) {
      const r: () => Promise<void> = resume;
      resume = null;
      await r();
    }
    if (model.qpA === 'RTS') await a.call('qpToError', {});
    if (model.bReachable && model.qpB === 'RTS') await b.call('qpToError', {});
    model.finish();
    await settle();
    await settle(QUIET_MS);
    for (const side of ['a', 'b'] as const) {
      if (side === 'b' && !model.bChecked) continue;
      for (const [slot, region] of model.regions[side].entries()) {
        const got = Buffer.from(await peer[side].call('bytes', { slot }), 'hex');
        for (let i = 0; i < region.size; i++) {
          if (region.known[i] === 1 && got[i] !== region.bytes[i]) {
            fail(`bytes of ${side}[${slot}] differ from byte ${i}: expected ${hex(region.bytes.subarray(i, i + 16))}, got ${hex(got.subarray(i, i + 16))}`);
          }
        }
      }
    }
  } finally {
    if (resume !== null) await (resume as () => Promise<void>)();
    await a.call('close', {}).catch(() => {});
    if (b.alive) await b.call('close', {}).catch(() => {});
  }
}

/**
 * fast-check parameters: `defaultRuns` runs unless `VRDMA_PROP_RUNS` says
 * otherwise; `VRDMA_PROP_SEED` (and `VRDMA_PROP_PATH`) replay a reported
 * failure.
 */
export function propertyParameters(defaultRuns: number): { numRuns: number; seed?: number; path?: string; endOnFailure?: boolean } {
  const runs = Number(process.env['VRDMA_PROP_RUNS'] ?? defaultRuns);
  const seed = process.env['VRDMA_PROP_SEED'];
  const path = process.env['VRDMA_PROP_PATH'];
  return {
    numRuns: Number.isInteger(runs) && runs > 0 ? runs : defaultRuns,
    ...(seed !== undefined && seed !== '' ? { seed: Number(seed) } : {}),
    ...(path !== undefined && path !== '' ? { path } : {}),
  };
}
