import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { InputError } from '@app/contracts';
import {
  findCatalogueSchema,
  UBL_CREDIT_NOTE_NAMESPACE,
  UBL_INVOICE_NAMESPACE,
  validateAgainstCatalogue,
  XDOMEA_3_NAMESPACE,
  XSD_CATALOGUE,
} from './xsd-schema.catalogue.js';
import { disposeXsdSchemas } from './xsd-schema.loader.js';

const CONTRACTS = path.resolve(process.cwd(), 'contracts');
const XDOMEA_SAMPLES = path.resolve(process.cwd(), '../shared/conformance/xdomea/samples/thueringen-patterns-3.0.0');

describe('XSD catalogue', () => {
  afterAll(() => disposeXsdSchemas());

  it('names vendored files that exist, inside their schema folder', () => {
    for (const entry of XSD_CATALOGUE) {
      expect(existsSync(path.join(CONTRACTS, entry.schema))).toBe(true);
      expect(path.join(CONTRACTS, entry.schema).startsWith(path.join(CONTRACTS, entry.schemaRoot) + path.sep)).toBe(true);
      expect(existsSync(path.join(CONTRACTS, entry.schemaRoot, 'README.md'))).toBe(true);
    }
  });

  it('picks the schema by root namespace and name', () => {
    expect(findCatalogueSchema(XDOMEA_3_NAMESPACE, 'Aussonderung.Aussonderung.0503')?.name).toBe('xdomea 3.0.0');
    expect(findCatalogueSchema(XDOMEA_3_NAMESPACE, 'Geschaeftsgang.Geschaeftsgang.0201')?.name).toBe('xdomea 3.0.0');
    expect(findCatalogueSchema(UBL_INVOICE_NAMESPACE, 'Invoice')?.schema).toBe('ubl/2.1/maindoc/UBL-Invoice-2.1.xsd');
    expect(findCatalogueSchema(UBL_CREDIT_NOTE_NAMESPACE, 'CreditNote')?.schema).toBe('ubl/2.1/maindoc/UBL-CreditNote-2.1.xsd');
    // UBL entries hold for their own root element only; xdomea 2.x and no namespace are unknown.
    expect(findCatalogueSchema(UBL_INVOICE_NAMESPACE, 'CreditNote')).toBeUndefined();
    expect(findCatalogueSchema('urn:xoev-de:xdomea:schema:2.4.0', 'Aussonderung.Aussonderung.0503')).toBeUndefined();
    expect(findCatalogueSchema(undefined, 'Invoice')).toBeUndefined();
  });

  it('prefers an entry for the exact root element over one for the whole namespace', () => {
    const catalogue = [
      { name: 'any', namespace: 'urn:t', schema: 'a.xsd', schemaRoot: '.' },
      { name: 'exact', namespace: 'urn:t', rootElement: 'R', schema: 'b.xsd', schemaRoot: '.' },
    ];
    expect(findCatalogueSchema('urn:t', 'R', catalogue)?.name).toBe('exact');
    expect(findCatalogueSchema('urn:t', 'S', catalogue)?.name).toBe('any');
  });

  it('validates an xdomea message against xdomea 3.0.0 and says so', async () => {
    const name = readdirSync(XDOMEA_SAMPLES).find((file) => file.endsWith('.0503.xml'))!;
    const result = await validateAgainstCatalogue(readFileSync(path.join(XDOMEA_SAMPLES, name)), CONTRACTS);
    expect(result).toEqual({
      valid: true,
      errors: [],
      rootElement: 'Aussonderung.Aussonderung.0503',
      namespace: XDOMEA_3_NAMESPACE,
      schema: { name: 'xdomea 3.0.0', path: path.join(CONTRACTS, 'xdomea/3.0.0/xdomea_3.0.0/xdomea.xsd') },
    });
  });

  it('reports schema errors of a UBL credit note against the CreditNote schema', async () => {
    const xml = `<?xml version="1.0"?>\n<CreditNote xmlns="${UBL_CREDIT_NOTE_NAMESPACE}">\n</CreditNote>`;
    const result = await validateAgainstCatalogue(xml, CONTRACTS);
    expect(result.valid).toBe(false);
    expect(result.schema?.name).toBe('UBL 2.1 CreditNote');
    expect(result.errors[0]).toMatchObject({ line: 2, column: 0 });
    expect(result.errors[0]!.message).toMatch(/Missing child element/);
  });

  it('reports XML that is not well-formed without choosing a schema', async () => {
    const result = await validateAgainstCatalogue('<Invoice>\n</Rechnung>', CONTRACTS);
    expect(result.valid).toBe(false);
    expect(result.schema).toBeUndefined();
    expect(result.errors[0]!.line).toBe(2);
  });

  it('refuses a document no catalogue schema fits, naming its root element', async () => {
    const error = await validateAgainstCatalogue('<Brief xmlns="urn:example:brief"/>', CONTRACTS).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'unknown-schema', httpStatus: 422 });
    expect((error as Error).message).toMatch(/\{urn:example:brief\}Brief.*known: xdomea 3\.0\.0, UBL 2\.1 Invoice, UBL 2\.1 CreditNote/);
    await expect(validateAgainstCatalogue('<Brief/>', CONTRACTS)).rejects.toThrow(/Brief \(no namespace\)/);
  });

  it('refuses a DOCTYPE before looking for a schema', async () => {
    const xml = `<!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]><Invoice xmlns="${UBL_INVOICE_NAMESPACE}">&x;</Invoice>`;
    await expect(validateAgainstCatalogue(xml, CONTRACTS)).rejects.toMatchObject({ code: 'doctype' });
  });
});
