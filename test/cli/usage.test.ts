import { describe, expect, it } from 'vitest';
import { jsonOf, runVrdma } from './run-vrdma.js';

describe('vrdma command line', () => {
  it('--help lists the commands and exits 0', () => {
    const r = runVrdma(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: vrdma <command> \[options\]/);
    for (const c of ['devices', 'sriov', 'doctor', 'hub']) expect(r.stdout).toContain(`  ${c} `);
    expect(r.stdout).toContain('--sysfs DIR');
  });

  it('prints a command\'s help with --help, -h or "help <command>"', () => {
    expect(runVrdma(['doctor', '--help']).stdout).toMatch(/^Usage: vrdma doctor/);
    expect(runVrdma(['help', 'sriov']).stdout).toMatch(/^Usage: vrdma sriov/);
    expect(runVrdma(['devices', '-h']).stdout).toMatch(/^Usage: vrdma devices/);
  });

  it('with no command prints help to stderr and exits 2', () => {
    const r = runVrdma([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: vrdma');
  });

  it('rejects unknown commands and options with exit 2', () => {
    const cmd = runVrdma(['frob']);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toContain('unknown command "frob"');
    const opt = runVrdma(['sriov', '--frob']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toContain("Unknown option '--frob'");
    const json = runVrdma(['doctor', '--frob', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'ERR_USAGE' } });
    expect(runVrdma(['sriov', '--sysfs']).code).toBe(2);
    expect(runVrdma(['doctor', 'extra']).code).toBe(2);
  });

  it('suggests the closest command or option for a typo', () => {
    expect(runVrdma(['doctr']).stderr).toContain('unknown command "doctr" (did you mean "doctor"?)');
    expect(runVrdma(['devcies']).stderr).toContain('(did you mean "devices"?)');
    expect(runVrdma(['hub', 'stpo']).stderr).toContain('unknown hub action "stpo" (did you mean "stop"?)');
    expect(runVrdma(['doctor', '--jsno']).stderr).toContain('(did you mean "--json"?)');
    expect(runVrdma(['zzzzzz']).stderr).not.toContain('did you mean');
  });

  it('reports every failure as JSON on stderr under --json', () => {
    for (const args of [[], ['frob'], ['hub', 'frob'], ['doctor', '--memlock-bytes', 'lots'], ['hub', 'status', '--listen', 'tcp://[::1']]) {
      const r = runVrdma([...args, '--json']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(JSON.parse(r.stderr), args.join(' ')).toMatchObject({ error: { code: expect.stringMatching(/^ERR_/), message: expect.any(String) } });
    }
  });

  it('prints the version', () => {
    expect(runVrdma(['--version']).stdout).toMatch(/^vrdma \d+\.\d+\.\d+/);
    expect(jsonOf(runVrdma(['--version', '--json']))).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });
});
