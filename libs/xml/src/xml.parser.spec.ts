import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { InputError } from '@app/contracts';
import { expectInputError } from '@app/testing';
import { extractText } from './xml-text.extractor.js';
import { inspectXml, readXmlHeaderAndText, screenXml } from './xml.parser.js';
import { DEFAULT_XML_LIMITS } from './xml.limits.js';

const SAMPLES = path.resolve(process.cwd(), '../shared/conformance/xdomea/samples/thueringen-patterns-3.0.0');
const XDOMEA_3 = 'urn:xoev-de:xdomea:schema:3.0.0';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const samples = readdirSync(SAMPLES)
  .filter((name) => name.endsWith('.xml'))
  .sort()
  .map((name) => ({ name, bytes: readFileSync(path.join(SAMPLES, name)) }));

const refusal = expectInputError;

/** Every `xdomea:` prefix becomes `x:`, as another sender might write the same message. */
function reprefix(xml: string): string {
  return xml.replaceAll('xmlns:xdomea=', 'xmlns:x=').replaceAll('<xdomea:', '<x:').replaceAll('</xdomea:', '</x:');
}

/** The same message in the default namespace; unqualified `code`/`name` keep `xmlns=""` as the schema wants. */
function defaultNamespace(xml: string, undeclareUnqualified: boolean): string {
  let out = xml.replaceAll('xmlns:xdomea=', 'xmlns=').replaceAll('<xdomea:', '<').replaceAll('</xdomea:', '</');
  if (undeclareUnqualified) out = out.replaceAll('<code>', '<code xmlns="">').replaceAll('<name>', '<name xmlns="">');
  return out;
}

