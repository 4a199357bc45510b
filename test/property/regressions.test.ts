// Scenarios the properties once found failing, replayed as they were
// reported (shrunk), so that each stays fixed whatever seed a run draws.
import { afterAll, describe, it } from 'vitest';
import type { Scenario } from './actions.js';
import { workerThreads } from './peers.js';
import { runScenario } from './runner.js';

describe('loop0 property regressions: side b in a worker thread', () => {
  const placement = workerThreads();
  afterAll(() => placement.dispose());

  it('a READ answers with the bytes it found, not those a later atomic of the same QP left there', async () => {
    // The READ's last byte is the first byte of the atomic's target. Its
    // answer used to reference the responder's memory, copied by the
    // requester only after the atomic had run there.
    const scenario: Scenario = {
      retryCnt: 2, timeout: 16,
      actions: [{
        t: 'send',
        wrs: [
          { op: 'RDMA_READ', mr: 0, offset: 0, length: 9, target: { mr: 0, offset: 168, wrongRkey: false }, imm: 0, compareAdd: 0n, swap: 0n },
          { op: 'ATOMIC_FETCH_AND_ADD', mr: 0, offset: 0, length: 8, target: { mr: 0, offset: 176, wrongRkey: false }, imm: 0, compareAdd: 1n, swap: 0n },
        ],
      }],
    } as Scenario;
    for (let i = 0; i < 5; i++) await runScenario(placement, scenario);
  }, 120_000);
  it('a READ answers with the bytes it found, not those a later SEND of the same QP placed there', async () => {
    // Both sides post a receive on their first byte, then READ the peer's
    // first byte and SEND from their own. The peer's SEND lands in the
    // receive on the byte the READ read; an answer that referenced the
    // responder's memory was copied after that SEND had arrived.
    const scenario: Scenario = {
      retryCnt: 2, timeout: 16,
      actions: [
        { t: 'recv', mr: 0, offset: 0, length: 1 },
        {
          t: 'send',
          wrs: [
            { op: 'RDMA_READ', mr: 0, offset: 0, length: 1, target: { mr: 0, offset: 0, wrongRkey: false }, imm: 0, compareAdd: 0n, swap: 0n },
            { op: 'SEND', mr: 0, offset: 0, length: 1, target: { mr: 0, offset: 0, wrongRkey: true }, imm: 0, compareAdd: 0n, swap: 0n },
          ],
        },
        { t: 'send', wrs: [{ op: 'SEND', mr: 0, offset: 0, length: 1, target: { mr: 0, offset: 0, wrongRkey: false }, imm: 0, compareAdd: 0n, swap: 0n }] },
      ],
    } as Scenario;
    for (let i = 0; i < 5; i++) await runScenario(placement, scenario);
  }, 120_000);
});
