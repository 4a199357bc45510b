import { nowUs } from '../core/clock.js';
import { median } from '../core/stats.js';

/** A copy-bandwidth figure for one size. */
export interface CopyFigure {
  readonly size: number;
  readonly iters: number;
  /** MiB/s, median of the runs. */
  readonly mbps: number;
  /** Million copies per second. */
  readonly mpps: number;
}

type Copier = (src: Uint8Array, dst: Uint8Array, size: number) => void;

function timeCopies(copy: Copier, src: Uint8Array, dst: Uint8Array, size: number, iters: number): number {
  const warm = Math.max(1, iters >> 3);
  for (let i = 0; i < warm; i++) copy(src, dst, size);
  const t0 = nowUs();
  for (let i = 0; i < iters; i++) copy(src, dst, size);
  return (nowUs() - t0) / 1e6;
}

function measureCopy(copy: Copier, make: (n: number) => Uint8Array, size: number, byteBudget: number, maxIters: number, repeat: number): CopyFigure {
  const src = make(size);
  const dst = make(size);
  for (let i = 0; i < size; i++) src[i] = i & 0xff;
  const iters = Math.max(16, Math.min(maxIters, Math.floor(byteBudget / size)));
  const secs: number[] = [];
  for (let r = 0; r < repeat; r++) secs.push(timeCopies(copy, src, dst, size, iters));
  const s = median(secs);
  return { size, iters, mbps: (size * iters) / s / 1048576, mpps: iters / s / 1e6 };
}

/** `Buffer.copy` between two Buffers of `size` bytes: the one-copy limit for same-host transfers. */
export function bufferCopyBandwidth(size: number, byteBudget: number, maxIters: number, repeat: number): CopyFigure {
  return measureCopy(
    (src, dst, n) => { (src as Buffer).copy(dst, 0, 0, n); },
    (n) => Buffer.allocUnsafeSlow(n),
    size, byteBudget, maxIters, repeat,
  );
}

/** `Uint8Array.prototype.set` between two SharedArrayBuffer views (how loopback moves payloads). */
export function typedArraySetBandwidth(size: number, byteBudget: number, maxIters: number, repeat: number): CopyFigure {
  return measureCopy(
    (src, dst) => { dst.set(src); },
    (n) => new Uint8Array(new SharedArrayBuffer(n)),
    size, byteBudget, maxIters, repeat,
  );
}
