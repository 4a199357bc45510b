// Partitions between processes: the P_Key travels with each request on the
// peer wire and the receiving process drops what does not match.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WcStatus, WrOpcode } from '../../lib/index.js';
import { Scope, hubSocket, hubStats, requireBuild } from './helpers.js';
import { side } from './pair.js';
import type { ChildWc } from './peer-child.js';

let scope: Scope;
beforeAll(() => requireBuild());
beforeEach(() => { scope = new Scope(); });
afterEach(async () => { await scope.dispose(); });

async function sendAcross(pkeysA: number[], pkeysB: number[]): Promise<number> {
  const dir = scope.runtimeDir();
  const env = scope.env(dir, {});
  const [ca, cb] = await Promise.all([scope.child(env), scope.child(env)]);
  const a = await side(ca, 4096, { pkeys: pkeysA, pkeyIndex: 1 });
  const b = await side(cb, 4096, { pkeys: pkeysB, pkeyIndex: 1 });
  scope.track((await hubStats(hubSocket(dir))).pid);
  const options = { timeout: 10, retryCnt: 1 };
  await Promise.all([a.child.call({ op: 'connect', endpoint: b.endpoint, mem: b.mem, options }), b.child.call({ op: 'connect', endpoint: a.endpoint, mem: a.mem, options })]);
  await b.child.call({ op: 'recv', count: 1, offset: 0, len: 64 });
  const [wc] = await a.child.call<ChildWc[]>({ op: 'post', wait: true, wrs: [{ wrId: 1, opcode: WrOpcode.SEND, offset: 0, len: 64 }] });
  return wc!.status;
}

describe('loop0 partitions between processes', () => {
  it('a full and a limited member of one partition talk', async () => {
    expect(await sendAcross([0x8003], [0x0003])).toBe(WcStatus.SUCCESS);
  });

  it('two limited members do not: RETRY_EXC_ERR at the requester', async () => {
    expect(await sendAcross([0x0003], [0x0003])).toBe(WcStatus.RETRY_EXC_ERR);
  });
});
