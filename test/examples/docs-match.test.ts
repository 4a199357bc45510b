// The code the README and docs show is the code the examples run, and every
// module a documented snippet imports is one the package exports.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (rel: string): string => readFileSync(`${ROOT}${rel}`, 'utf8');

/** The fenced code blocks of a Markdown text (their contents, without the fences). */
function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```(?:ts|js|typescript|javascript)\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

describe('docs show the examples as they run', () => {
  it("README's first program is examples/two-processes.ts", () => {
    expect(codeBlocks(read('README.md'))).toContain(read('examples/two-processes.ts'));
  });

  it("docs/loopback.md's worker program is examples/workers.ts", () => {
    expect(codeBlocks(read('docs/loopback.md'))).toContain(read('examples/workers.ts'));
  });

  it("docs/cm.md's program is examples/cm.ts", () => {
    expect(codeBlocks(read('docs/cm.md'))).toContain(read('examples/cm.ts'));
  });

  it('every module a documented snippet imports is exported by the package (or is built in)', () => {
    const pkg = JSON.parse(read('package.json')) as { exports: Record<string, unknown> };
    const entryPoints = Object.keys(pkg.exports).map((k) => (k === '.' ? 'vrdma' : `vrdma/${k.slice(2)}`));
    const files = ['README.md', ...readdirSync(`${ROOT}docs`).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const bad: string[] = [];
    for (const file of files) {
      for (const block of codeBlocks(read(file))) {
        for (const [, spec] of block.matchAll(/\bfrom '([^']+)'/g)) {
          if (!spec!.startsWith('node:') && !entryPoints.includes(spec!)) bad.push(`${file}: ${spec}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});
