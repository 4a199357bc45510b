/** What one copying round moved. */
export interface RoundReport {
  /** 1, 2, ... in the order the rounds ran. */
  readonly round: number;
  /** `'precopy'` while the source runs; `'stop-and-copy'` with its writer paused; `'repair'` for pages a verification found different. */
  readonly kind: 'precopy' | 'stop-and-copy' | 'repair';
  /** Pages sent. */
  readonly pages: number;
  /** Bytes of those pages. */
  readonly bytes: number;
  /** RDMA WRITEs posted: one per run of at least four consecutive pages (split at `maxWriteBytes`). */
  readonly writes: number;
  /** Pages of shorter runs, packed into messages (SEND) of as many pages as fit. */
  readonly packedPages: number;
  /** Wall time of the round (finding the dirty pages and writing them), in ms. */
  readonly ms: number;
}

/** What a completed migration did, from `MigrationSource.migrate()`. */
export interface MigrationResult {
  /** Every round, in order (pre-copy rounds, then stop-and-copy, then repairs if any). */
  readonly rounds: readonly RoundReport[];
  /** Bytes of the image. */
  readonly imageBytes: number;
  /** Bytes of pages deferred (shared): not copied, read from the source on demand. */
  readonly deferredBytes: number;
  /** Bytes of pages the target already held (same hash at the same place): not copied. */
  readonly presentBytes: number;
  /** Bytes of the pages sent over all rounds. */
  readonly bytesMoved: number;
  /** `bytesMoved` divided by the bytes that had to be on the target (`imageBytes - deferredBytes`). */
  readonly moveRatio: number;
  /** Time the writer was paused until the target had a verified image: stop-and-copy, verification and switchover, in ms. */
  readonly pauseMs: number;
  /** Of `pauseMs`: the stop-and-copy round alone. */
  readonly stopAndCopyMs: number;
  /** Of `pauseMs`: comparing page hashes (and repairing), in ms. */
  readonly verifyMs: number;
  /** Pages the verification found different on the target and sent again (0 normally). */
  readonly repairedPages: number;
  /** Pages compared equal by hash on both sides. */
  readonly verifiedPages: number;
  /** Always true: a migration that fails verification rejects. */
  readonly verified: true;
  /** Resolves true once the target holds every deferred page (at once when there were none), false if the connection ended first. */
  readonly released: Promise<boolean>;
}
