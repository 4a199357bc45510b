import type { CliIo } from './io.js';
import { toJson } from './json.js';

function field(err: unknown, name: string): string | undefined {
  if (err !== null && typeof err === 'object' && name in err) {
    const v: unknown = (err as Record<string, unknown>)[name];
    return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}

/**
 * Write an error to stderr: `vrdma: <message> [<code>]` as text, or
 * `{"error": {"code", "message", "hint"?}}` with `--json`.
 */
export function reportError(io: CliIo, err: unknown, json: boolean): void {
  const message = err instanceof Error ? err.message : String(err);
  const code = field(err, 'code') ?? 'ERR_UNEXPECTED';
  const hint = field(err, 'hint');
  if (json) {
    io.stderr.write(toJson({ error: { code, message, ...(hint !== undefined && !message.includes(hint) ? { hint } : {}) } }));
    return;
  }
  io.stderr.write(`vrdma: ${message} [${code}]\n`);
  if (hint !== undefined && !message.includes(hint)) io.stderr.write(`  fix: ${hint}\n`);
}
