// Traffic both ways over a pair of Connections (each exposing at least 4 KiB), checked byte for byte.
import { expect } from 'vitest';
import type { Connection } from '../../lib/index.js';
import { pattern } from './harness.js';

/** SEND each way, then WRITEs both ways and a READ, every byte compared. */
export async function moveDataBothWays(server: Connection, client: Connection): Promise<void> {
  const ping = pattern(3000, 1);
  const got = server.recv();
  await client.send(ping);
  expect(Buffer.from(await got).equals(Buffer.from(ping))).toBe(true);
  const pong = pattern(1000, 2);
  const back = client.recv();
  await server.send(pong);
  expect(Buffer.from(await back).equals(Buffer.from(pong))).toBe(true);

  await client.write(pattern(2048, 3), { offset: 1024 });
  expect(Buffer.from(server.memory!.subarray(1024, 3072)).equals(Buffer.from(pattern(2048, 3)))).toBe(true);
  server.memory!.set(pattern(512, 4), 0);
  expect(Buffer.from(await client.read({ offset: 0 }, 512)).equals(Buffer.from(pattern(512, 4)))).toBe(true);
  await server.write(pattern(100, 5), { offset: 8 });
  expect(Buffer.from(client.memory!.subarray(8, 108)).equals(Buffer.from(pattern(100, 5)))).toBe(true);
}
