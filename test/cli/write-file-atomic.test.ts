import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../lib/cli/write-file-atomic.js';
import { repoRoot } from '../repo-root.js';

describe('writeFileAtomic', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
  const tempDir = (): string => { const d = mkdtempSync(join(tmpdir(), 'vrdma-atomic-')); dirs.push(d); return d; };

  it('replaces the file with the whole new text and leaves no temporary file', () => {
    const dir = tempDir();
    const file = join(dir, 'out.json');
    writeFileAtomic(file, '{"a":1}\n');
    writeFileAtomic(file, '{"b":2}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"b":2}\n');
    expect(readdirSync(dir)).toEqual(['out.json']);
  });

  it('two writers of one path at once leave one whole document, never a mix (the perf server and client on one host)', async () => {
    const dir = tempDir();
    const file = join(dir, 'both.json');
    // Of different lengths, so that two plain writes of one file interleaving would leave a torn or padded document.
    const doc = (tag: string, n: number): string => JSON.stringify({ tag, pad: tag.repeat(n) });
    const compiled = pathToFileURL(join(repoRoot, 'dist', 'lib', 'cli', 'write-file-atomic.js')).href;
    const script = `
      const { workerData } = require('node:worker_threads');
      import(workerData.compiled).then(({ writeFileAtomic }) => {
        for (let i = 0; i < 40; i++) writeFileAtomic(workerData.file, workerData.text);
      });`;
    const other = new Worker(script, { eval: true, workerData: { compiled, file, text: doc('b', 300_000) } });
    const exited = new Promise((resolve, reject) => { other.on('exit', resolve); other.on('error', reject); });
    for (let i = 0; i < 40; i++) writeFileAtomic(file, doc('a', 900_000));
    await exited;
    const got = JSON.parse(readFileSync(file, 'utf8')) as { tag: string; pad: string };
    expect(got.pad).toBe(got.tag === 'a' ? 'a'.repeat(900_000) : 'b'.repeat(300_000));
    expect(readdirSync(dir)).toEqual(['both.json']);
  });

  it('a reader that opened the old file keeps reading the old whole document (the new one is renamed over it, not written into it)', () => {
    const dir = tempDir();
    const file = join(dir, 'read.json');
    writeFileAtomic(file, '{"old":true}\n');
    const fd = openSync(file, 'r');
    try {
      writeFileAtomic(file, '{"new":true,"longer":"than the old one"}\n');
      expect(readFileSync(fd, 'utf8')).toBe('{"old":true}\n');
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file, 'utf8')).toBe('{"new":true,"longer":"than the old one"}\n');
  });

  it('a folder that does not exist throws, and leaves nothing behind', () => {
    const dir = tempDir();
    expect(() => writeFileAtomic(join(dir, 'missing', 'x.json'), '{}')).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
