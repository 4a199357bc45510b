/**
 * The main job: two processes connect through the default device (a native
 * RDMA device with an active port, else loop0 through the hub) and run
 * send/receive, RDMA write, RDMA read and both atomics, verify every byte,
 * and print a small perftest-style table.
 *
 *   npm run demo            # or: node dist/bench/demo.js [--device NAME]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runPeer, type DemoMessage } from './demo-peer.js';

const self = fileURLToPath(import.meta.url);
const role = process.argv[2];

if (role === 'server' || role === 'client') {
  runPeer(role, process.argv.slice(3)).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`[${role}] ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      process.exit(1);
    },
  );
} else {
  await main();
}

async function main(): Promise<void> {
  const extra = process.argv.slice(2);
  const started = Date.now();
  const server = fork(self, ['server', ...extra], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const client = fork(self, ['client', ...extra], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  relay(server, client);
  relay(client, server);
  const timer = setTimeout(() => {
    console.error('demo: no result after 120 s; stopping both processes');
    server.kill();
    client.kill();
  }, 120_000);
  const [s, c] = await Promise.all([exitCode(server), exitCode(client)]);
  clearTimeout(timer);
  if (s !== 0 || c !== 0) {
    console.error(`demo: FAILED (server exit ${s}, client exit ${c})`);
    process.exit(1);
  }
  console.log(`demo: OK, two processes, every transfer verified (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/** Pass the out-of-band messages (endpoints, region keys, "done") from one peer to the other. */
function relay(from: ChildProcess, to: ChildProcess): void {
  from.on('message', (m: DemoMessage) => {
    if (to.connected) to.send(m);
  });
}

function exitCode(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
}
