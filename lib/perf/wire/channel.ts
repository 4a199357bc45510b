/**
 * What the perftest exchange runs over: perftest's TCP connection
 * (`OobLink`), or, with `-R`, a SEND/RECV connection made by rdma_cm
 * (`CmLink`). Every step of the exchange is one message of a fixed size.
 */
export interface OobChannel {
  /**
   * Send one message.
   * @throws RdmaError `ERR_PERF_PEER_GONE` when the connection is gone.
   */
  write(bytes: Uint8Array): void | Promise<void>;
  /**
   * The peer's next `n` bytes: on a stream, exactly `n`; on a message
   * channel, the next message (at least `n` bytes).
   * @throws RdmaError `ERR_PERF_PEER_GONE` when the connection ends first, `ERR_PERF_WIRE` for a short message, or `ERR_TIMEOUT` after `timeoutMs`.
   */
  read(n: number, timeoutMs: number): Promise<Buffer>;
  /**
   * The exchange's own ending after its last step: over TCP, `"done"` with
   * its NUL, then close; over rdma_cm nothing (the connection stays until
   * the test's connections are down). Never throws.
   */
  end(): Promise<void>;
  /** Close (idempotent). Never throws. */
  close(): Promise<void>;
}
