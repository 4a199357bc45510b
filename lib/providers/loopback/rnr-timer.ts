/**
 * The RNR NAK timer table of the InfiniBand specification: code 0..31 to
 * milliseconds (code 0 is the longest, 655.36 ms).
 */
const TABLE_MS = [
  655.36, 0.01, 0.02, 0.03, 0.04, 0.06, 0.08, 0.12, 0.16, 0.24, 0.32, 0.48, 0.64, 0.96, 1.28, 1.92,
  2.56, 3.84, 5.12, 7.68, 10.24, 15.36, 20.48, 30.72, 40.96, 61.44, 81.92, 122.88, 163.84, 245.76, 327.68, 491.52,
];

/** Milliseconds to wait after an RNR NAK for a `min_rnr_timer` code. */
export function rnrDelayMs(code: number): number {
  return TABLE_MS[code] ?? 0.64;
}

/**
 * The local ACK timeout for a `timeout` code: 4.096 us * 2^code, in
 * milliseconds (code 0, "wait for ever" in the specification, waits 1 s
 * between retransmissions here).
 */
export function ackTimeoutMs(code: number): number {
  return code === 0 ? 1000 : 0.004096 * 2 ** code;
}
