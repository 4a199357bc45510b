// Checks a native binary's run-time needs: its NEEDED entries (readelf) are
// libibverbs.so.1 and the C library only, and ldd finds every library.
//   node check-needed.mjs FILE
import { execFileSync } from 'node:child_process';

const file = process.argv[2];
const ALLOWED = /^(libibverbs\.so\.1|libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|ld-linux[\w.-]*\.so\.\d)$/;
const dynamic = execFileSync('readelf', ['-d', file], { encoding: 'utf8' });
const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
console.log(`NEEDED: ${needed.join(', ')}`);
const ldd = execFileSync('ldd', [file], { encoding: 'utf8' });
console.log(ldd.trim());
const extra = needed.filter((lib) => !ALLOWED.test(lib));
if (extra.length > 0) throw new Error(`needs more than libibverbs.so.1 and the C library: ${extra.join(', ')}`);
if (!needed.includes('libibverbs.so.1')) throw new Error('does not link libibverbs.so.1');
if (/not found/.test(ldd)) throw new Error('ldd: a library is not found');
