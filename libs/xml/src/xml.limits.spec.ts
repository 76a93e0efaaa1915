import { describe, expect, it } from '@jest/globals';
import { DEFAULT_XML_LIMITS, resolveXmlLimits } from './xml.limits.js';

describe('resolveXmlLimits', () => {
  it('defaults to 10 MiB, 64 levels and 256 attributes', () => {
    expect(resolveXmlLimits()).toEqual({ maxBytes: 10_485_760, maxDepth: 64, maxAttributesPerElement: 256 });
    expect(Object.isFrozen(DEFAULT_XML_LIMITS)).toBe(true);
  });

  it('takes what is given and fills the rest', () => {
    expect(resolveXmlLimits({ maxDepth: 8 })).toEqual({ ...DEFAULT_XML_LIMITS, maxDepth: 8 });
  });

  it('refuses limits that are not positive integers', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => resolveXmlLimits({ maxBytes: bad })).toThrow(RangeError);
    }
  });
});
