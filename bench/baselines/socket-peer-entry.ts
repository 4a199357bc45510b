/**
 * Child-process entry for the raw Unix-socket baselines. Connects to the
 * socket path in argv[2]; the parent switches its mode over IPC:
 * `{ mode: 'echo', busy }` writes every chunk straight back (with `busy`, the
 * event loop never sleeps: a `setImmediate` chain keeps it turning, as a
 * polling program's would), `{ mode: 'sink', total }` swallows `total` bytes
 * and answers with one byte. Each switch is acknowledged with `{ ok: true }`.
 */
import { connect } from 'node:net';

const path = process.argv[2];
if (path === undefined || !process.send) throw new Error('socket-peer-entry.js: needs a socket path and an IPC channel');

type Mode = { readonly mode: 'echo'; readonly busy?: boolean } | { readonly mode: 'sink'; readonly total: number } | { readonly mode: 'exit' };

function isMode(v: unknown): v is Mode {
  if (v === null || typeof v !== 'object') return false;
  const m = (v as { mode?: unknown }).mode;
  return m === 'echo' || m === 'exit' || (m === 'sink' && typeof (v as { total?: unknown }).total === 'number');
}

const sock = connect(path);
sock.setNoDelay?.(true);
let mode: Mode = { mode: 'echo' };
let sunk = 0;
let spinning = false;

/** Keep the event loop turning without sleeping while the mode says so. */
function spin(): void {
  if (mode.mode === 'echo' && mode.busy === true) {
    setImmediate(spin);
  } else {
    spinning = false;
  }
}
const ACK = Buffer.from([1]);

sock.on('data', (chunk: Buffer) => {
  if (mode.mode === 'echo') {
    sock.write(chunk);
  } else if (mode.mode === 'sink') {
    sunk += chunk.length;
    if (sunk >= mode.total) {
      sunk = 0;
      mode = { mode: 'echo' };
      sock.write(ACK);
    }
  }
});
sock.on('error', () => process.exit(1));
sock.on('close', () => process.exit(0));
sock.on('connect', () => process.send!({ ok: true }));

process.on('message', (m: unknown) => {
  if (!isMode(m)) return;
  if (m.mode === 'exit') {
    sock.end();
    process.disconnect();
    return;
  }
  mode = m;
  sunk = 0;
  if (m.mode === 'echo' && m.busy === true && !spinning) {
    spinning = true;
    setImmediate(spin);
  }
  process.send!({ ok: true });
});
process.on('disconnect', () => sock.destroy());
