// The rxe suites of vitest.rxe.config.ts, run from their compiled form in
// dist/ (`npm run build` makes it; `npm run test:rxe` builds first).
//
// Under the VM's emulated CPU, turning TypeScript into JavaScript and loading
// the library module by module through the test runner cost more than a third
// of the whole run. Here the test files are already JavaScript, and they and
// the library they import are loaded by Node itself, once, shared by every
// test file of the one worker process. Same files, same order, same options
// as the source configuration; only the paths differ.
//
//   npm run test:rxe                      # uses this configuration
//   bash test/rxe/run-in-vm.sh -- node_modules/.bin/vitest run \
//     --config test/rxe/vitest.rxe.compiled.config.ts dist/test/native/gid
import { defineConfig } from 'vitest/config';
import source from './vitest.rxe.config.js';

/** `test/x/**\/*.test.ts` -> `dist/test/x/**\/*.test.js`. */
function compiled(pattern: string): string {
  return `dist/${pattern.replace(/\.ts$/, '.js')}`;
}

export default defineConfig({
  ...source,
  test: {
    ...source.test,
    include: (source.test?.include ?? []).map(compiled),
    exclude: ['node_modules/**'],
    // Everything under dist/ (library, tests, helpers) is loaded by Node's own
    // module loader, not transformed by the runner.
    server: { deps: { external: [/\/dist\/(lib|bench|examples|test)\//] } },
  },
});
