// `vrdma hub status|start|stop` against a hub in a private runtime directory.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonOf, runVrdma } from './run-vrdma.js';

const runtime = mkdtempSync(join(process.env['VRDMA_RUNTIME_DIR'] ?? tmpdir(), 'cli-hub-'));
const env = { VRDMA_RUNTIME_DIR: runtime };
const hub = (...args: string[]) => runVrdma(['hub', ...args], env);

afterAll(() => { hub('stop'); });

interface HubJson { action: string; running: boolean; address: string; pid?: number; started?: boolean; stopped?: boolean }

describe('vrdma hub', () => {
  it('status, start, start again, stop, stop again', () => {
    const none = jsonOf(hub('status', '--json')) as HubJson;
    expect(none).toMatchObject({ action: 'status', running: false, address: join(runtime, 'hub.sock') });
    expect(hub().stdout).toMatch(/^no hub running at .*hub\.sock/);

    const started = hub('start', '--json');
    expect(started.code).toBe(0);
    const s = jsonOf(started) as HubJson;
    expect(s).toMatchObject({ action: 'start', running: true, started: true, pid: expect.any(Number) });
    expect(jsonOf(hub('status', '--json'))).toMatchObject({ running: true, pid: s.pid });
    expect(jsonOf(hub('start', '--json'))).toMatchObject({ running: true, started: false, pid: s.pid });

    const stopped = hub('stop');
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toBe(`stopped the hub at ${join(runtime, 'hub.sock')} (pid ${s.pid})\n`);
    expect(jsonOf(hub('status', '--json'))).toMatchObject({ running: false });
    expect(jsonOf(hub('stop', '--json'))).toMatchObject({ action: 'stop', stopped: false });
  });

  it('a TCP hub without a token is refused, as JSON under --json', () => {
    const r = hub('start', '--listen', 'tcp://127.0.0.1:9', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { code: 'ERR_HUB_TOKEN' } });
  });

  it('rejects a bad --idle-ms', () => {
    expect(hub('start', '--idle-ms', 'soon').code).toBe(2);
  });
});
