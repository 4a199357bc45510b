import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Whether a loopback transport's module was built (`dist/lib/providers/loopback/<name>`). */
export function transportBuilt(name: 'shm' | 'hub'): boolean {
  const dir = fileURLToPath(new URL('../../lib/providers/loopback/', import.meta.url));
  return existsSync(`${dir}${name}`) || existsSync(`${dir}${name}.js`);
}

/** Why a placement needing this transport cannot run, when it is not built; else null. */
export function missingTransport(name: 'shm' | 'hub'): string | null {
  if (transportBuilt(name)) return null;
  return name === 'shm'
    ? 'the worker shared-memory transport (lib/providers/loopback/shm) is not built'
    : 'the cross-process hub transport (lib/providers/loopback/hub) is not built';
}
