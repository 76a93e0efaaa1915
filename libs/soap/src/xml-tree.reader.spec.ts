import { describe, expect, it } from '@jest/globals';
import { XmlReadError, attribute, leafBytes, leafText, readXmlTree, resolveQName } from './xml-tree.reader.js';

/** Texts with every kind of reference, well-formed or not. */
const REFERENCES = [
  'plain',
  '&lt;a href=&quot;x&quot;&gt;&amp;amp;&apos;&lt;/a&gt;',
  '&#228;&#xF6;&#x1F600;&#65;',
  'tail &amp',
  'a &b',
  '&lt&gt;',
  '&;',
  '&#0;',
  '&#x110000;',
  '&nbsp;',
  '&l;&g;&am;&quo;&apo;&ltx;&amps;',
  `${'&lt;x&gt;'.repeat(500)}end`,
  '&constructor;&__proto__;&toString;',
];

describe('readXmlTree', () => {
  it('resolves namespaces of elements and attributes and keeps offsets', () => {
    const text = `<?xml version="1.0"?><!-- c --><a:root xmlns:a="urn:a" xmlns="urn:d" x="1&amp;2"><child a:y='q>"'/><b xmlns="">t</b></a:root>`;
    const root = readXmlTree(text);
    expect(root).toMatchObject({ local: 'root', ns: 'urn:a', name: 'a:root' });
    expect(attribute(root, 'x')).toMatchObject({ value: '1&2', ns: undefined });
    expect(text.slice(attribute(root, 'x')!.valueStart, attribute(root, 'x')!.valueEnd)).toBe('1&amp;2');
    const [child, b] = root.children;
    expect(child).toMatchObject({ local: 'child', ns: 'urn:d' });
    expect(attribute(child!, 'y', 'urn:a')?.value).toBe('q>"');
    expect(b).toMatchObject({ local: 'b', ns: undefined, hasText: true });
    expect(text.slice(root.start, root.end)).toBe(text.slice(text.indexOf('<a:root')));
    expect(resolveQName(child!, 'a:Thing')).toEqual({ ns: 'urn:a', local: 'Thing' });
  });

  it('gives the text of a leaf element: entities decoded, CDATA literal, comments dropped', () => {
    const text = '<r><x> a &amp;<!-- no --><![CDATA[&lt;b>]]>&#x41;</x><e/><f></f><y><z/></y></r>';
    const [x, e, f, y] = readXmlTree(text).children;
    expect(leafText(text, x!)).toBe(' a &&lt;b>A');
    expect([leafText(text, e!), leafText(text, f!)]).toEqual(['', '']);
    expect(() => leafText(text, y!)).toThrow(/holds elements/);
  });

  it('decodes every kind of reference as one replace over "&...;" does, errors included', () => {
    const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    const byRegExp = (raw: string) =>
      raw.replace(/&([^;]*);/g, (_m, ref: string) => {
        if (ref.startsWith('#')) {
          const code = ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
          if (!Number.isInteger(code) || code < 1 || code > 0x10ffff) throw new Error(`bad character reference &${ref};`);
          return String.fromCodePoint(code);
        }
        if (!Object.hasOwn(PREDEFINED, ref)) throw new Error(`unknown entity &${ref};`);
        return PREDEFINED[ref]!;
      });
    const outcome = (read: () => string) => {
      try {
        return read();
      } catch (error) {
        return `error: ${(error as Error).message.replace(/ \(at offset \d+\)$/, '')}`;
      }
    };
    for (const raw of REFERENCES) {
      expect([raw, outcome(() => leafText(`<r>${raw}</r>`, readXmlTree(`<r>${raw}</r>`)))]).toEqual([raw, outcome(() => byRegExp(raw))]);
    }
  });

  it('gives the text of a leaf element as bytes that are exactly its UTF-8 encoding, errors included', () => {
    const outcome = (read: () => Uint8Array) => {
      try {
        return Buffer.from(read()).toString('hex');
      } catch (error) {
        return `error: ${(error as Error).message}`;
      }
    };
    const texts = [
      ...REFERENCES,
      '',
      '  blank\n\t ',
      'Größe: &lt;Straße&gt; 😀 &amp; 中文',
      '&#x7F;&#x80;&#x7FF;&#x800;&#xFFFD;&#x10000;&#x10FFFF;',
      // Surrogates by reference: a pair only the string joins, and a lone one TextEncoder replaces.
      '&#xD83D;&#xDE00;',
      '\uD83D&#xDE00;',
      'a&#xDC00;b',
      '&#x41g;&#+66;&#x0x43;&# 68;',
      '&Größe;',
      '&lT;&Gt;&AMP;&quoT;&aPos;',
      ' a &amp;<!-- no --><![CDATA[&lt;b>]]>&#x41;',
      '<?pi x?>&lt;',
      `${'&lt;x a=&quot;ä&quot;&gt;'.repeat(500)}end`,
    ];
    for (const raw of texts) {
      const text = `<r>${raw}</r>`;
      const element = readXmlTree(text);
      expect([raw, outcome(() => leafBytes(text, element))]).toEqual([raw, outcome(() => new TextEncoder().encode(leafText(text, element)))]);
    }
    // Bytes of their own, exactly as long as the text: they may be sent to another thread.
    const bytes = leafBytes('<r>&lt;a/&gt;</r>', readXmlTree('<r>&lt;a/&gt;</r>'));
    expect([bytes.byteLength, bytes.buffer.byteLength]).toEqual([4, 4]);
  });

  it('records CDATA sections with their offsets', () => {
    const text = '<r><x><![CDATA[<?xml version="1.0"?><a/>]]></x></r>';
    const x = readXmlTree(text).children[0]!;
    expect(x.cdata).toEqual([{ start: 6, end: text.indexOf('</x>'), text: '<?xml version="1.0"?><a/>' }]);
    expect(x.hasText).toBe(true);
  });

  it.each([
    ['<!DOCTYPE r><r/>', /DOCTYPE/],
    ['<p:r/>', /prefix "p" of <p:r> is not bound/],
    ['<r><a></b></r>', /does not match/],
    ['<r>', /not closed/],
    ['<r/><s/>', /second root/],
    ['<r a=1/>', /not quoted/],
    ['<r a="&bogus;"/>', /unknown entity/],
  ])('refuses %s', (text, message) => {
    expect(() => readXmlTree(text)).toThrow(XmlReadError);
    expect(() => readXmlTree(text)).toThrow(message);
  });
});
