/** Shared words of the wake-up echo between the main thread and `wake-echo-worker.ts`. */
export const Echo = {
  /** The last ping number the main thread sent. */
  PING: 0,
  /** The last ping number the worker answered. */
  PONG: 16,
} as const;

/** What the echo worker gets as `workerData`. */
export interface EchoData {
  readonly words: SharedArrayBuffer;
  readonly mainBlock: SharedArrayBuffer;
  readonly workerBlock: SharedArrayBuffer;
}
