// The repository root, found the same way from a test's source (test/...)
// and from its compiled form (dist/test/...), so that paths built from it
// (dist/lib/cli/main.js, a compiled helper script) are right from both.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The nearest directory at or above `from` that holds a package.json.
 * @throws Error when there is none.
 */
export function packageRootAbove(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** The repository root (dist/ has no package.json of its own). */
export const repoRoot = packageRootAbove(dirname(fileURLToPath(import.meta.url)));
