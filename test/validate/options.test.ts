import { describe, it, expect } from 'vitest';
import { checkOptions, checkOptionalBoolean, optionShape } from '../../lib/validate/options.js';
import { closestWord, editDistance } from '../../lib/validate/closest-word.js';
import { InvalidArgumentError } from '../../lib/index.js';

class Thing {}

interface Example {
  readonly depth?: number;
  readonly name?: string;
  readonly on?: boolean;
  readonly big?: bigint;
  readonly extra?: object;
  readonly thing?: Thing;
}

const SHAPE = optionShape<Example>({ depth: 'integer', name: 'string', on: 'boolean', big: 'bigint', extra: 'object', thing: Thing });

function errorOf(fn: () => void): InvalidArgumentError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidArgumentError) return err;
    throw err;
  }
  throw new Error('expected an InvalidArgumentError');
}

describe('checkOptions', () => {
  it('accepts an empty object, every known key with its type, and undefined values', () => {
    expect(() => checkOptions('f()', 'options', {}, SHAPE)).not.toThrow();
    expect(() => checkOptions('f()', 'options', { depth: 3, name: 'x', on: false, big: 1n, extra: {}, thing: new Thing() }, SHAPE)).not.toThrow();
    expect(() => checkOptions('f()', 'options', { depth: undefined, on: undefined }, SHAPE)).not.toThrow();
  });

  it('rejects what is not an object, naming the function and what was given', () => {
    for (const value of [null, undefined, 5, 'depth', [], () => 1]) {
      const err = errorOf(() => checkOptions('createCq()', 'init', value, SHAPE));
      expect(err.argument).toBe('init');
      expect(err.message).toContain('createCq() expects an object');
    }
    expect(errorOf(() => checkOptions('f()', 'o', null, SHAPE)).message).toMatch(/got null$/);
    expect(errorOf(() => checkOptions('f()', 'o', [], SHAPE)).message).toMatch(/got an array$/);
    expect(errorOf(() => checkOptions('f()', 'o', () => 1, SHAPE)).message).toMatch(/got a function$/);
  });

  it('rejects a value of the wrong type with the key, the function, the expected type and the value given', () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ on: 'yes' }, 'options.on', /f\(\) expects a boolean, got "yes"/],
      [{ depth: '5' }, 'options.depth', /expects an integer, got "5"/],
      [{ depth: 1.5 }, 'options.depth', /expects an integer, got 1\.5/],
      [{ depth: NaN }, 'options.depth', /got NaN/],
      [{ name: 7 }, 'options.name', /expects a string, got 7/],
      [{ big: 3 }, 'options.big', /expects a bigint, got 3/],
      [{ extra: null }, 'options.extra', /expects an object, got null/],
      [{ thing: {} }, 'options.thing', /expects a Thing, got an object/],
    ];
    for (const [value, argument, message] of cases) {
      const err = errorOf(() => checkOptions('f()', 'options', value, SHAPE));
      expect(err.code).toBe('ERR_INVALID_ARG');
      expect(err.argument).toBe(argument);
      expect(err.message).toMatch(message);
    }
  });

  it('rejects an unknown key, suggesting the nearest known one and listing them all', () => {
    const err = errorOf(() => checkOptions('f()', 'options', { dept: 3 }, SHAPE));
    expect(err.argument).toBe('options.dept');
    expect(err.message).toContain('f() has no option "dept" (did you mean "depth"?)');
    expect(err.message).toContain('it takes: depth, name, on, big, extra, thing');
    expect(errorOf(() => checkOptions('f()', 'options', { Depth: 3 }, SHAPE)).message).toContain('did you mean "depth"?');
    expect(errorOf(() => checkOptions('f()', 'options', { nam: 'x' }, SHAPE)).message).toContain('did you mean "name"?');
    expect(errorOf(() => checkOptions('f()', 'options', { colour: 'red' }, SHAPE)).message).not.toContain('did you mean');
  });

  it('rejects an unknown key even when its value is undefined', () => {
    expect(errorOf(() => checkOptions('f()', 'options', { nope: undefined }, SHAPE)).argument).toBe('options.nope');
  });

  it('treats names of Object.prototype as unknown, and ignores inherited keys', () => {
    expect(errorOf(() => checkOptions('f()', 'options', { toString: 'x' }, SHAPE)).argument).toBe('options.toString');
    expect(errorOf(() => checkOptions('f()', 'options', JSON.parse('{"__proto__": 1}'), SHAPE)).argument).toBe('options.__proto__');
    const inherited = Object.create({ nope: 1 }) as object;
    expect(() => checkOptions('f()', 'options', inherited, SHAPE)).not.toThrow();
  });

  it('gives a frozen shape without a prototype', () => {
    expect(Object.isFrozen(SHAPE)).toBe(true);
    expect(Object.getPrototypeOf(SHAPE)).toBeNull();
  });
});

describe('checkOptionalBoolean', () => {
  it('accepts a boolean or undefined and names the field of the request otherwise', () => {
    expect(() => checkOptionalBoolean('postSend()', 'wr[0]', 'signaled', true)).not.toThrow();
    expect(() => checkOptionalBoolean('postSend()', 'wr[0]', 'signaled', undefined)).not.toThrow();
    const err = errorOf(() => checkOptionalBoolean('postSend()', 'wr[2]', 'signaled', 'yes'));
    expect(err.argument).toBe('wr[2].signaled');
    expect(err.message).toContain('postSend() expects a boolean, got "yes"');
  });
});

describe('closestWord', () => {
  it('measures edits', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('hub', 'hubb')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('finds a near miss, a prefix or another case, and nothing for a far word', () => {
    const known = ['port', 'gidIndex', 'hub', 'hubAddress', 'hubToken'];
    expect(closestWord('hubb', known)).toBe('hub');
    expect(closestWord('gidindex', known)).toBe('gidIndex');
    expect(closestWord('hubAddr', known)).toBe('hubAddress');
    expect(closestWord('prot', known)).toBe('port');
    expect(closestWord('device', known)).toBeUndefined();
    expect(closestWord('x', [])).toBeUndefined();
  });
});
