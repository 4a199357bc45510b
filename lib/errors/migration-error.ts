import { RdmaError } from './rdma-error.js';

/**
 * The steps of a memory migration, in order: the `phase` a
 * `MigrationError` names.
 */
export const MigrationPhase = {
  /** Agreeing on the image layout (and the pages the target already holds). */
  SETUP: 'setup',
  /** Copying rounds while the source keeps running. */
  PRECOPY: 'precopy',
  /** The source's writer is paused; the last dirty pages move. */
  STOP_AND_COPY: 'stop-and-copy',
  /** Comparing the page hashes of both sides. */
  VERIFY: 'verify',
  /** Verified; the caller's switchover step and the final message. */
  SWITCHOVER: 'switchover',
  /** After switchover: the target reads or copies deferred pages from the source. */
  DEFERRED: 'deferred',
} as const;

/** One `MigrationPhase` value. */
export type MigrationPhase = (typeof MigrationPhase)[keyof typeof MigrationPhase];

/**
 * A memory migration did not complete. `code` is `"ERR_MIGRATION_ABORTED"`;
 * `phase` says where it stopped; `cause` is what stopped it (the peer went
 * away: a `WorkCompletionError` or `ERR_PEER_GONE`; the peer gave up; a
 * verification mismatch; an `AbortedError`). The source's image is never
 * written by a migration, so it is as the source's own writer left it.
 */
export class MigrationError extends RdmaError {
  /** The step the migration was in. */
  readonly phase: MigrationPhase;

  constructor(phase: MigrationPhase, message: string, options?: { cause?: unknown }) {
    super('ERR_MIGRATION_ABORTED', `migration aborted during ${phase}: ${message}`, options);
    this.name = 'MigrationError';
    this.phase = phase;
  }
}

/** The words of an error a migration stopped on, for messages (a `MigrationError` without its phase prefix). */
export function migrationReason(cause: unknown): string {
  if (cause instanceof MigrationError) return cause.message.replace(/^migration aborted during [a-z-]+: /, '');
  return cause instanceof Error ? cause.message : String(cause);
}
