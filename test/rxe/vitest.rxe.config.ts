// Vitest configuration for the suites that need a real RDMA device.
// Run inside the Soft-RoCE VM (see docs/soft-roce.md):
//
//   npm run test:rxe
//   bash test/rxe/run-in-vm.sh -- npx vitest run --config test/rxe/vitest.rxe.config.ts
//
// The VM is slow (emulated CPU, no KVM), so timeouts are generous. Every test
// file runs in one worker process, one file after another: they share the one
// rxe0 device (and, with --nvme-sriov, the one NVMe physical function), and
// under emulation starting Node and loading the test framework once per file
// cost about 9 s each. Test files must therefore leave no global state behind
// (open devices, changed environment variables); each closes what it opens.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  root,
  test: {
    include: [
      'test/conformance/**/*.test.ts',
      'test/native/**/*.test.ts',
      'test/interop/**/*.test.ts',
      'test/sriov-vm/**/*.test.ts',
      'test/cli/doctor-real.test.ts',
      'test/cli/softroce-real.test.ts',
      'test/package/rxe-consumer.test.ts',
    ],
    exclude: ['node_modules/**', 'dist/**'],
    env: {
      VRDMA_TEST_PROVIDER: 'native',
      VRDMA_TEST_DEVICE: process.env.VRDMA_TEST_DEVICE ?? 'rxe0',
    },
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    isolate: false,
    fileParallelism: false,
    // Tests marked concurrent (perftest pairs) run two at a time: the VM has two CPUs.
    maxConcurrency: 2,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
});
