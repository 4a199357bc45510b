/** Runs a built example (`dist/examples/<name>.js`) as a child process. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a run produced. */
export interface ExampleRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A private runtime directory, so the examples' loop0 hub is this test's own. */
export const RUNTIME_DIR = mkdtempSync(join(process.env['VRDMA_RUNTIME_DIR'] ?? tmpdir(), 'examples-'));

/** The built example's path. @throws Error when it has not been built. */
export function examplePath(name: string): string {
  const path = fileURLToPath(new URL(`../../dist/examples/${name}.js`, import.meta.url));
  if (!existsSync(path)) throw new Error(`${path} is missing: run "npm run build" first`);
  return path;
}

/** Start `node dist/examples/<name>.js ...args`; resolves when it exits (killed after 60 s). */
export function runExample(name: string, args: readonly string[] = [], env: Readonly<Record<string, string>> = {}): Promise<ExampleRun> {
  const child = spawn(process.execPath, [examplePath(name), ...args], {
    env: { ...process.env, VRDMA_RUNTIME_DIR: RUNTIME_DIR, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const timer = setTimeout(() => child.kill(), 60_000);
  return new Promise((resolve) => child.on('close', (code) => {
    clearTimeout(timer);
    resolve({ code, stdout, stderr });
  }));
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
