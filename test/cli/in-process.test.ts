/** runCli in this process with fake streams: progress only on a terminal. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../lib/cli/run-cli.js';
import type { CliIo } from '../../lib/cli/io.js';
import { parseSize, formatSize } from '../../lib/cli/size.js';
import { renderTree } from '../../lib/cli/tree.js';
import { tempFixture } from '../sriov/fixtures/index.js';

function fakeIo(tty: boolean): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stderrIsTty: tty, stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } };
}

describe('runCli', () => {
  it('shows doctor progress on stderr only when stderr is a terminal', async () => {
    const fx = tempFixture('rxe');
    const saved = process.env['VRDMA_SYSFS'];
    try {
      const tty = fakeIo(true);
      await runCli(['doctor', '--sysfs', fx.root], tty);
      expect(tty.err.join('')).toContain('checking memlock limit ...');
      expect(tty.err.join('')).toContain('\r\x1b[2K');
      const pipe = fakeIo(false);
      await runCli(['doctor', '--json', '--sysfs', fx.root], pipe);
      expect(pipe.err).toEqual([]);
      expect(JSON.parse(pipe.out.join(''))).toHaveProperty('checks');
    } finally {
      if (saved === undefined) delete process.env['VRDMA_SYSFS'];
      else process.env['VRDMA_SYSFS'] = saved;
      fx.dispose();
    }
  });

  it('returns 2 for usage errors and never throws', async () => {
    const io = fakeIo(false);
    expect(await runCli(['nope'], io)).toBe(2);
    expect(io.err.join('')).toContain('[ERR_USAGE]');
  });
});

describe('CLI helpers', () => {
  it('parses and formats sizes', () => {
    expect(parseSize('67108864', '--x')).toBe(67108864);
    expect(parseSize('64M', '--x')).toBe(64 * 1024 * 1024);
    expect(parseSize('2GiB', '--x')).toBe(2 * 1024 ** 3);
    expect(parseSize('4k', '--x')).toBe(4096);
    expect(() => parseSize('-1', '--x')).toThrow(/wants a size/);
    expect(() => parseSize('1.5G', '--x')).toThrow(/wants a size/);
    expect(formatSize(8388608)).toBe('8 MiB');
    expect(formatSize(1536)).toBe('1.5 KiB');
    expect(formatSize(100)).toBe('100 bytes');
  });

  it('draws trees', () => {
    expect(renderTree({ label: 'a', children: [{ label: 'b', children: [{ label: 'c' }] }, { label: 'd' }] })).toEqual([
      'a', '├─ b', '│  └─ c', '└─ d',
    ]);
  });
});
