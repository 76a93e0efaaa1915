import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PermanentError } from '@app/contracts';
import { inspectXml } from '@app/xml';
import type { InvoiceFacts } from './invoice-facts.types.js';
import { extractInvoice, invoiceSyntaxOf } from './xrechnung.extractor.js';

/** The 45 UBL invoices of the official XRechnung 3.0 test suite (see ../shared/conformance/README.md). */
const SAMPLES = path.resolve(process.cwd(), '../shared/conformance/xrechnung/samples');
const FIXTURES = path.resolve(process.cwd(), 'test/fixtures/ok/xrechnung');

function xmlFilesBelow(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.xml'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

const ublSamples = xmlFilesBelow(SAMPLES).filter((file) => invoiceSyntaxOf(inspectXml(readFileSync(file))) === 'UBL');
const sample = (relative: string) => readFileSync(path.join(SAMPLES, relative), 'utf8');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const extract = (xml: string | Buffer) => extractInvoice(inspectXml(xml));
const errorsOf = (facts: InvoiceFacts) => facts.findings.filter((finding) => finding.severity === 'error');
/** The raw text of the first element with this local name, whatever its prefix: an oracle independent of the extractor. */
const rawText = (xml: string, localName: string) => new RegExp(`<(?:[\\w.-]+:)?${localName}\\b[^>]*>\\s*([^<]*?)\\s*<`).exec(xml)?.[1];

describe('extractInvoice on the UBL invoices of the XRechnung test suite', () => {
  it('finds all 45 of them (root Invoice or CreditNote in the UBL namespace)', () => {
    expect(ublSamples).toHaveLength(45);
  });

  it.each(ublSamples.map((file) => [path.relative(SAMPLES, file), file]))('%s', (_name, file) => {
    const xml = readFileSync(file!, 'utf8');
    const facts = extract(xml);
    expect(facts.syntax).toBe('UBL');
    expect(facts.invoiceNumber).toBeTruthy();
    expect(facts.issueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(facts.currency).toMatch(/^[A-Z]{3}$/);
    expect(facts.seller.name).toBeTruthy();
    expect(facts.buyer.name).toBeTruthy();
    expect(facts.xrechnungVersion).toBe('3.0');
    for (const total of ['lineExtensionAmount', 'taxExclusiveAmount', 'taxInclusiveAmount', 'payableAmount'] as const) {
      expect(facts.totals[total]).toMatch(/^-?\d+(\.\d+)?$/);
    }
    expect(facts.totals.payableAmount).toBe(rawText(xml, 'PayableAmount'));
    expect(facts.lines.length).toBeGreaterThan(0);
    expect(facts.taxBreakdown.length).toBeGreaterThan(0);
    // The suite's invoices are valid XRechnung: every mandatory field is there and the sums add up.
    expect(errorsOf(facts)).toEqual([]);
  });

  it('counts the samples whose buyer reference (BT-10) is a Leitweg-ID', () => {
    const facts = ublSamples.map((file) => extract(readFileSync(file)));
    expect(facts.every((invoice) => invoice.buyerReference !== undefined)).toBe(true);
    const withLeitwegId = facts.filter((invoice) => invoice.leitwegId !== undefined);
    // Three carry wrong check digits (04011000-12345-34, 99000000-01944-98, 99000000-05676-98): a warning, not a Leitweg-ID.
    expect(withLeitwegId).toHaveLength(42);
    const without = facts.filter((invoice) => invoice.leitwegId === undefined);
    expect(without.map((invoice) => invoice.buyerReference).sort()).toEqual(['04011000-12345-34', '99000000-01944-98', '99000000-05676-98']);
    for (const invoice of without) {
      expect(invoice.findings).toContainEqual(expect.objectContaining({ bt: 'BT-10', severity: 'warning', message: expect.stringContaining('check digits') }));
    }
  });

  it('reads 01.01a completely', () => {
    expect(extract(sample('business-cases/standard/01.01a-INVOICE_ubl.xml'))).toEqual(EXPECTED_01_01A);
  });

  it('reads a VAT accounting currency (BT-6, BT-111), several accounts and the legal and tax registrations', () => {
    const facts = extract(sample('technical-cases/cius/01.01_comprehensive_test_ubl.xml'));
    expect(facts).toMatchObject({
      taxCurrency: 'GBP',
      purchaseOrderReference: '65002278',
      buyerAccountingReference: 'Buchungscode1',
      notes: [
        { subjectCode: 'AAC', text: 'Invoice Note Description' },
        { subjectCode: 'AAC', text: 'Invoice Note Description 2' },
      ],
      totals: { taxAmount: '2048.44', taxAmountInTaxCurrency: '2048.44', allowanceTotalAmount: '20', chargeTotalAmount: '20', prepaidAmount: '0' },
      seller: {
        identifiers: [{ id: '987654321', scheme: '0088' }],
        legalRegistrationId: { id: '123456789', scheme: '0088' },
        vatId: 'ATU123456789',
        taxRegistrationId: '123/456/789',
        address: { line1: '[Seller address line 1]', line2: '[Seller address line 2]', line3: '[Seller address line 3]', subdivision: 'Bayern' },
      },
      buyer: { vatId: 'DE12345ABC', legalRegistrationId: { id: '90000000-03083-72', scheme: '0204' } },
      payment: {
        dueDate: '2018-04-13',
        remittanceInformation: 'Deb. 12345 / Fact. 9876543',
        ibans: ['DE79000000001234567890', 'DE16000000002345678901'],
        means: [
          { code: '58', text: '[Payment means text]', account: { id: 'DE79000000001234567890', name: '[Payment account name]', bic: '[BIC]' } },
          { code: '58', account: { id: 'DE16000000002345678901', name: '[Payment account name 2]', bic: '[BIC]' } },
        ],
      },
    });
    expect(facts.taxBreakdown).toEqual([
      { taxableAmount: '10781.25', taxAmount: '2048.44', categoryCode: 'S', rate: '19' },
      { taxableAmount: '0', taxAmount: '0', categoryCode: 'E', rate: '0', exemptionReason: '[VAT exemption reason text]', exemptionReasonCode: 'VATEX-EU-132-1A' },
    ]);
    expect(facts.lines[0]).toMatchObject({ id: '1', accountingReference: 'Konto 1', quantity: '30', unitCode: 'XPP', netAmount: '4743.75' });
  });

  it('reads a SEPA direct debit (BG-19)', () => {
    const facts = extract(sample('business-cases/extension/04.02a-INVOICE_ubl.xml'));
    expect(facts.payment.means).toEqual([{ code: '59' }]);
    expect(facts.payment.ibans).toEqual([]);
    expect(facts.payment.directDebit).toMatchObject({ mandateReference: '[Mandate reference identifier]', debitedAccount: 'DE79000000001234567890' });
  });

  it('reads Skonto lines from the payment terms (BT-20)', () => {
    const facts = extract(sample('business-cases/standard/01.10a-INVOICE_ubl.xml'));
    expect(facts.payment.discounts).toEqual([
      { days: 7, percent: '2.00' },
      { days: 14, percent: '1.00' },
      { days: 30, percent: '0.00' },
    ]);
  });

  it('nests the sub-lines of the XRechnung extension (cac:SubInvoiceLine)', () => {
    const facts = extract(sample('business-cases/extension/04.01a-INVOICE_ubl.xml'));
    const first = facts.lines[0]!;
    expect(first).toMatchObject({ id: '1', name: 'Sanitär und Zubehör', netAmount: '818.04' });
    expect(first.subLines?.[0]).toMatchObject({ id: '1 1', name: 'Demontage Sanitär', netAmount: '335.79' });
    expect(first.subLines?.[0]?.subLines?.[0]).toMatchObject({ id: '1 1 1', quantity: '149', unitCode: 'MTR', netAmount: '193.70' });
  });
});

describe('extractInvoice on CII invoices', () => {
  it('yields the same facts from the CII rendering of 01.01a as from the UBL original', () => {
    const ubl = extract(sample('business-cases/standard/01.01a-INVOICE_ubl.xml'));
    const cii = extract(fixture('cii-01.01a-equivalent.xml'));
    expect(cii.syntax).toBe('CII');
    expect({ ...cii, syntax: 'UBL' }).toEqual(ubl);
    expect(cii.totals.payableAmount).toBe(rawText(fixture('cii-01.01a-equivalent.xml'), 'DuePayableAmount'));
  });

  it('reads the municipal invoice completely', () => {
    const xml = fixture('cii-stadt-musterhausen.xml');
    const facts = extract(xml);
    expect(facts).toEqual(EXPECTED_MUSTERHAUSEN);
    expect(facts.totals.payableAmount).toBe(rawText(xml, 'DuePayableAmount'));
  });

  it.each(['cii-01.01a-equivalent.xml', 'cii-stadt-musterhausen.xml'])('%s has the facts asked of every UBL sample', (name) => {
    const xml = fixture(name);
    const facts = extract(xml);
    expect(facts.syntax).toBe('CII');
    expect(facts.invoiceNumber).toBe(rawText(xml.slice(xml.indexOf('<rsm:ExchangedDocument>')), 'ID'));
    expect(facts.issueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(facts.currency).toBe('EUR');
    expect(facts.seller.name).toBeTruthy();
    expect(facts.leitwegId).toBeDefined();
    expect(facts.payment.ibans).toHaveLength(1);
    expect(facts.lines).toHaveLength(2);
    expect(errorsOf(facts)).toEqual([]);
  });

  it('nests CII lines by ParentLineID, only below an earlier line', () => {
    const xml = fixture('cii-stadt-musterhausen.xml').replace('<ram:LineID>2</ram:LineID>', '<ram:LineID>2</ram:LineID><ram:ParentLineID>1</ram:ParentLineID>');
    const facts = extract(xml);
    expect(facts.lines.map((line) => line.id)).toEqual(['1']);
    expect(facts.lines[0]!.subLines?.map((line) => line.id)).toEqual(['2']);

    const forward = extract(fixture('cii-stadt-musterhausen.xml').replace('<ram:LineID>1</ram:LineID>', '<ram:LineID>1</ram:LineID><ram:ParentLineID>2</ram:ParentLineID>'));
    expect(forward.lines.map((line) => line.id)).toEqual(['1', '2']);
    expect(forward.findings).toContainEqual(expect.objectContaining({ bt: 'BT-126', severity: 'warning' }));
  });
});

describe('extractInvoice matches by namespace, not by prefix', () => {
  it('reads UBL with other prefixes (and a prefixed root) alike', () => {
    const original = sample('business-cases/standard/01.01a-INVOICE_ubl.xml');
    const renamed = original
      .replace(/<(\/?)cac:/g, '<$1a:')
      .replace(/<(\/?)cbc:/g, '<$1b:')
      .replace(/<(\/?)ubl:/g, '<$1rechnung:')
      .replace('xmlns:cac=', 'xmlns:a=')
      .replace('xmlns:cbc=', 'xmlns:b=')
      .replace('xmlns:ubl=', 'xmlns:rechnung=');
    expect(renamed).toContain('<rechnung:Invoice xmlns:rechnung=');
    expect(renamed).toContain('<b:PayableAmount');
    expect(extract(renamed)).toEqual(extract(original));
  });

  it('reads CII with the ram namespace as default namespace alike', () => {
    const original = fixture('cii-stadt-musterhausen.xml');
    const renamed = original
      .replace(/<(\/?)ram:/g, '<$1')
      .replace(/<(\/?)rsm:/g, '<$1x:')
      .replace(/<(\/?)udt:/g, '<$1d:')
      .replace('xmlns:ram=', 'xmlns=')
      .replace('xmlns:rsm=', 'xmlns:x=')
      .replace('xmlns:udt=', 'xmlns:d=');
    expect(renamed).toContain('<DuePayableAmount>');
    expect(extract(renamed)).toEqual(extract(original));
  });

  it('ignores elements with the right name in the wrong namespace', () => {
    const original = sample('business-cases/standard/01.01a-INVOICE_ubl.xml');
    const wrongCbc = original.replace('urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2', 'urn:example:not-cbc');
    const facts = extract(wrongCbc);
    expect(facts.invoiceNumber).toBeUndefined();
    expect(facts.totals).toEqual({});
    expect(facts.findings).toContainEqual({ bt: 'BT-1', rule: 'BR-2', severity: 'error', message: 'Invoice number (BT-1) is missing' });
  });
});

describe('extractInvoice on what is not a (complete) invoice', () => {
  it.each([
    ['an xdomea message', readFileSync(path.resolve(process.cwd(), '../shared/conformance/xdomea/samples/thueringen-patterns-3.0.0', firstXdomeaSample()))],
    ['an Invoice without namespace', '<Invoice><ID>1</ID></Invoice>'],
    ['an Invoice in the CreditNote namespace', '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"/>'],
    ['a ZUGFeRD 1 CrossIndustryDocument', '<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"/>'],
    ['a UBL Order', '<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>'],
  ])('refuses %s as not-an-invoice', (_what, xml) => {
    let caught: unknown;
    try {
      extract(xml);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PermanentError);
    expect(caught).toMatchObject({ code: 'not-an-invoice', retryable: false });
  });

  it('names every missing mandatory field by business term instead of throwing', () => {
    const facts = extract(`<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
        xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
        xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
      <cbc:IssueDate>2025-02-30</cbc:IssueDate>
      <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
      <cac:AccountingSupplierParty><cac:Party><cac:PostalAddress><cbc:CityName>Musterhausen</cbc:CityName></cac:PostalAddress></cac:Party></cac:AccountingSupplierParty>
      <cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="EUR">12,50</cbc:PayableAmount></cac:LegalMonetaryTotal>
      <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:LineExtensionAmount currencyID="EUR">10.00</cbc:LineExtensionAmount></cac:InvoiceLine>
    </Invoice>`);
    expect(facts.issueDate).toBeUndefined();
    expect(facts.totals.payableAmount).toBeUndefined();
    const errors = errorsOf(facts).map((finding) => `${finding.bt} ${finding.rule ?? '-'}`);
    expect(errors).toEqual([
      'BT-2 -', // not a calendar date
      'BT-115 -', // not a decimal
      'BT-24 BR-1',
      'BT-1 BR-2',
      'BT-2 BR-3',
      'BT-3 BR-4',
      'BT-27 BR-6',
      'BT-44 BR-7',
      'BT-40 BR-9',
      'BG-8 BR-10',
      'BT-106 BR-12',
      'BT-109 BR-13',
      'BT-112 BR-14',
      'BT-115 BR-15',
      'BT-129 BR-22',
      'BT-130 BR-23',
      'BT-146 BR-26',
      'BT-151 BR-CO-4',
      'BT-153 BR-25',
      'BG-23 BR-CO-18',
      'BT-10 BR-DE-15',
      'BT-34 -',
      'BT-49 -',
      'BT-38 BR-DE-4',
      'BG-6 BR-DE-2',
      'BG-16 BR-DE-1',
    ]);
    expect(facts.findings[0]!.message).toBe('Invoice issue date (BT-2) "2025-02-30" is not a calendar date');
    expect(facts.findings[1]!.message).toBe('Amount due for payment (BT-115) "12,50" is not a decimal number');
    expect(facts.findings).toContainEqual({ bt: 'BT-129', rule: 'BR-22', severity: 'error', message: 'Line 1: Invoiced quantity (BT-129) is missing' });
  });

  it('reports totals that do not add up, exactly (no floats)', () => {
    const xml = sample('business-cases/standard/01.01a-INVOICE_ubl.xml')
      .replace('<cbc:PayableAmount currencyID="EUR">336.9<', '<cbc:PayableAmount currencyID="EUR">336.91<')
      .replace(/(<cbc:TaxAmount currencyID="EUR">)22\.04(<\/cbc:TaxAmount>\s*<cac:TaxSubtotal>)/, (_match, open: string, close: string) => `${open}22.040${close}`);
    const facts = extract(xml);
    expect(facts.totals.taxAmount).toBe('22.040');
    expect(errorsOf(facts)).toEqual([{ bt: 'BT-115', rule: 'BR-CO-16', severity: 'error', message: 'BT-115 is 336.91 but BT-112 - BT-113 + BT-114 gives 336.9' }]);
  });

  it('warns when sub-lines do not add up to their line (BR-DEX-02)', () => {
    const facts = extract(sample('business-cases/extension/04.01a-INVOICE_ubl.xml').replace('currencyID="EUR">335.79<', 'currencyID="EUR">335.80<'));
    expect(errorsOf(facts)).toEqual([]);
    expect(facts.findings).toContainEqual({
      bt: 'BT-131',
      rule: 'BR-DEX-02',
      severity: 'warning',
      message: 'Line 1: net amount (BT-131) is 818.04 but its sub-lines add up to 818.05',
    });
  });

  it('checks Skonto lines (BR-DE-18) and IBAN check digits (BR-DE-19)', () => {
    const xml = fixture('cii-stadt-musterhausen.xml')
      .replace('#SKONTO#TAGE=14#PROZENT=2.00#', '#SKONTO#TAGE=14#PROZENT=2#')
      .replace('DE89 3704 0044 0532 0130 00', 'DE89 3704 0044 0532 0130 01');
    const facts = extract(xml);
    expect(facts.payment.discounts).toEqual([]);
    expect(facts.payment.ibans).toEqual([]);
    expect(facts.findings.map((finding) => `${finding.severity} ${finding.rule}`)).toEqual(['warning BR-DE-19', 'error BR-DE-18']);
  });

  it('reads a UBL CreditNote with its own element names', () => {
    const facts = extract(`<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
        xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
        xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
      <cbc:ID>GS-7</cbc:ID>
      <cbc:IssueDate>2025-03-01</cbc:IssueDate>
      <cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>
      <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
      <cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cbc:PaymentDueDate>2025-03-15</cbc:PaymentDueDate></cac:PaymentMeans>
      <cac:CreditNoteLine>
        <cbc:ID>1</cbc:ID>
        <cbc:CreditedQuantity unitCode="C62">2</cbc:CreditedQuantity>
        <cbc:LineExtensionAmount currencyID="EUR">-20.00</cbc:LineExtensionAmount>
        <cac:Item><cbc:Name>Rückgabe</cbc:Name></cac:Item>
      </cac:CreditNoteLine>
    </CreditNote>`);
    expect(facts).toMatchObject({ syntax: 'UBL', kind: 'credit-note', invoiceNumber: 'GS-7', typeCode: '381', payment: { dueDate: '2025-03-15' } });
    expect(facts.lines).toEqual([{ id: '1', quantity: '2', unitCode: 'C62', netAmount: '-20.00', name: 'Rückgabe', classifications: [] }]);
  });

  it('takes a credit-note type code in CII as a credit note', () => {
    const facts = extract(fixture('cii-stadt-musterhausen.xml').replace('<ram:TypeCode>380</ram:TypeCode>', '<ram:TypeCode>381</ram:TypeCode>'));
    expect(facts.kind).toBe('credit-note');
  });
});

function firstXdomeaSample(): string {
  const folder = path.resolve(process.cwd(), '../shared/conformance/xdomea/samples/thueringen-patterns-3.0.0');
  return readdirSync(folder).filter((name) => name.endsWith('.xml')).sort()[0]!;
}

const EXPECTED_01_01A: InvoiceFacts = {
  syntax: 'UBL',
  kind: 'invoice',
  profile: 'urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0',
  xrechnungVersion: '3.0',
  businessProcess: 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0',
  invoiceNumber: '123456XX',
  issueDate: '2016-04-04',
  typeCode: '380',
  currency: 'EUR',
  buyerReference: '04011000-12345-03',
  leitwegId: '04011000-12345-03',
  notes: [{ subjectCode: 'ADU', text: 'Es gelten unsere Allgem. Geschäftsbedingungen, die Sie unter […] finden.' }],
  seller: {
    name: '[Seller name]',
    tradingName: '[Seller trading name]',
    identifiers: [],
    legalRegistrationId: { id: '[HRA-Eintrag]' },
    vatId: 'DE 123456789',
    electronicAddress: { id: 'seller@email.de', scheme: 'EM' },
    address: { line1: '[Seller address line 1]', city: '[Seller city]', postalCode: '12345', countryCode: 'DE' },
    contact: { name: 'nicht vorhanden', telephone: '+49 1234-5678', email: 'seller@email.de' },
  },
  buyer: {
    name: '[Buyer name]',
    identifiers: [{ id: '[Buyer identifier]' }],
    electronicAddress: { id: 'buyer@info.de', scheme: 'EM' },
    address: { line1: '[Buyer address line 1]', city: '[Buyer city]', postalCode: '12345', countryCode: 'DE' },
  },
  payment: {
    means: [{ code: '58', account: { id: 'DE79000000001234567890' } }],
    ibans: ['DE79000000001234567890'],
    terms: 'Zahlbar sofort ohne Abzug.',
    discounts: [],
  },
  totals: {
    lineExtensionAmount: '314.86',
    taxExclusiveAmount: '314.86',
    taxAmount: '22.04',
    taxInclusiveAmount: '336.9',
    payableAmount: '336.9',
  },
  taxBreakdown: [{ taxableAmount: '314.86', taxAmount: '22.04', categoryCode: 'S', rate: '7' }],
  lines: [
    {
      id: 'Zeitschrift [...]',
      note: 'Die letzte Lieferung im Rahmen des abgerechneten Abonnements erfolgt in 12/2016 Lieferung erfolgt / erfolgte direkt vom Verlag',
      quantity: '1',
      unitCode: 'XPP',
      netAmount: '288.79',
      netPrice: '288.79',
      taxCategory: 'S',
      taxRate: '7',
      name: 'Zeitschrift [...]',
      description: 'Zeitschrift Inland',
      sellerItemId: '246',
      classifications: [{ code: '0721-880X', listId: 'IB' }],
    },
    {
      id: 'Porto + Versandkosten',
      quantity: '1',
      unitCode: 'XPP',
      netAmount: '26.07',
      netPrice: '26.07',
      taxCategory: 'S',
      taxRate: '7',
      name: 'Porto + Versandkosten',
      classifications: [],
    },
  ],
  findings: [],
};

const EXPECTED_MUSTERHAUSEN: InvoiceFacts = {
  syntax: 'CII',
  kind: 'invoice',
  profile: 'urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0',
  xrechnungVersion: '3.0',
  businessProcess: 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0',
  invoiceNumber: 'RE-2025-0417',
  issueDate: '2025-04-01',
  typeCode: '380',
  currency: 'EUR',
  buyerReference: '05999000-HOCHBAU7-71',
  leitwegId: '05999000-HOCHBAU7-71',
  purchaseOrderReference: 'BE-2025-0815',
  buyerAccountingReference: '1.11.05/521100',
  notes: [{ subjectCode: 'AAI', text: 'Wartung gemäß Rahmenvertrag RV-2023-12, Los 3 (Rathaus).' }],
  seller: {
    name: 'Elektrotechnik Brandt GmbH',
    tradingName: 'Elektro Brandt',
    identifiers: [],
    legalRegistrationId: { id: 'HRB4711', scheme: '0002' },
    vatId: 'DE999999999',
    taxRegistrationId: '333/5555/7777',
    electronicAddress: { id: 'rechnung@elektro-brandt.example', scheme: 'EM' },
    address: { line1: 'Industriestraße 12', city: 'Musterhausen', postalCode: '59999', countryCode: 'DE' },
    contact: { name: 'Petra Brandt', telephone: '+49 5999 12345-0', email: 'buchhaltung@elektro-brandt.example' },
  },
  buyer: {
    name: 'Stadt Musterhausen',
    identifiers: [],
    electronicAddress: { id: '05999000-HOCHBAU7-71', scheme: '0204' },
    address: { line1: 'Rathausplatz 1', line2: 'Amt für Gebäudemanagement', city: 'Musterhausen', postalCode: '59999', countryCode: 'DE' },
    contact: { name: 'Frau Yilmaz' },
  },
  payment: {
    means: [
      {
        code: '58',
        text: 'SEPA-Überweisung',
        account: { id: 'DE89 3704 0044 0532 0130 00', name: 'Elektrotechnik Brandt GmbH', bic: 'COBADEFFXXX' },
      },
    ],
    ibans: ['DE89370400440532013000'],
    remittanceInformation: 'RE-2025-0417',
    dueDate: '2025-05-01',
    terms: '#SKONTO#TAGE=14#PROZENT=2.00#\nZahlbar innerhalb von 30 Tagen ohne Abzug.',
    discounts: [{ days: 14, percent: '2.00' }],
  },
  totals: {
    lineExtensionAmount: '770.60',
    taxExclusiveAmount: '770.60',
    taxAmount: '146.41',
    taxInclusiveAmount: '917.01',
    payableAmount: '917.01',
  },
  taxBreakdown: [{ taxableAmount: '770.60', taxAmount: '146.41', categoryCode: 'S', rate: '19' }],
  lines: [
    {
      id: '1',
      quantity: '6',
      unitCode: 'HUR',
      netAmount: '411.00',
      netPrice: '68.50',
      taxCategory: 'S',
      taxRate: '19',
      name: 'Wartung Sicherheitsbeleuchtung Rathaus',
      description: 'Jährliche Prüfung der Sicherheitsbeleuchtung nach DIN EN 50172, Arbeitszeit',
      sellerItemId: 'W-SB-01',
      classifications: [],
    },
    {
      id: '2',
      note: 'Austausch defekter Leuchten im Treppenhaus Nord',
      quantity: '4',
      unitCode: 'C62',
      netAmount: '359.60',
      accountingReference: 'INV-2025-17',
      netPrice: '89.90',
      taxCategory: 'S',
      taxRate: '19',
      name: 'LED-Notleuchte 3 W, Einzelbatterie',
      sellerItemId: 'NL-LED-3W',
      classifications: [{ code: '94054200', listId: 'HS' }],
    },
  ],
  findings: [],
};
