/** Runs the built CLI (`dist/lib/cli/main.js`) as a child process. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../repo-root.js';

/** The built CLI entry point. */
export const CLI = join(repoRoot, 'dist', 'lib', 'cli', 'main.js');

/** What a run produced. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run `node dist/lib/cli/main.js ...args` with `env` added to a clean copy of
 * the environment (VRDMA_* variables of the caller removed).
 * @throws Error when the CLI has not been built.
 */
export function runVrdma(args: readonly string[], env: Readonly<Record<string, string>> = {}): CliRun {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VRDMA_')));
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...base, ...env }, encoding: 'utf8', timeout: process.env['VRDMA_IN_VM'] === '1' ? 120_000 : 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Parse stdout as JSON, failing with the output when it is not. */
export function jsonOf(run: CliRun): unknown {
  try {
    return JSON.parse(run.stdout);
  } catch {
    throw new Error(`stdout is not JSON (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}
