// A peer process for the Connection tests (argv: device, port, mode, via): connects to the port given
// (of 127.0.0.1, through the CM when via is "cm"),
// exposing a region, says "connected" on stdout, then waits to be killed
// (or, with "echo", answers each message with the same bytes until the peer closes).
import { connect } from '../../lib/index.js';

const [device, port, mode, via] = process.argv.slice(2);
const conn = await connect({ port: Number(port), device, expose: 1 << 20, timeoutMs: 60_000, ...(via === 'cm' ? { via: 'cm', host: '127.0.0.1' } as const : {}) });
process.stdout.write('connected\n');
if (mode === 'echo') {
  for (;;) {
    let msg: Uint8Array;
    try {
      msg = await conn.recv();
    } catch {
      break;
    }
    await conn.send(msg);
  }
  await conn.close();
} else {
  setInterval(() => {}, 1 << 30);
}
