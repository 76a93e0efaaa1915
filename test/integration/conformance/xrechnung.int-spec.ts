import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { disposeXsdSchemas, inspectXml, UBL_CREDIT_NOTE_NAMESPACE, UBL_INVOICE_NAMESPACE, validateAgainstCatalogue } from '@app/xml';
import { CONFORMANCE, CONTRACTS, filesBelow } from './conformance.support.js';

const SAMPLES = path.join(CONFORMANCE, 'xrechnung/samples');
const UBL = [UBL_INVOICE_NAMESPACE, UBL_CREDIT_NOTE_NAMESPACE];

/** The XRechnung test suite's UBL documents (the suite also has CII ones: those are left out by their root). */
const invoices = filesBelow(SAMPLES, '.xml')
  .map((file) => ({ name: path.relative(SAMPLES, file), bytes: readFileSync(file) }))
  .filter(({ bytes }) => UBL.includes(inspectXml(bytes).namespace ?? ''));

describe('XRechnung conformance: the official test suite against the vendored UBL 2.1', () => {
  afterAll(() => disposeXsdSchemas());

  it('finds all 45 UBL invoices of the suite', () => {
    expect(invoices.length).toBeGreaterThanOrEqual(45);
  });

  it.each(invoices)('$name is valid UBL 2.1', async ({ bytes }) => {
    const result = await validateAgainstCatalogue(bytes, CONTRACTS);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.schema?.path).toMatch(/contracts\/ubl\/2\.1\/maindoc\/UBL-(Invoice|CreditNote)-2\.1\.xsd$/);
  });

  it('an invoice without its required ID is invalid, with the line', async () => {
    const text = invoices[0]!.bytes.toString('utf8');
    const broken = text.replace(/\n[ \t]*<cbc:ID>[^<]*<\/cbc:ID>/, '');
    expect(broken).not.toBe(text);
    const result = await validateAgainstCatalogue(broken, CONTRACTS);
    expect(result.valid).toBe(false);
    expect(result.errors[0]!.line).toBeGreaterThan(1);
    expect(result.errors[0]!.message).toMatch(/IssueDate.*not expected.*ID/);
  });
});
