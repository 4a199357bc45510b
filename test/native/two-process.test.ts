// Two separate node processes exchange data over the device: endpoints go
// through this test's pipes (the processes' stdin/stdout).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { compiledScript, repoRoot, skipReason, testDevice, titled } from './helpers.js';

function start(script: string, role: string): { child: ChildProcessWithoutNullStreams; next: () => Promise<Record<string, unknown>>; stderr: () => string } {
  const child = spawn(process.execPath, [script, testDevice, role], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    child,
    stderr: () => err,
    next: async () => {
      const r = await lines.next();
      if (r.done) throw new Error(`${role} exited early: ${err}`);
      return JSON.parse(r.value) as Record<string, unknown>;
    },
  };
}

describe.skipIf(skipReason !== undefined)(titled('two processes'), () => {
  it('exchange an RDMA write and a send with immediate data', async () => {
    const script = compiledScript('peer-process');
    const t0 = performance.now();
    const server = start(script, 'server');
    const client = start(script, 'client');
    try {
      const s = await server.next();
      const c = await client.next();
      server.child.stdin.write(`${JSON.stringify({ endpoint: c['endpoint'] })}\n`);
      expect(await server.next()).toEqual({ connected: true });
      client.child.stdin.write(`${JSON.stringify({ endpoint: s['endpoint'], remote: s['remote'] })}\n`);
      const done = await client.next();
      expect(done['done'], client.stderr()).toBe(true);
      const result = await server.next();
      expect(result, server.stderr()).toMatchObject({ ok: true, imm: 0x01020304, written: 'written by client', message: `hello from ${String(done['pid'])}` });
      expect(result['pid']).not.toBe(done['pid']);
      console.log(`two-process exchange on ${testDevice}: ${(performance.now() - t0).toFixed(0)} ms including process start`);
    } finally {
      server.child.kill();
      client.child.kill();
    }
  });

  for (const mode of ['leak', 'leak-exit']) {
    it(`a process that leaves its device objects open exits with status 0 (${mode})`, async () => {
      const p = start(compiledScript('peer-process'), mode);
      expect(await p.next()).toEqual({ leaked: true });
      p.child.stdin.end();
      const code = await new Promise<number | null>((resolve) => p.child.on('exit', (c) => resolve(c)));
      expect(code, p.stderr()).toBe(0);
      expect(p.stderr()).toBe('');
    });
  }
});
