import { describe, expect, it } from '@jest/globals';
import { compareDecimals, decimalsEqual, isDecimal, negateDecimal, sumDecimals } from './decimal.arithmetic.js';

describe('decimal arithmetic', () => {
  it('recognises xs:decimal and nothing else', () => {
    for (const text of ['0', '12', '-0.5', '+3.', '.25', '12829687.50', '-225.14']) expect(isDecimal(text)).toBe(true);
    for (const text of ['', '-', '.', '12,50', '1e3', '1 000', 'NaN', '0x10', '1.2.3']) expect(isDecimal(text)).toBe(false);
  });

  it('adds exactly where floats would not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumDecimals(['0.1', '0.2'])).toBe('0.3');
    expect(sumDecimals(['0.1', '0.20'])).toBe('0.30');
    expect(sumDecimals(['314.86', '22.04'])).toBe('336.90');
    expect(sumDecimals(['10', '-0.01'])).toBe('9.99');
    expect(sumDecimals(['-0.5', '.25'])).toBe('-0.25');
    expect(sumDecimals(['99999999999999999.99', '0.01'])).toBe('100000000000000000.00');
    expect(sumDecimals([])).toBe('0');
  });

  it('negates and compares by value', () => {
    expect(negateDecimal('12.5')).toBe('-12.5');
    expect(negateDecimal('-0.05')).toBe('0.05');
    expect(negateDecimal('0')).toBe('0');
    expect(compareDecimals('336.9', '336.90')).toBe(0);
    expect(compareDecimals('+3.', '3')).toBe(0);
    expect(compareDecimals('-1', '0.5')).toBe(-1);
    expect(compareDecimals('10.01', '10.001')).toBe(1);
    expect(decimalsEqual('0.0', '-0')).toBe(true);
  });

  it('refuses to compute with what is no decimal', () => {
    expect(() => sumDecimals(['1', '1,5'])).toThrow(RangeError);
  });
});
