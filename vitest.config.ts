import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// The conformance suite runs three times on loop0: as every other test
// does (the two QPs of a pair meet inside the post), over the path between
// processes (VRDMA_LOOPBACK_SELF_ROUTE=peers: the test contexts join a hub
// of their own, in a fresh runtime directory, and their QPs reach each
// other through the peer socket, RC payloads through shared memory), and
// over the path between threads (VRDMA_LOOPBACK_SELF_ROUTE=threads: through
// the cross-thread ring, here from the thread to itself).
const peersRuntimeDir = mkdtempSync(join(tmpdir(), 'vrdma-conformance-peers-'));
process.once('exit', () => rmSync(peersRuntimeDir, { recursive: true, force: true }));

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'host',
          include: ['test/**/*.test.ts'],
          exclude: ['test/rxe/**', 'node_modules/**', 'dist/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'loop0-between-processes',
          include: ['test/conformance/**/*.test.ts'],
          env: { VRDMA_LOOPBACK_SELF_ROUTE: 'peers', VRDMA_RUNTIME_DIR: peersRuntimeDir, VRDMA_HUB_IDLE_MS: '3000' },
        },
      },
      {
        extends: true,
        test: {
          name: 'loop0-between-threads',
          include: ['test/conformance/**/*.test.ts'],
          env: { VRDMA_LOOPBACK_SELF_ROUTE: 'threads' },
        },
      },
    ],
  },
});
