import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * The little a hub keeps across restarts: the next LID to hand out, so a
 * restarted hub does not give a dead client's LID to a new node at once.
 */
export class HubStateFile {
  constructor(readonly path: string) {}

  /** The stored next LID, or undefined when there is none (never throws). */
  readNextLid(): number | undefined {
    try {
      const v: unknown = JSON.parse(readFileSync(this.path, 'utf8'));
      const lid = typeof v === 'object' && v !== null ? (v as { nextLid?: unknown }).nextLid : undefined;
      return typeof lid === 'number' && Number.isInteger(lid) ? lid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Store the next LID (best effort, never throws). */
  writeNextLid(lid: number): void {
    try {
      const tmp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ nextLid: lid }), { mode: 0o600 });
      renameSync(tmp, this.path);
    } catch {
      // losing the hint only means LIDs may be reused sooner
    }
  }
}
