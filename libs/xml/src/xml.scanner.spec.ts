import { describe, expect, it } from '@jest/globals';
import { InputError } from '@app/contracts';
import { DEFAULT_XML_LIMITS } from './xml.limits.js';
import { scanXml, XML_NAMESPACE } from './xml.scanner.js';

const scan = (text: string, limits = DEFAULT_XML_LIMITS) => scanXml(text, limits);

function refusal(text: string, limits = DEFAULT_XML_LIMITS): InputError {
  try {
    scanXml(text, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error(`accepted: ${text}`);
}

describe('scanXml', () => {
  it('accepts the well-formed corners of XML', () => {
    const xml = [
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
      '<?xml-stylesheet href="style.xsl"?>',
      '<!-- a comment with <tags> and & -->',
      '<p:r xmlns:p="urn:p" xmlns="urn:d" p:a="1" b=\'x > y\' c="a&amp;b&#228;&#xE4;">',
      '  text &lt; &gt; &quot; &apos; ]] ]>',
      '  <![CDATA[ <not-a-tag> & ]]> ]]',
      '  <?target data?>',
      '  <leer/><leer ></leer >',
      '  <Ärger.Straße_1-x/>',
      '</p:r>',
      '<!-- trailing -->',
      '',
    ].join('\n');
    expect(scan(xml)).toEqual({
      rootName: 'p:r',
      rootLocalName: 'r',
      rootPrefix: 'p',
      rootNamespace: 'urn:p',
      namespaces: { p: 'urn:p', '': 'urn:d' },
    });
  });

  it('gives the root namespace from a default declaration, and none without', () => {
    expect(scan('<r xmlns="urn:d"/>')).toEqual({ rootName: 'r', rootLocalName: 'r', rootNamespace: 'urn:d', namespaces: { '': 'urn:d' } });
    expect(scan('<r/>')).toEqual({ rootName: 'r', rootLocalName: 'r', namespaces: {} });
    expect(scan('<xml:r/>').rootNamespace).toBe(XML_NAMESPACE);
  });

  it('counts depth from the root and refuses one level past the limit', () => {
    const nest = (levels: number) => '<a>'.repeat(levels) + '</a>'.repeat(levels);
    const limits = { ...DEFAULT_XML_LIMITS, maxDepth: 5 };
    expect(scan(nest(5), limits).rootName).toBe('a');
    expect(scan('<a><b/><b/><b/><b/><b/><b/></a>', { ...limits, maxDepth: 2 }).rootName).toBe('a');
    const error = refusal(nest(6), limits);
    expect(error).toMatchObject({ code: 'too-deep', httpStatus: 400, message: 'XML nests deeper than 5 levels: line 1, column 16' });
  });

  it('refuses one attribute past the limit, namespace declarations included', () => {
    const limits = { ...DEFAULT_XML_LIMITS, maxAttributesPerElement: 2 };
    expect(scan('<r a="1" b="2"/>', limits).rootName).toBe('r');
    expect(refusal('<r xmlns:x="u" a="1" b="2"/>', limits)).toMatchObject({ code: 'too-many-attributes', message: "XML element 'r' has more than 2 attributes: line 1, column 1" });
  });

  it('refuses a DOCTYPE wherever it is', () => {
    for (const xml of ['<!DOCTYPE r><r/>', '<?xml version="1.0"?>\n\n<!DOCTYPE r [<!ENTITY a "b">]><r/>', '<r><!DOCTYPE r></r>', '<r/><!DOCTYPE r>']) {
      expect(refusal(xml).code).toBe('doctype');
    }
    expect(refusal('<?xml version="1.0"?>\n\n<!DOCTYPE r><r/>').message).toBe(
      'XML with a DOCTYPE (DTD) is not accepted: line 3, column 1: DTDs can declare entities that expand without bound or read local files',
    );
  });

  it('does not mistake markup inside comments, CDATA, PIs and attribute values for tags', () => {
    expect(scan('<r a="<!DOCTYPE x>"/>'.replace('<!', '&lt;!')).rootName).toBe('r');
    expect(scan('<r><!-- <!DOCTYPE x> <a> --><![CDATA[<!DOCTYPE x><b>]]><?pi <c> ?></r>').rootName).toBe('r');
    expect(scan('<r a="x/>y" b=\'>/r>\'/>').rootName).toBe('r');
  });

  const notWellFormed: Array<[string, string, string]> = [
    ['mismatched closing tag', '<a>\n  <b>\n</a>', "line 3, column 1: closing tag 'a' does not match 'b'"],
    ['closing tag without opening', '</a>', "line 1, column 1: closing tag 'a' has no opening tag"],
    ['truncated in content', '<a><b>text', "line 1, column 11: the document ends before closing tag 'b' (truncated?)"],
    ['truncated in a tag', '<a><b x="1"', "line 1, column 4: tag 'b' is not closed (truncated?)"],
    ['truncated in an attribute value', '<a><b x="1', "line 1, column 9: the value of attribute 'x' is not closed"],
    ['unclosed tag', '<a><b', "line 1, column 4: tag 'b' is not closed (truncated?)"],
    ['no root', '<!-- only a comment -->', 'line 1, column 24: there is no root element'],
    ['text before the root', 'x<r/>', `line 1, column 1: expected '<' but found "x<r/>"`],
    ['text after the root', '<r/>x', 'line 1, column 5: text after the root element'],
    ['two roots', '<a/>\n<b/>', "line 2, column 1: there is more than one root element ('a' and 'b')"],
    ['unquoted attribute', '<r a=1/>', "line 1, column 6: the value of attribute 'a' must be in quotes"],
    ['attribute without value', '<r a/>', "line 1, column 5: attribute 'a' needs a value (a=\"...\")"],
    ['duplicate attribute', '<r a="1" a="2"/>', "line 1, column 10: attribute 'a' appears twice in tag 'r'"],
    [
      'duplicate attribute after many',
      `<r ${Array.from({ length: 11 }, (_, i) => `a${i}="1"`).join(' ')} a3="2"/>`,
      "line 1, column 82: attribute 'a3' appears twice in tag 'r'",
    ],
    ['closing tag longer than the open one', '<a></ab>', "line 1, column 4: closing tag 'ab' does not match 'a'"],
    ['closing tag shorter than the open one', '<ab></a>', "line 1, column 5: closing tag 'a' does not match 'ab'"],
    ['closing tag with more than a name', '<a></a x>', "line 1, column 8: closing tag 'a' is not closed with '>'"],
    ['non-ASCII letter ending a closing tag', '<a></aé>', "line 1, column 4: closing tag 'aé' does not match 'a'"],
    ['same attribute under two prefixes', '<r xmlns:p="u" xmlns:q="u" p:a="1" q:a="2"/>', "line 1, column 36: attribute 'q:a' appears twice (same namespace and name)"],
    ['attributes not separated', '<r a="1"b="2"/>', 'line 1, column 9: unexpected "b" in tag \'r\''],
    ['< in attribute value', '<r a="<"/>', "line 1, column 7: '<' is not allowed in an attribute value (write '&lt;')"],
    ['bare ampersand', '<r>fish & chips</r>', "line 1, column 9: '&' must be written as '&amp;'"],
    ['undefined entity', '<r>&nbsp;</r>', "line 1, column 4: entity '&nbsp;' is not defined (only &lt; &gt; &amp; &apos; &quot; and character references are accepted)"],
    ['undefined entity in an attribute', '<r a="&xxe;"/>', "line 1, column 7: entity '&xxe;' is not defined (only &lt; &gt; &amp; &apos; &quot; and character references are accepted)"],
    ['reference to a forbidden character', '<r>&#x1;</r>', "line 1, column 4: character reference '&#x1;' is not an allowed XML character"],
    [']]> in text', '<r>a]]>b</r>', "line 1, column 5: ']]>' is not allowed in text (write ']]&gt;')"],
    ['a bad reference before a ]]>', '<r>&lt;&x;]]></r>', "line 1, column 8: entity '&x;' is not defined (only &lt; &gt; &amp; &apos; &quot; and character references are accepted)"],
    ['a ]]> before a bad reference', '<r>&lt;]]>&x;</r>', "line 1, column 8: ']]>' is not allowed in text (write ']]&gt;')"],
    [']]> in a later text run', '<r><a>&amp;</a><b>x</b>]]></r>', "line 1, column 24: ']]>' is not allowed in text (write ']]&gt;')"],
    ['a predefined entity cut by the end of its text', '<r>&lt<b/>;</r>', "line 1, column 4: '&' must be written as '&amp;'"],
    ['-- in a comment', '<r><!-- a--b --></r>', "line 1, column 10: '--' is not allowed inside a comment"],
    ['unclosed comment', '<r><!-- a', 'line 1, column 4: comment is not closed'],
    ['unclosed CDATA', '<r><![CDATA[ a', 'line 1, column 4: CDATA section is not closed'],
    ['CDATA outside the root', '<![CDATA[x]]><r/>', 'line 1, column 1: a CDATA section is only allowed inside the root element'],
    ['declaration not at the start', '\n<?xml version="1.0"?><r/>', 'line 2, column 1: the XML declaration is only allowed at the very start of the document'],
    ['malformed declaration', '<?xml encoding="UTF-8"?><r/>', 'line 1, column 1: the XML declaration is malformed (expected version="1.0", then optional encoding and standalone)'],
    ['ENTITY outside a DTD', '<r><!ENTITY a "b"></r>', "line 1, column 4: '<!ENTITY' is only allowed inside a DTD, and DTDs are not accepted"],
    ['control character', '<r>\u0007</r>', 'line 1, column 4: character U+0007 is not allowed in XML'],
    ['lone surrogate', '<r>\uD800</r>', 'line 1, column 4: character U+D800 is not allowed in XML'],
    ['literal <', '<r>a < b</r>', "line 1, column 6: '<' must be followed by a tag name (write '&lt;' for a literal '<')"],
    ['undeclared element prefix', '<r><x:a/></r>', "line 1, column 4: namespace prefix 'x' of 'x:a' is not declared"],
    ['undeclared attribute prefix', '<r x:a="1"/>', "line 1, column 4: namespace prefix 'x' of 'x:a' is not declared"],
    ['prefix out of scope', '<r><a xmlns:x="u"/><x:b/></r>', "line 1, column 20: namespace prefix 'x' of 'x:b' is not declared"],
    ['two colons', '<a:b:c xmlns:a="u"/>', "line 1, column 1: 'a:b:c' is not a valid qualified name"],
    ['undeclaring a prefix', '<r xmlns:p=""/>', 'line 1, column 4: namespace prefix \'p\' must not be undeclared (xmlns:p="")'],
    ['rebinding xml', '<r xmlns:xml="urn:other"/>', "line 1, column 4: the prefix 'xml' must not be bound to another namespace"],
  ];

  it('refuses exactly the characters XML 1.0 excludes, the first of them, pairs of surrogates allowed', () => {
    // The production Char as a Unicode regular expression, which the scanner must agree with (no line breaks: columns stay simple).
    const notChar = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
    const units = [0x0, 0x7, 0x9, 0xb, 0xc, 0x1f, 0x20, 0x41, 0xe9, 0x20ac, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfffd, 0xfffe, 0xffff];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 3000; i++) {
      const content = String.fromCharCode(...Array.from({ length: 1 + (next() % 6) }, () => units[next() % units.length]!));
      const xml = `<r>${content}</r>`;
      const bad = notChar.exec(xml);
      if (!bad) {
        expect(() => scan(xml)).not.toThrow();
        continue;
      }
      const codePoint = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      // Columns count characters: a pair of surrogates is one.
      const column = [...xml.slice(0, bad.index)].length + 1;
      expect(refusal(xml).message).toBe(`XML is not well-formed: line 1, column ${column}: character U+${codePoint} is not allowed in XML`);
    }
  });

  for (const [name, xml, expected] of notWellFormed) {
    it(`refuses ${name}`, () => {
      const error = refusal(xml);
      expect(error.code).toBe('not-xml');
      expect(error.httpStatus).toBe(400);
      expect(error.message).toBe(`XML is not well-formed: ${expected}`);
    });
  }

  it('counts CR LF as one line break and characters outside the BMP as one column', () => {
    expect(refusal('<r>\r\n\r\n😀<x></r>').message).toBe("XML is not well-formed: line 3, column 5: closing tag 'r' does not match 'x'");
  });

  it('refuses names a JavaScript object cannot safely hold', () => {
    for (const xml of ['<r><__proto__/></r>', '<constructor/>', '<r prototype="1"/>', '<r><__toString/></r>']) {
      expect(refusal(xml).code).toBe('reserved-name');
    }
    expect(scan('<r><toString/><p:constructor xmlns:p="u"/></r>').rootName).toBe('r');
  });

  it('stays linear on pathological input', () => {
    const started = performance.now();
    expect(refusal(`<r a="${'&amp;'.repeat(400_000)}${'x'.repeat(2_000_000)}`).code).toBe('not-xml');
    expect(scan(`<r>${'<a b="1"/>'.repeat(200_000)}</r>`).rootName).toBe('r');
    // Many text runs and the only '&' (or ']]>') at the very end: no run may search the rest again.
    expect(scan(`<r>${'<a>x</a>'.repeat(200_000)}&amp;</r>`).rootName).toBe('r');
    expect(refusal(`<r>${'<a>x</a>'.repeat(200_000)}]]></r>`).code).toBe('not-xml');
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
