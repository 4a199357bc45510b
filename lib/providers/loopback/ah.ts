import type { AhBackend } from '../../provider/spi.js';

/** A loopback address handle: the destination node. */
export class LoopAh implements AhBackend {
  constructor(readonly gid: string, readonly lid: number) {}
  close(): void {}
}
