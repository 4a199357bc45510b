import type { RigOptions } from '../verbs/rig.js';

/** Check rig options that crossed a thread or process boundary. @throws Error when malformed. */
export function parseRigOptions(value: unknown): RigOptions {
  if (value === null || typeof value !== 'object') throw new Error('rig options: not an object');
  const v = value as Record<string, unknown>;
  const device = v['device'];
  const hub = v['hub'];
  const maxSize = v['maxSize'];
  const maxInline = v['maxInline'];
  const gidIndex = v['gidIndex'];
  if (typeof device !== 'string' || typeof hub !== 'boolean' || typeof maxSize !== 'number' || typeof maxInline !== 'number') {
    throw new Error(`rig options: malformed ${JSON.stringify(value)}`);
  }
  if (gidIndex !== undefined && typeof gidIndex !== 'number') throw new Error('rig options: gidIndex must be a number');
  return { device, hub, maxSize, maxInline, ...(gidIndex === undefined ? {} : { gidIndex }) };
}
