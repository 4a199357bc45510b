// Child of cm-unavailable.test.ts, run where librdmacm.so.1 cannot be found:
// loads the addon, asks it for a CM id, and prints one JSON line with what
// happened (no device needed).
import { readFileSync } from 'node:fs';
import { CmPortSpace } from '../../lib/index.js';
import { loadAddon } from '../../lib/providers/native/addon.js';

const load = loadAddon();
if (!load.ok) throw new Error(load.reason);
const unavailable = load.addon.cmUnavailable();
let error: { name: string; code?: string; message: string } | null = null;
try {
  load.addon.createCmId(CmPortSpace.TCP).close();
} catch (err) {
  const e = err as Error & { code?: string };
  error = { name: e.name, code: e.code, message: e.message };
}
const rdmacmMapped = readFileSync('/proc/self/maps', 'utf8').includes('librdmacm');
console.log(JSON.stringify({ unavailable, error, rdmacmMapped }));
