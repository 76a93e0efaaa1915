import { describe, expect, it } from '@jest/globals';
import { InputError, isRetryable } from '@app/contracts';
import { describePosition, positionOf, xmlRefusal } from './xml.errors.js';

describe('xmlRefusal', () => {
  it('is a permanent InputError: 413 for too-large, 400 otherwise', () => {
    const tooLarge = xmlRefusal('too-large', 'big');
    expect(tooLarge).toBeInstanceOf(InputError);
    expect(tooLarge).toMatchObject({ code: 'too-large', httpStatus: 413, message: 'big', name: 'InputError' });
    expect(isRetryable(tooLarge)).toBe(false);
    expect(xmlRefusal('doctype', 'no')).toMatchObject({ code: 'doctype', httpStatus: 400 });
  });
});

describe('positionOf', () => {
  it('counts lines for LF, CR LF and CR, columns in characters', () => {
    const text = 'ab\ncd\r\nef\rg😀h';
    expect(positionOf(text, 0)).toEqual({ line: 1, column: 1 });
    expect(positionOf(text, 4)).toEqual({ line: 2, column: 2 });
    expect(positionOf(text, 7)).toEqual({ line: 3, column: 1 });
    expect(positionOf(text, text.indexOf('h'))).toEqual({ line: 4, column: 3 });
    expect(describePosition(text, 999)).toBe('line 4, column 4');
  });
});