describe('inspectXml with the published xdomea 3.0.0 messages', () => {
  it('finds the sample folder', () => {
    expect(samples.length).toBeGreaterThanOrEqual(4);
  });

  for (const { name, bytes } of samples) {
    describe(name, () => {
      const expectedRoot = name.replace(/^xx_/, '').replace(/\.xml$/, '');
      const expectedCode = /\.(\d{4})$/.exec(expectedRoot)![1];

      it('is accepted, with root element, namespace and header', () => {
        const inspection = inspectXml(bytes);
        expect(inspection.encoding).toBe('UTF-8');
        expect(inspection.rootElement).toBe(expectedRoot);
        expect(inspection.rootPrefix).toBe('xdomea');
        expect(inspection.namespace).toBe(XDOMEA_3);
        expect(inspection.namespaces).toMatchObject({ xdomea: XDOMEA_3, xsi: 'http://www.w3.org/2001/XMLSchema-instance' });
        expect(inspection.text.startsWith('<?xml')).toBe(true);
        const xoev = inspection.xoev!;
        expect(xoev).toMatchObject({ standard: 'xdomea', version: '3.0.0', namespace: XDOMEA_3, rootElement: expectedRoot });
        expect(xoev.processId).toMatch(UUID);
        expect(xoev.messageTypeCode).toBe(expectedCode);
        expect(xoev.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
        expect(xoev.sender).toBeTruthy();
        expect(xoev.recipient).toBeTruthy();
      });

      it('reads the same header under another prefix and in the default namespace', () => {
        const original = inspectXml(bytes);
        const text = bytes.toString('utf8');
        for (const variant of [reprefix(text), defaultNamespace(text, true), defaultNamespace(text, false)]) {
          const inspection = inspectXml(variant);
          expect(inspection.rootElement).toBe(expectedRoot);
          expect(inspection.namespace).toBe(XDOMEA_3);
          expect(inspection.xoev).toEqual(original.xoev);
        }
        expect(inspectXml(reprefix(text)).rootPrefix).toBe('x');
      });

      it('refuses every truncation with not-xml', () => {
        const text = bytes.toString('utf8');
        for (let cut = 1; cut < text.trimEnd().length; cut += 97) {
          expect(refusal(() => inspectXml(text.slice(0, cut))).code).toBe('not-xml');
        }
      });
    });
  }

  it('reports, and does not hide, a header that contradicts the root element (0502 carries Nachrichtentyp 0503)', () => {
    const sample = samples.find((s) => s.name.includes('Bewertungsverzeichnis.0502'));
    if (!sample) return;
    const inspection = inspectXml(sample.bytes);
    expect(inspection.xoev!.messageTypeCode).toBe('0502');
    expect(inspection.warnings).toEqual([expect.stringContaining('Nachrichtentyp says 0503')]);
  });

  it('screenXml finds what inspectXml finds, without tree and header', () => {
    for (const { bytes } of samples) {
      const { tree, xoev, warnings, ...facts } = inspectXml(bytes);
      expect(tree.length).toBe(1);
      expect(xoev).toBeDefined();
      expect(warnings).toBeDefined();
      expect(screenXml(bytes)).toStrictEqual(facts);
    }
  });

  it('has no warnings when header and root agree (0503)', () => {
    const sample = samples.find((s) => s.name.includes('Aussonderung.Aussonderung.0503'));
    if (!sample) return;
    expect(inspectXml(sample.bytes).warnings).toEqual([]);
  });
});

describe('inspectXml refuses hostile and broken input', () => {
  const deep = (levels: number) => '<a>'.repeat(levels) + '</a>'.repeat(levels);
  const attributes = (count: number) => `<r ${Array.from({ length: count }, (_, i) => `a${i}="${i}"`).join(' ')}/>`;
  const billionLaughs = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE lolz [',
    ' <!ENTITY lol "lol">',
    ...Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
    ']>',
    '<lolz>&lol9;</lolz>',
  ].join('\n');
  let seed = 42;
  const garbage = Buffer.from([0x89, 0x50, 0x4e, 0x47, ...Array.from({ length: 4096 }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff)]);

  const cases: Array<{ name: string; input: Buffer | string; code: string; status?: number; message?: RegExp }> = [
    {
      name: 'XXE reading file:///etc/passwd',
      input: '<?xml version="1.0"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<foo>&xxe;</foo>',
      code: 'doctype',
      message: /DOCTYPE.*line 2, column 1/,
    },
    { name: 'billion laughs', input: billionLaughs, code: 'doctype' },
    { name: 'external DTD', input: '<?xml version="1.0"?><!DOCTYPE note SYSTEM "http://evil.example/note.dtd"><note/>', code: 'doctype' },
    { name: 'parameter entities', input: '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://evil.example/p.dtd"> %p;]><r/>', code: 'doctype' },
    { name: 'DOCTYPE after a comment, as bytes', input: Buffer.from('<!-- hi --><!DOCTYPE r><r/>'), code: 'doctype' },
    { name: 'lower-case doctype', input: '<!doctype r><r/>', code: 'doctype' },
    { name: 'an entity without DTD', input: '<r>&xxe;</r>', code: 'not-xml', message: /entity '&xxe;' is not defined/ },
    { name: 'an ENTITY declaration outside a DTD', input: '<r><!ENTITY x "y"></r>', code: 'not-xml' },
    { name: '100 levels of nesting', input: deep(100), code: 'too-deep', message: /deeper than 64 levels: line 1, column 193/ },
    { name: '100 000 levels of nesting', input: deep(100_000), code: 'too-deep' },
    { name: '1000 attributes', input: attributes(1000), code: 'too-many-attributes', message: /more than 256 attributes/ },
    { name: 'a truncated document', input: '<?xml version="1.0"?>\n<akte>\n  <titel>Bauantrag', code: 'not-xml', message: /ends before closing tag 'titel'/ },
    { name: 'not XML at all', input: 'hello', code: 'not-xml', message: /line 1, column 1/ },
    { name: 'not XML at all, as bytes', input: Buffer.from('hello'), code: 'not-xml', message: /does not start with '<'/ },
    { name: 'JSON', input: '{"a": 1}', code: 'not-xml' },
    { name: 'empty string', input: '', code: 'empty' },
    { name: 'empty buffer', input: Buffer.alloc(0), code: 'empty' },
    { name: 'only whitespace', input: Buffer.from(' \n\t '), code: 'empty' },
    { name: 'binary garbage', input: garbage, code: 'not-xml' },
    { name: "'<' then invalid UTF-8", input: Buffer.from([0x3c, 0x72, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x72, 0x3e]), code: 'encoding' },
    { name: 'a NUL character', input: '<r>a\u0000b</r>', code: 'not-xml', message: /U\+0000/ },
    {
      name: 'UTF-16 declared on ASCII bytes without BOM',
      input: Buffer.from('<?xml version="1.0" encoding="UTF-16"?><r>text</r>', 'latin1'),
      code: 'encoding',
      message: /UTF-16/,
    },
    { name: 'an unsupported encoding', input: Buffer.from('<?xml version="1.0" encoding="Shift_JIS"?><r/>'), code: 'encoding' },
    { name: 'a UTF-8 BOM with a Latin-1 declaration', input: Buffer.from('\uFEFF<?xml version="1.0" encoding="ISO-8859-1"?><r/>', 'utf8'), code: 'encoding' },
    { name: 'two root elements', input: '<a/><b/>', code: 'not-xml', message: /more than one root element/ },
    { name: 'mismatched tags', input: '<a>\n  <b>\n  </a>', code: 'not-xml', message: /^XML is not well-formed: line 3, column 3: closing tag 'a' does not match 'b'$/ },
    { name: 'an undeclared prefix', input: '<x:r/>', code: 'not-xml', message: /prefix 'x'/ },
    { name: 'a reserved JavaScript name', input: '<r><constructor/></r>', code: 'reserved-name' },
  ];

  for (const { name, input, code, status, message } of cases) {
    it(`${name} -> ${code}`, () => {
      const error = refusal(() => inspectXml(input));
      expect(error.code).toBe(code);
      expect(error.httpStatus).toBe(status ?? 400);
      if (message) expect(error.message).toMatch(message);
      // The checks without the tree refuse alike, word for word.
      const screened = refusal(() => screenXml(input));
      expect({ code: screened.code, status: screened.httpStatus, message: screened.message }).toEqual({ code, status: status ?? 400, message: error.message });
    });
  }

  it('refuses input over maxBytes with 413, counting UTF-8 bytes of strings', () => {
    const big = refusal(() => inspectXml(`<r>${'x'.repeat(DEFAULT_XML_LIMITS.maxBytes)}</r>`));
    expect(big).toMatchObject({ code: 'too-large', httpStatus: 413 });
    expect(refusal(() => inspectXml('<r>ää</r>', { maxBytes: 10 })).code).toBe('too-large');
    expect(inspectXml('<r>ä</r>', { maxBytes: 9 }).rootElement).toBe('r');
  });

  it('takes limits from the caller', () => {
    expect(inspectXml(deep(100), { maxDepth: 100 }).rootElement).toBe('a');
    expect(refusal(() => inspectXml(deep(3), { maxDepth: 2 })).code).toBe('too-deep');
    expect(inspectXml(attributes(1000), { maxAttributesPerElement: 1000 }).rootElement).toBe('r');
  });

  it('throws only InputError for random corruption of a real message', () => {
    const original = samples[0]!.bytes;
    let state = 7;
    const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 300; round++) {
      const bytes = Buffer.from(original);
      for (let flips = 0; flips < 3; flips++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      try {
        inspectXml(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
      }
    }
  });
});

describe('inspectXml decoding', () => {
  it('decodes an ISO-8859-1 document with umlauts', () => {
    const bytes = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?>\n<akte titel="Straßenbau">Größe der Fläche: 5 m²</akte>', 'latin1');
    expect(bytes.includes(0xf6)).toBe(true); // a one-byte ö: really Latin-1 on the wire
    const inspection = inspectXml(bytes);
    expect(inspection.encoding).toBe('windows-1252');
    expect(inspection.text).toContain('Größe der Fläche: 5 m²');
    expect(inspection.tree).toEqual([{ akte: [{ '#text': 'Größe der Fläche: 5 m²' }], ':@': { titel: 'Straßenbau' } }]);
  });

  it('decodes UTF-16 with a byte order mark', () => {
    const xml = '<?xml version="1.0" encoding="UTF-16"?><r>Übergabe</r>';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
    expect(inspectXml(le)).toMatchObject({ encoding: 'UTF-16LE', rootElement: 'r', text: xml });
  });

  it('decodes predefined entities and character references, not CDATA', () => {
    const inspection = inspectXml('<r a="x &amp; y&#10;z">&lt;b&gt; &#228;&#xF6; &quot;&apos;<![CDATA[&amp; <raw>]]></r>');
    expect(inspection.tree).toEqual([
      { r: [{ '#text': '<b> äö "\'' }, { '#cdata': [{ '#text': '&amp; <raw>' }] }], ':@': { a: 'x & y\nz' } },
    ]);
  });

  it('reads processing instructions as XML does: to the first ?>, whatever they hold (fast-xml-parser refused some)', () => {
    for (const xml of ["<r><?pi it's?>x</r>", '<r><?pi constructor?>x</r>', '<r><?pi a="?>x</r>']) {
      expect(inspectXml(xml).tree).toEqual([{ r: [{ '#text': 'x' }] }]);
    }
  });

  it('keeps codes as strings', () => {
    expect(inspectXml('<r><code>0501</code></r>').tree).toEqual([{ r: [{ code: [{ '#text': '0501' }] }] }]);
  });

  it('gives no xoev header for other XML', () => {
    const inspection = inspectXml('<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>1</ID></Invoice>');
    expect(inspection).toMatchObject({ rootElement: 'Invoice', namespace: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2' });
    expect(inspection.xoev).toBeUndefined();
    expect(inspection.rootPrefix).toBeUndefined();
  });
});

describe('readXmlHeaderAndText', () => {
  const CONFORMANCE = path.resolve(process.cwd(), '../shared/conformance');
  const xmlFiles = (readdirSync(CONFORMANCE, { recursive: true }) as string[]).filter((name) => name.endsWith('.xml')).sort();
  // What inspectXml and extractText give, or the refusal inspectXml throws.
  const viaTree = (input: Buffer | string) => {
    try {
      const inspection = inspectXml(input);
      const expected: Record<string, unknown> = { rootElement: inspection.rootElement, readableText: extractText(inspection), warnings: inspection.warnings };
      if (inspection.namespace !== undefined) expected.namespace = inspection.namespace;
      if (inspection.xoev) expected.xoev = inspection.xoev;
      return expected;
    } catch (error) {
      return { refused: error instanceof InputError ? `${error.code}: ${error.message}` : String(error) };
    }
  };
  const direct = (input: Buffer | string) => {
    try {
      return { ...readXmlHeaderAndText(input) };
    } catch (error) {
      return { refused: error instanceof InputError ? `${error.code}: ${error.message}` : String(error) };
    }
  };

  it('reads all public conformance messages', () => {
    expect(xmlFiles.length).toBeGreaterThan(50);
  });

  it.each(xmlFiles)('gives the text and header of %s as inspectXml and extractText do', (name) => {
    const bytes = readFileSync(path.join(CONFORMANCE, name));
    expect(direct(bytes)).toEqual(viaTree(bytes));
  });

  const kopf = (id: string) => `<xdomea:Kopf><xdomea:ProzessID>${id}</xdomea:ProzessID><xdomea:Nachrichtentyp><code>0501</code></xdomea:Nachrichtentyp></xdomea:Kopf>`;
  const xdomea = (content: string) => `<xdomea:Aussonderung.Anbieteverzeichnis.0501 xmlns:xdomea="${XDOMEA_3}">${content}</xdomea:Aussonderung.Anbieteverzeichnis.0501>`;
  it.each([
    ['the header after other content', xdomea(`<xdomea:Schriftgutobjekt>Akte <![CDATA[A & B]]></xdomea:Schriftgutobjekt>${kopf('7d3c6a36-3a54-4c8f-9a36-0c0c2d6c1a11')}`)],
    ['two headers, the first in another namespace', xdomea(`<Kopf xmlns="urn:other"><ProzessID>x</ProzessID></Kopf>${kopf('9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a')}`)],
    ['xdomea 4 with an unqualified nachrichtenkopf', `<x:Abgabe.Abgabe.0401 xmlns:x="urn:xoev-de:xdomea:schema:4.0.0"><nachrichtenkopf><identifikation.nachricht><nachrichtenUUID>1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9</nachrichtenUUID></identifikation.nachricht></nachrichtenkopf><x:Akte>Inhalt</x:Akte></x:Abgabe.Abgabe.0401>`],
    ['text in the root, comments and a processing instruction inside text runs', '<r>vor <!-- c -->dem<?pi x?> Kind<k>innen &amp; &#228;u&#xDF;en</k>\r\nnach\rdem <![CDATA[roh\r\n<x>]]> Ende</r>'],
    ['JavaScript names in kept and left-out parts', xdomea(`${kopf('0f1e2d3c-4b5a-4697-8877-665544332211')}<toString><valueOf>Wert</valueOf></toString><hasOwnProperty/>`)],
    ['a root without content', '<r a="1"/>'],
    ['a root with only blanks and technical values', '<r>\n  <d>2025-01-01</d> <n>12</n>\n</r>'],
    ['a prefixed header element of the default namespace', `<Aussonderung.Aussonderung.0503 xmlns="${XDOMEA_3}">${kopf('00000000-0000-4000-8000-000000000000').replace('<xdomea:Kopf>', `<xdomea:Kopf xmlns:xdomea="${XDOMEA_3}">`)}<Akte>Text</Akte></Aussonderung.Aussonderung.0503>`],
  ])('gives what inspectXml and extractText give for %s', (_name, xml) => {
    const read = direct(xml);
    expect(read).not.toHaveProperty('refused');
    expect(read).toEqual(viaTree(xml));
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE r><r/>'],
    ['an unknown entity in a left-out part', xdomea(`${kopf('x')}<a><b>&nope;</b></a>`)],
    ['a broken tag in a left-out part', xdomea(`${kopf('x')}<a><b></a>`)],
    ['too deep nesting in a left-out part', xdomea(`${kopf('x')}${'<a>'.repeat(100)}${'</a>'.repeat(100)}`)],
    ['a reserved name in a left-out part', xdomea('<a><__proto__/></a>')],
    ['nothing but blanks', '  \n '],
  ])('refuses %s as inspectXml does', (_name, xml) => {
    const expected = viaTree(xml);
    expect(expected).toHaveProperty('refused');
    expect(direct(xml)).toEqual(expected);
  });
});
