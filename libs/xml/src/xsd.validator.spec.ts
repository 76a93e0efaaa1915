import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { disposeXsdSchemas, loadLibxml2, loadXsdSchema } from './xsd-schema.loader.js';
import { expectInputError } from '@app/testing';
import { parseUntrustedXml, XsdSchemaValidator } from './xsd.validator.js';

const CONTRACTS = path.resolve(process.cwd(), 'contracts');
const UBL_INVOICE_XSD = path.join(CONTRACTS, 'ubl/2.1/maindoc/UBL-Invoice-2.1.xsd');
const UBL_ROOT = path.join(CONTRACTS, 'ubl/2.1');
const XRECHNUNG = path.resolve(process.cwd(), '../shared/conformance/xrechnung/samples/business-cases/standard');

const UBL = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2';
const CBC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';

/** A small invoice that breaks the schema on line 3 (an unknown element first). */
const INVALID = `<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="${UBL}" xmlns:cbc="${CBC}">
  <Unbekannt/>
</Invoice>
`;

const refusal = expectInputError;

describe('XsdSchemaValidator', () => {
  let validator: XsdSchemaValidator;
  let sample: Buffer;

  beforeAll(async () => {
    validator = await loadXsdSchema(UBL_INVOICE_XSD, { roots: [UBL_ROOT] });
    const name = readdirSync(XRECHNUNG).find((file) => file.endsWith('_ubl.xml'))!;
    sample = readFileSync(path.join(XRECHNUNG, name));
  });

  afterAll(() => disposeXsdSchemas());

  it('accepts a published XRechnung invoice, as bytes and as text', () => {
    expect(validator.validate(sample)).toEqual({ valid: true, errors: [] });
    expect(validator.validate(sample.toString('utf8'))).toEqual({ valid: true, errors: [] });
  });

  it('reports schema errors with their line; the column is 0 as libxml2 gives it', () => {
    const result = validator.validate(INVALID);
    expect(result.valid).toBe(false);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ line: 3, column: 0 });
    expect(result.errors[0]!.message).toMatch(/Unbekannt.*not expected/);
    expect(result.errors[0]!.message).not.toMatch(/\n$/);
  });

  it('reports well-formedness errors with line and a real column', () => {
    const result = validator.validate('<Invoice xmlns="urn:x">\n  <a></b>\n</Invoice>');
    expect(result.valid).toBe(false);
    expect(result.errors[0]).toMatchObject({ line: 2 });
    expect(result.errors[0]!.column).toBeGreaterThan(0);
    expect(result.errors[0]!.message).toMatch(/mismatch/i);
  });

  it('reports an undeclared namespace prefix as not well-formed', () => {
    const result = validator.validate('<Invoice xmlns="urn:x">\n  <x:a/>\n</Invoice>');
    expect(result.valid).toBe(false);
    expect(result.errors[0]).toMatchObject({ line: 2 });
    expect(result.errors[0]!.message).toMatch(/prefix x/i);
  });

  it('keeps line numbers above 65535 right', () => {
    const lines = '\n'.repeat(70_000);
    const result = validator.validate(`<Invoice xmlns="${UBL}">${lines}<Unbekannt/></Invoice>`);
    expect(result.errors[0]!.line).toBe(70_001);
  });

  describe('refuses hostile input before validating it', () => {
    it.each([
      ['an external entity (XXE)', '<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<Invoice>&x;</Invoice>'],
      ['an external DTD', '<!DOCTYPE Invoice SYSTEM "http://example.org/evil.dtd"><Invoice/>'],
      ['a DOCTYPE after a comment', '<?xml version="1.0"?><!-- hallo --><!doctype Invoice><Invoice/>'],
      ['a DOCTYPE after 2 KiB of prolog', `<?xml version="1.0"?>${' '.repeat(1000)}<!--${'x'.repeat(1000)}--><!DOCTYPE Invoice SYSTEM "evil.dtd"><Invoice/>`],
      ['a DOCTYPE cut by the first look', `${' '.repeat(1020)}<!DOCTYPE Invoice SYSTEM "evil.dtd"><Invoice/>`],
      [
        'billion laughs',
        '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><l>&c;&c;</l>',
      ],
    ])('%s', (_name, xml) => {
      expect(refusal(() => validator.validate(xml)).code).toBe('doctype');
      expect(refusal(() => validator.validate(Buffer.from(xml))).code).toBe('doctype');
    });

    it('a DOCTYPE behind more than 64 KiB of comments (found after parsing)', () => {
      const xml = `<!--${'x'.repeat(70_000)}--><!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]><Invoice>&x;</Invoice>`;
      expect(refusal(() => validator.validate(xml)).code).toBe('doctype');
    });

    it('a DOCTYPE in UTF-16', () => {
      const xml = '\ufeff<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>';
      expect(refusal(() => validator.validate(Buffer.from(xml, 'utf16le'))).code).toBe('doctype');
    });

    it('empty input and unsupported encodings', () => {
      expect(refusal(() => validator.validate('')).code).toBe('empty');
      expect(refusal(() => validator.validate(Buffer.alloc(0))).code).toBe('empty');
      expect(refusal(() => validator.validate(Buffer.from('<?xml version="1.0" encoding="KOI8-R"?><a/>'))).code).toBe('encoding');
    });
  });

  describe('encodings, as inspectXml reads them', () => {
    const TEXT = 'Gebühr € „fällig“';
    let exact: XsdSchemaValidator;

    beforeAll(async () => {
      // The one valid value has umlauts and windows-1252 punctuation: a wrong decoding makes it invalid.
      const lib = await loadLibxml2();
      const xsd = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t"><xs:element name="a"><xs:simpleType><xs:restriction base="xs:string"><xs:enumeration value="${TEXT}"/></xs:restriction></xs:simpleType></xs:element></xs:schema>`;
      const schema = lib.XmlDocument.fromString(xsd);
      exact = new XsdSchemaValidator(lib, lib.XsdValidator.fromDoc(schema), '/inline.xsd', schema);
    });

    afterAll(() => exact.dispose());

    const note = (encoding: string, text = TEXT) => `<?xml version="1.0" encoding="${encoding}"?>\n<a xmlns="urn:t">${text}</a>`;

    it.each([
      ['UTF-8', Buffer.from(note('UTF-8'))],
      ['UTF-8 with a byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(note('UTF-8'))])],
      ['UTF-16LE with a byte order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(note('UTF-16'), 'utf16le')])],
      // ISO-8859-1 is read as windows-1252 (as the project's decoder does), so € and „“ survive.
      ['ISO-8859-1 holding windows-1252 bytes', Buffer.from(note('ISO-8859-1', 'Gebühr \x80 \x84fällig\x93'), 'latin1')],
      ['a string whose declaration names bytes it no longer has', note('ISO-8859-1')],
    ])('%s', (_name, input) => {
      expect(exact.validate(input)).toEqual({ valid: true, errors: [] });
    });

    it('notices garbling: UTF-8 bytes declared as ISO-8859-1 do not match', () => {
      const result = exact.validate(Buffer.from(note('ISO-8859-1')));
      expect(result.valid).toBe(false);
      expect(result.errors[0]!.message).toMatch(/GebÃ¼hr/);
    });

    it('reports bytes that are not UTF-8 as not well-formed, with their line', async () => {
      const lib = await loadLibxml2();
      const parsed = parseUntrustedXml(lib, Buffer.concat([Buffer.from('<a>\n<b>'), Buffer.from([0xe4]), Buffer.from('</b></a>')]));
      expect(parsed.document).toBeUndefined();
      expect(parsed.errors![0]).toMatchObject({ line: 2 });
    });
  });

  it('can be used many times and refuses use after dispose', async () => {
    for (let i = 0; i < 20; i++) expect(validator.validate(sample).valid).toBe(true);
    const lib = await loadLibxml2();
    const xsd = '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t"><xs:element name="a" type="xs:int"/></xs:schema>';
    const schema = lib.XmlDocument.fromString(xsd);
    const own = new XsdSchemaValidator(lib, lib.XsdValidator.fromDoc(schema), '/inline.xsd', schema);
    expect(own.validate('<a xmlns="urn:t">42</a>').valid).toBe(true);
    expect(own.validate('<a xmlns="urn:t">zweiundvierzig</a>').errors[0]!.message).toMatch(/not a valid value/);
    own.dispose();
    own.dispose();
    expect(() => own.validate('<a xmlns="urn:t">42</a>')).toThrow(/disposed/);
  });
});
