import type { Command } from './command.js';

/** Help for the global options, shared by every command's help. */
export const GLOBAL_HELP = `Global options:
  --json         write one JSON document to stdout (errors: JSON on stderr)
  --sysfs DIR    read sysfs from DIR instead of /sys (env VRDMA_SYSFS)
  -h, --help     show help
  --version      show the version`;

/** Exit codes, shared by the help texts. */
export const EXIT_HELP = `Exit codes:
  0  done (doctor: some provider works, no check failed)
  1  failed (doctor: a check failed)
  2  bad command line`;

/** The top-level help text. */
export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `Usage: vrdma <command> [options]

RDMA devices, SR-IOV topology and a preflight check, for vrdma (RDMA verbs for Node.js).

Commands:
${list}

${GLOBAL_HELP}

Environment:
  VRDMA_SYSFS            sysfs root (default /sys)
  VRDMA_PROCFS           procfs root for doctor (default /proc)
  VRDMA_MODULES_DIR      kernel modules root for doctor (default /lib/modules)
  VRDMA_KERNEL_RELEASE   kernel release doctor looks for there (default: uname -r)

${EXIT_HELP}

Run "vrdma <command> --help" for a command's options.
`;
}
