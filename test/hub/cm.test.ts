// The connection manager between processes on the hub: a listener in one
// process, a connector in another, and a process that dies.
import { describe, expect, it } from 'vitest';
import { useScope, until, type Child } from './helpers.js';

const scope = useScope();

async function twoProcesses(): Promise<{ server: Child; client: Child }> {
  const env = scope().env(scope().runtimeDir());
  const [server, client] = await Promise.all([scope().child(env), scope().child(env)]);
  await Promise.all([server.call({ op: 'open' }), client.call({ op: 'open' })]);
  return { server, client };
}

describe('rdma_cm on loop0 between processes', () => {
  it('connects through the hub with private data; the peer dying gives DISCONNECTED', async () => {
    const { server, client } = await twoProcesses();
    await server.call({ op: 'cmListen', address: '127.0.0.1', port: 7471 });
    const echoed = await client.call<string>({ op: 'cmConnect', address: '127.0.0.1', port: 7471, data: 'cafe01' });
    expect(echoed.startsWith('cafe01')).toBe(true);
    await until(async () => (await server.call<string[]>({ op: 'cmEvents' })).includes('ESTABLISHED'), 5000, 'ESTABLISHED on the server');
    server.proc.kill('SIGKILL');
    await until(async () => (await client.call<string[]>({ op: 'cmEvents' })).includes('DISCONNECTED'), 5000, 'DISCONNECTED on the client');
  });

  it('a connect to a port nobody listens on is rejected; a dying connector disconnects the server side', async () => {
    const { server, client } = await twoProcesses();
    await expect(client.call({ op: 'cmConnect', address: '127.0.0.1', port: 7472, data: '' })).rejects.toMatchObject({ code: 'ERR_CONNECTION_REJECTED' });
    await server.call({ op: 'cmListen', address: '0.0.0.0', port: 7472 });
    await client.call({ op: 'cmConnect', address: '127.0.0.1', port: 7472, data: '00' });
    client.proc.kill('SIGKILL');
    await until(async () => (await server.call<string[]>({ op: 'cmEvents' })).includes('DISCONNECTED'), 5000, 'DISCONNECTED on the server');
  });
});
