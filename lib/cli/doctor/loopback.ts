import type { Check } from './check.js';

/**
 * Whether the loopback provider works here: opens `loop0` privately (no
 * hub), builds a queue pair and closes it. It needs nothing from the kernel,
 * so it fails only on a broken installation.
 */
export const checkLoopback: Check = async () => {
  const id = 'loopback';
  const title = 'loopback provider (loop0)';
  try {
    const { openDevice, QpType } = await import('../../index.js');
    const ctx = await openDevice('loop0', { hub: false });
    try {
      ctx.allocPd().createQp({ type: QpType.RC, sendCq: ctx.createCq({ depth: 4 }) });
    } finally {
      ctx.close();
    }
    return { id, title, status: 'ok', detail: 'loop0 works: RDMA verbs in TypeScript, between threads and processes of this host, no kernel support needed' };
  } catch (err) {
    return {
      id, title, status: 'fail',
      detail: `loop0 does not open: ${err instanceof Error ? err.message : String(err)}`,
      fix: 'reinstall vrdma (npm install vrdma); the package looks damaged',
    };
  }
};
