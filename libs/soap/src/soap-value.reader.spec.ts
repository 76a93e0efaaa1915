import { describe, expect, it } from '@jest/globals';
import { soapText } from './soap-value.reader.js';

describe('soapText', () => {
  it('reads plain values and node-soap attribute objects alike', () => {
    expect(soapText('akten')).toBe('akten');
    expect(soapText({ attributes: { 'xsi:type': 'xsd:string' }, $value: 'akten' })).toBe('akten');
    expect(soapText(12.5)).toBe('12.5');
    expect(soapText(false)).toBe('false');
    expect(soapText(new Date('2025-01-02T03:04:05Z'))).toBe('2025-01-02T03:04:05.000Z');
  });

  it('gives undefined for empty elements and structures', () => {
    expect(soapText(null)).toBeUndefined();
    expect(soapText(undefined)).toBeUndefined();
    expect(soapText({ a: 'x' })).toBeUndefined();
    expect(soapText(new Date('nonsense'))).toBeUndefined();
  });
});
