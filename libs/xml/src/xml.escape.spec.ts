import { describe, expect, it } from '@jest/globals';
import { escapeXml, escapeXmlAttribute } from './xml.escape.js';
import { inspectXml } from './xml.parser.js';
import { documentElement, textContent } from './xml.tree.js';

const hostile = `Müller & Söhne <b>"quoted"</b> 'single' ]]> \u0000\u0007\uFFFE\uD800 😀 tab\there\r\nnext`;

describe('escapeXml', () => {
  it('escapes markup characters and removes what XML cannot hold', () => {
    expect(escapeXml('a & b < c > d " e \' f')).toBe('a &amp; b &lt; c &gt; d &quot; e &apos; f');
    expect(escapeXml('x\u0000\u0001\u001F\uFFFE\uFFFF\uDC00y')).toBe('xy');
    expect(escapeXml('tab\tnew\nline 😀 ä')).toBe('tab\tnew\nline 😀 ä');
  });

  it('round-trips through the hardened reader', () => {
    const root = documentElement(inspectXml(`<r>${escapeXml(hostile)}</r>`).tree)!;
    // The reader trims text nodes, removed characters are gone, CR survives as a reference.
    expect(textContent(root)).toBe(`Müller & Söhne <b>"quoted"</b> 'single' ]]>  😀 tab\there\r\nnext`);
  });
});

describe('escapeXmlAttribute', () => {
  it('also keeps tabs and line breaks, which attribute values would turn into spaces', () => {
    expect(escapeXmlAttribute('a\tb\nc\rd "e" \'f\'')).toBe('a&#9;b&#10;c&#13;d &quot;e&quot; &apos;f&apos;');
  });

  it('round-trips through the hardened reader in either quote style', () => {
    for (const quote of ['"', "'"]) {
      const root = documentElement(inspectXml(`<r a=${quote}${escapeXmlAttribute(hostile)}${quote}/>`).tree)!;
      expect(root.attributes.a).toBe(`Müller & Söhne <b>"quoted"</b> 'single' ]]>  😀 tab\there\r\nnext`);
    }
  });
});
