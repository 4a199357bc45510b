/**
 * fast-check arbitraries for property runs: random sequences of
 * registrations (good and bad memory kinds, access flags, the other PD),
 * receives, sends of every RC opcode (in and out of range, wrong rkeys,
 * missing rights), region and QP closes, transfer attempts and one fault of
 * the peer.
 */
import fc from 'fast-check';
import { Access } from '../../lib/index.js';
import { BAD_KINDS, GOOD_KINDS } from './protocol.js';
import type { Action, FaultKind, Scenario, SendSpec } from './actions.js';
import { OPS } from './actions.js';

const ALL = Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ | Access.REMOTE_ATOMIC;
const ACCESS_CHOICES = [
  ALL, ALL, Access.LOCAL_WRITE, Access.REMOTE_READ, Access.LOCAL_WRITE | Access.REMOTE_WRITE,
  Access.LOCAL_WRITE | Access.REMOTE_READ, Access.LOCAL_WRITE | Access.REMOTE_ATOMIC, 0,
] as const;

const side = fc.constantFrom('a' as const, 'b' as const);
const regionRef = fc.nat(7);
/** True about one time in five. */
const rarely = fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

const register: fc.Arbitrary<Action> = fc.record({
  t: fc.constant('register' as const),
  side,
  kind: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...GOOD_KINDS) }, { weight: 1, arbitrary: fc.constantFrom(...BAD_KINDS) }),
  size: fc.constantFrom(16, 64, 256),
  access: fc.constantFrom(...ACCESS_CHOICES),
  otherPd: rarely,
  seed: fc.nat(1000),
});

const recv: fc.Arbitrary<Action> = fc.record({
  t: fc.constant('recv' as const),
  mr: regionRef,
  offset: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.nat(96) }),
  length: fc.integer({ min: 1, max: 96 }),
});

const sendSpec: fc.Arbitrary<SendSpec> = fc.record({
  op: fc.constantFrom(...OPS),
  mr: regionRef,
  offset: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.nat(72) }),
  length: fc.integer({ min: 1, max: 64 }),
  target: fc.record({
    mr: regionRef,
    offset: fc.oneof({ weight: 3, arbitrary: fc.nat(24).map((n) => n * 8) }, { weight: 1, arbitrary: fc.nat(250) }),
    wrongRkey: rarely,
  }),
  imm: fc.nat(0xffffffff),
  compareAdd: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  swap: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
}).map((s) => (s.op === 'ATOMIC_FETCH_AND_ADD' || s.op === 'ATOMIC_CMP_AND_SWP' ? { ...s, length: 8 } : s));

const send: fc.Arbitrary<Action> = fc.record({ t: fc.constant('send' as const), wrs: fc.array(sendSpec, { minLength: 1, maxLength: 3 }) });
const closeMr: fc.Arbitrary<Action> = fc.record({ t: fc.constant('closeMr' as const), side, mr: regionRef });
const transfer: fc.Arbitrary<Action> = fc.record({ t: fc.constant('transfer' as const), side, mr: regionRef });
const closeQpA: fc.Arbitrary<Action> = fc.constant({ t: 'closeQpA' as const });

/** A sequence of steps; `faults` are those the placement can inflict on side b, `timers` the ranges of the RC timer attributes. */
export function scenarioArb(
  faults: readonly FaultKind[],
  timers: { readonly timeout: readonly [number, number]; readonly retryCnt: readonly [number, number] },
  maxSteps = 14,
): fc.Arbitrary<Scenario> {
  const choices: Array<fc.WeightedArbitrary<Action>> = [
    { weight: 6, arbitrary: register },
    { weight: 12, arbitrary: recv },
    { weight: 20, arbitrary: send },
    { weight: 2, arbitrary: closeMr },
    { weight: 2, arbitrary: transfer },
    { weight: 1, arbitrary: closeQpA },
  ];
  if (faults.length > 0) choices.push({ weight: 2, arbitrary: fc.record({ t: fc.constant('fault' as const), kind: fc.constantFrom(...faults) }) });
  return fc.record({
    retryCnt: fc.integer({ min: timers.retryCnt[0], max: timers.retryCnt[1] }),
    timeout: fc.integer({ min: timers.timeout[0], max: timers.timeout[1] }),
    actions: fc.array(fc.oneof(...choices), { minLength: 1, maxLength: maxSteps }),
  });
}
