import { WcStatus } from './constants/wc-status.js';
import { WorkCompletionError } from './errors/work-completion-error.js';
import type { WorkCompletion } from './types/work-request.js';

/**
 * Return the completion when it succeeded.
 * @throws WorkCompletionError naming its status when it failed.
 */
export function checkCompletion(wc: WorkCompletion): WorkCompletion {
  if (wc.status !== WcStatus.SUCCESS) throw new WorkCompletionError(wc.status, wc.wrId, wc.opcode, wc.vendorErr);
  return wc;
}
