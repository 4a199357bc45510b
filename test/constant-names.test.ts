// The name helpers of the constants: every value has its key, unknown values
// a marked placeholder, and no input throws.
import { describe, expect, it } from 'vitest';
import {
  AsyncEventType, PortState, QpState, QpType, WcOpcode, WcStatus, WrOpcode,
  asyncEventName, portStateName, qpStateName, qpTypeName, wcOpcodeName, wcStatusName, wrOpcodeName,
} from '../lib/index.js';

const helpers: Array<[string, Readonly<Record<string, number>>, (v: number) => string]> = [
  ['AsyncEventType', AsyncEventType, asyncEventName], ['PortState', PortState, portStateName], ['QpState', QpState, qpStateName],
  ['QpType', QpType, qpTypeName], ['WcOpcode', WcOpcode, wcOpcodeName], ['WcStatus', WcStatus, wcStatusName], ['WrOpcode', WrOpcode, wrOpcodeName],
];

describe('constant names', () => {
  for (const [what, values, name] of helpers) {
    it(`${what}: each value names its key; others are UNKNOWN(<n>)`, () => {
      for (const [key, value] of Object.entries(values)) expect(name(value)).toBe(key);
      expect(name(1000)).toBe('UNKNOWN(1000)');
      expect(name(-1)).toBe('UNKNOWN(-1)');
      expect(name('length' as unknown as number)).toBe('UNKNOWN(length)');
    });
  }
});
