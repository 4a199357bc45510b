import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { softRoceScriptsDir } from './scripts-dir.js';
import { findProgram } from './find-program.js';
import { SoftRoceError, SoftRoceErrorCode } from './softroce-error.js';

/** How to run a command in the Soft-RoCE VM(s). */
export interface VmRunOptions {
  /** The command and its arguments. */
  readonly command: readonly string[];
  /** The folder shared with the guest, where the command runs. */
  readonly project: string;
  /** 1 or 2 VMs. */
  readonly hosts: 1 | 2;
  readonly cpus?: number;
  readonly memoryMiB?: number;
  readonly timeoutS?: number;
  /** Add QEMU's emulated NVMe controller with SR-IOV. */
  readonly nvmeSriov?: boolean;
  /** Give every VM one ivshmem device over a shared host file of this many MiB (a power of two). */
  readonly ivshmemMiB?: number;
}

/** The arguments of `run-vm.sh` for these options. Never throws. */
export function vmRunArgs(o: VmRunOptions): string[] {
  const args = ['--project', o.project, '--hosts', String(o.hosts)];
  if (o.cpus !== undefined) args.push('--cpus', String(o.cpus));
  if (o.memoryMiB !== undefined) args.push('--memory', String(o.memoryMiB));
  if (o.timeoutS !== undefined) args.push('--timeout', String(o.timeoutS));
  if (o.nvmeSriov === true) args.push('--nvme-sriov');
  if (o.ivshmemMiB !== undefined) args.push('--ivshmem', String(o.ivshmemMiB));
  return [...args, '--', ...o.command];
}

/**
 * Boot the VM(s) with the shipped runner (`softroce/run-vm.sh`), run the
 * command there with the output on this process's stdout and stderr, and
 * resolve with its exit status (124: timeout, 125: the VM could not run it).
 * @throws SoftRoceError `ERR_VM_UNAVAILABLE` when the runner or bash is missing.
 */
export function runInVm(o: VmRunOptions): Promise<number> {
  const dir = softRoceScriptsDir();
  const bash = findProgram('bash');
  if (dir === undefined || bash === undefined) {
    throw new SoftRoceError(SoftRoceErrorCode.VM_UNAVAILABLE, dir === undefined ? 'the VM scripts (softroce/run-vm.sh) are not in this vrdma install' : 'bash is not on PATH', 'reinstall vrdma; "vrdma softroce status" lists what the VM needs');
  }
  return runChild(bash, [join(dir, 'run-vm.sh'), ...vmRunArgs(o)], o.project, {});
}

/**
 * Run the command here, directly, with the output on this process's streams
 * (for kernels that have an rxe link already, and inside the VM).
 * Resolves with its exit status; 127 when it cannot be started. Never rejects.
 */
export function runHere(command: readonly string[], cwd: string): Promise<number> {
  return runChild(command[0] ?? 'true', command.slice(1), cwd, { VRDMA_HOST_INDEX: '0' });
}

function runChild(file: string, args: readonly string[], cwd: string, env: Readonly<Record<string, string>>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(file, [...args], { cwd, stdio: 'inherit', env: { ...process.env, ...env } });
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const done = (code: number) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      process.stderr.write(`vrdma softroce: cannot run ${file}: ${err.message}\n`);
      done(127);
    });
    child.on('close', (code, signal) => done(code ?? (signal !== null ? 128 + constants.signals[signal] : 1)));
  });
}

