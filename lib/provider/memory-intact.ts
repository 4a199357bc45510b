import type { MrBackend } from './spi.js';

/**
 * True while a region's bytes are all still there. A view of an
 * `ArrayBuffer` that was detached (transferred) after registration reports
 * 0 bytes, so a region whose view no longer spans its registered length
 * has lost its memory: local use of it is a protection error
 * (LOC_PROT_ERR), remote use an access error (REM_ACCESS_ERR).
 */
export function memoryIntact(mr: Pick<MrBackend, 'bytes' | 'length'>): boolean {
  return mr.bytes.byteLength === mr.length;
}
