import { describe, expect, it } from '@jest/globals';
import { decodeXmlAttributeValue, decodeXmlEntities, isXmlChar } from './xml-entity.decoder.js';

describe('decodeXmlEntities', () => {
  it('decodes the five predefined entities and character references once', () => {
    expect(decodeXmlEntities('&lt;&gt;&amp;&apos;&quot; &#228;&#xE4;&#x1F600; &amp;lt;')).toBe(`<>&'" ää😀 &lt;`);
  });

  it('leaves anything else as written', () => {
    expect(decodeXmlEntities('&nbsp; &#0; &#xD800; plain')).toBe('&nbsp; &#0; &#xD800; plain');
  });
});

describe('decodeXmlAttributeValue', () => {
  it('turns literal whitespace into spaces but keeps referenced whitespace', () => {
    expect(decodeXmlAttributeValue('a\tb\r\nc\nd&#10;e&#9;f')).toBe('a b c d\ne\tf');
  });
});

describe('isXmlChar', () => {
  it('follows the XML 1.0 Char production', () => {
    expect([0x9, 0xa, 0xd, 0x20, 0xd7ff, 0xe000, 0xfffd, 0x10000, 0x10ffff].every(isXmlChar)).toBe(true);
    expect([0x0, 0x1, 0x1f, 0xd800, 0xdfff, 0xfffe, 0xffff, 0x110000].some(isXmlChar)).toBe(false);
  });
});
