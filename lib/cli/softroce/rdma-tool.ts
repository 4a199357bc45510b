import { spawnSync } from 'node:child_process';
import { findProgram } from './find-program.js';
import { SoftRoceError, SoftRoceErrorCode } from './softroce-error.js';

/** What one run of the `rdma` tool gave. */
export interface RdmaToolResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The `rdma` program: `VRDMA_RDMA_TOOL` when set, else `rdma` on PATH, else undefined. Never throws. */
export function rdmaToolPath(): string | undefined {
  return findProgram(process.env['VRDMA_RDMA_TOOL'] || 'rdma');
}

/**
 * Run `rdma ARGS...` and return its status and output.
 * @throws SoftRoceError `ERR_NO_RDMA_TOOL` when the tool is not installed.
 */
export function runRdmaTool(args: readonly string[]): RdmaToolResult {
  const tool = rdmaToolPath();
  if (tool === undefined) {
    throw new SoftRoceError(SoftRoceErrorCode.NO_RDMA_TOOL, 'the "rdma" tool (iproute2) is not on PATH', 'install iproute2 (Debian: apt-get install iproute2)');
  }
  const r = spawnSync(tool, [...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? r.error.message : '') };
}

/**
 * The typed error for a failed `rdma link add|delete`, from its output:
 * EPERM needs CAP_NET_ADMIN; no netlink RDMA socket or an unknown link type
 * means no rdma_rxe; otherwise `ERR_RDMA_TOOL` with the tool's own words.
 * Never throws.
 */
export function rdmaToolError(action: string, result: RdmaToolResult): SoftRoceError {
  const said = `${result.stderr}\n${result.stdout}`.trim().replace(/\s+/g, ' ');
  const what = `${action} failed: ${said || `exit status ${result.status}`}`;
  if (/Operation not permitted|EPERM|Permission denied/i.test(said)) {
    return new SoftRoceError(SoftRoceErrorCode.NEEDS_CAP_NET_ADMIN, `${what} (needs CAP_NET_ADMIN)`, 'run it as root (sudo), or give the process CAP_NET_ADMIN');
  }
  if (/NETLINK_RDMA|Protocol not supported|Unknown device type|Unknown link type|No such file or directory|Operation not supported/i.test(said)) {
    return new SoftRoceError(SoftRoceErrorCode.NO_RXE, `${what} (this kernel cannot create rxe links)`, 'load rdma_rxe ("modprobe rdma_rxe"), or use "vrdma softroce run" to get rxe in a VM');
  }
  return new SoftRoceError(SoftRoceErrorCode.RDMA_TOOL_FAILED, what, 'see the message of the rdma tool above; "vrdma softroce status" shows what this kernel has');
}
