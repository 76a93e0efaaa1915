import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { XmlDocument, XsdValidator } from 'libxml2-wasm';
import { DigitalSourceType, InputError, routesFileSchema, type CanonicalDocument, type DocumentStatus, type Route, type StepResult } from '@app/contracts';
import { disposeXsdSchemas } from '@app/xml';
import { connectorContext } from '../sdk/connector.context.js';
import type { ConnectorContext, ConnectorDocument } from '../sdk/connector.definition.js';
import { checkRouteConnectors, ConnectorRegistry } from '../sdk/connector.registry.js';
import type { InvoiceFacts } from './invoice-facts.types.js';
import { renderInvoiceText, xrechnungConnector, type ParsedInvoice, type XrechnungOptions } from './xrechnung.connector.js';
import { expectRejected } from '@app/testing';

/** The 45 UBL invoices of the official XRechnung 3.0 test suite (see ../shared/conformance/README.md). */
const SAMPLES = path.resolve(process.cwd(), '../shared/conformance/xrechnung/samples');
const FIXTURES = path.resolve(process.cwd(), 'test/fixtures/ok/xrechnung');
const CONTRACTS = path.resolve(process.cwd(), 'contracts');
const RESULT_XSD = new URL('../../../../contracts/schnittstelle/v1/result.xsd', import.meta.url);
const ns = { r: 'urn:schnittstelle:result:v1' };

const samples = readdirSync(SAMPLES, { withFileTypes: true, recursive: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.xml'))
  .map((entry) => path.join(entry.parentPath, entry.name))
  .sort();

/** A route as the routes file gives it, its connector options checked by the registry as at start. */
function routeWith(options: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Route {
  const file = routesFileSchema.parse({
    routes: {
      rechnungen: {
        connector: { type: 'xrechnung', ...options },
        steps: [{ id: 'kostenstelle', task: 'classify', labels: { 'ks-1100-it': ['software'], 'ks-6100-strassenbau': ['asphalt'] } }],
        writeback: { type: 'folder' },
        ...extra,
      },
    },
  });
  const checked = checkRouteConnectors([{ id: 'rechnungen', ...file.routes.rechnungen! }], new ConnectorRegistry([xrechnungConnector]));
  expect(checked.issues).toEqual([]);
  return checked.routes[0]!;
}

function contextFor(route: Route): ConnectorContext<XrechnungOptions> {
  return connectorContext<XrechnungOptions>({
    route,
    ref: route.connector!,
    contractsDir: CONTRACTS,
    configDir: process.cwd(),
    defaultMaxBodyBytes: 10 * 1024 * 1024,
    log: { info: () => undefined, warn: () => undefined },
  });
}

const defaultCtx = contextFor(routeWith());

/** parse, validate, toDocument, as intake runs them. */
async function read(body: Buffer | string, ctx = defaultCtx): Promise<{ parsed: ParsedInvoice; document: ConnectorDocument }> {
  const parsed = await xrechnungConnector.parse!({ body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), mediaType: 'application/xml' }, ctx);
  await xrechnungConnector.validate!(parsed, ctx);
  return { parsed, document: await xrechnungConnector.toDocument!(parsed, ctx) };
}

const refusal = (body: Buffer | string, ctx = defaultCtx) => expectRejected(InputError, read(body, ctx));

describe('xrechnungConnector: declaration and options', () => {
  it('is a format connector: parse, validate, toDocument, fromResult, no transport hooks', () => {
    expect(xrechnungConnector.name).toBe('xrechnung');
    expect(typeof xrechnungConnector.parse).toBe('function');
    expect(typeof xrechnungConnector.fromResult).toBe('function');
    expect(xrechnungConnector.send).toBeUndefined();
    expect(xrechnungConnector.receive).toBeUndefined();
  });

  it('fills its option defaults and names a wrong option by path', () => {
    expect(routeWith().connector!.options).toEqual({ schema: 'catalogue', rules: 'warn' });
    const file = routesFileSchema.parse({
      routes: { r: { connector: { type: 'xrechnung', rules: 'ignore', colour: 'red' }, steps: [{ id: 'a', task: 'detect-language' }], writeback: { type: 'folder' } } },
    });
    const { issues } = checkRouteConnectors([{ id: 'r', ...file.routes.r! }], new ConnectorRegistry([xrechnungConnector]));
    expect(issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['routes.r.connector.rules', 'routes.r.connector']));
    expect(issues.map((i) => i.message).join('\n')).toMatch(/colour/);
  });
});

describe('xrechnungConnector on the 45 UBL invoices of the XRechnung test suite', () => {
  afterAll(() => disposeXsdSchemas());

  it('finds all 45', () => {
    expect(samples).toHaveLength(45);
  });

  it.each(samples.map((file) => [path.relative(SAMPLES, file), file]))('%s: valid UBL 2.1, facts and a German text', async (_name, file) => {
    const xml = readFileSync(file!, 'utf8');
    const { parsed, document } = await read(xml);
    const fields = document.fields as unknown as InvoiceFacts;
    expect(parsed.syntax).toBe('UBL');
    expect(document.kind).toBe('xml');
    expect(document.rootElement).toMatch(/^(Invoice|CreditNote)$/);
    expect(fields.invoiceNumber).toBeTruthy();
    expect(fields.seller.name).toBeTruthy();
    expect(fields.buyer.name).toBeTruthy();
    expect(fields.totals.payableAmount).toMatch(/^-?\d+(\.\d+)?$/);
    expect(fields.lines.length).toBeGreaterThan(0);
    // Contact persons (BG-6, BG-9) stay in the body.
    expect(fields.seller).not.toHaveProperty('contact');
    expect(fields.buyer).not.toHaveProperty('contact');
    // The text names the parties and the first line item, and starts with a title line.
    expect(document.text.split('\n')[0]).toMatch(/^(Rechnung|Gutschrift) /);
    expect(document.text).toContain(fields.seller.name!);
    expect(document.text).toContain(fields.buyer.name!);
    const firstLine = fields.lines[0]!;
    if (firstLine.name) expect(document.text).toContain(firstLine.name);
    expect(document.text).toContain(`Zahlbetrag: ${fields.totals.payableAmount!.replace('.', ',')}`);
  });

  it('carries the Leitweg-ID where BT-10 is one, and a warning where its check digits are wrong', async () => {
    const documents = await Promise.all(samples.map(async (file) => (await read(readFileSync(file))).document));
    const withLeitwegId = documents.filter((d) => (d.fields as unknown as InvoiceFacts).leitwegId !== undefined);
    expect(withLeitwegId).toHaveLength(42);
    const flagged = documents.filter((d) => d.warnings!.some((w) => /^warning BT-10: .* is no Leitweg-ID/.test(w)));
    expect(flagged.map((d) => (d.fields as unknown as InvoiceFacts).buyerReference).sort()).toEqual(['04011000-12345-34', '99000000-01944-98', '99000000-05676-98']);
    // Valid suite invoices have no error findings, so no warning starts with "error".
    for (const document of documents) expect(document.warnings!.filter((w) => w.startsWith('error'))).toEqual([]);
  });

  it('lists embedded attachments as parts, without their content', async () => {
    const { document } = await read(readFileSync(path.join(SAMPLES, 'technical-cases/cius/01.01_comprehensive_test_ubl.xml')));
    expect(document.parts).toEqual([
      { name: '01_15_Anhang_01.pdf', mediaType: 'application/pdf', sizeBytes: expect.any(Number), textExtracted: false },
      { name: '01_15_Anhang_02.pdf', mediaType: 'application/pdf', sizeBytes: expect.any(Number), textExtracted: false },
    ]);
    expect(document.parts![0]!.sizeBytes).toBeGreaterThan(100);
  });
});

describe('xrechnungConnector on CII invoices', () => {
  it.each(['cii-stadt-musterhausen.xml', 'cii-01.01a-equivalent.xml'])('%s: read without an XSD (none is vendored for CII)', async (name) => {
    const { parsed, document } = await read(readFileSync(path.join(FIXTURES, name)));
    const fields = document.fields as unknown as InvoiceFacts;
    expect(parsed.syntax).toBe('CII');
    expect(document.rootElement).toBe('CrossIndustryInvoice');
    expect(fields.syntax).toBe('CII');
    expect(fields.seller.name).toBeTruthy();
    expect(fields.lines.length).toBeGreaterThan(0);
    expect(document.text).toContain(fields.seller.name!);
  });

  it('gives the Stadt Musterhausen invoice its Leitweg-ID and a readable text', async () => {
    const { document } = await read(readFileSync(path.join(FIXTURES, 'cii-stadt-musterhausen.xml')));
    const fields = document.fields as unknown as InvoiceFacts;
    expect(fields.leitwegId).toBeTruthy();
    expect(document.text).toMatch(/^Rechnung RE-2025-0417 vom 01\.04\.2025\n/);
    expect(document.text).toContain(`Leitweg-ID: ${fields.leitwegId}`);
    expect(document.text).toContain('Wartung gemäß Rahmenvertrag RV-2023-12');
  });
});

describe('xrechnungConnector refuses what it cannot take (InputError, 4xx)', () => {
  const ubl = readFileSync(path.join(SAMPLES, 'business-cases/standard/01.01a-INVOICE_ubl.xml'), 'utf8');

  it('XML that is no invoice', async () => {
    const error = await refusal('<?xml version="1.0"?><Brief xmlns="urn:example"><Text>Hallo</Text></Brief>');
    expect(error).toMatchObject({ code: 'not-an-invoice', httpStatus: 422 });
    expect(error.message).toContain('{urn:example}Brief');
  });

  it('what is no XML, and hostile XML, through the hardened parser', async () => {
    expect(await refusal('Sehr geehrte Damen und Herren')).toMatchObject({ code: 'not-xml' });
    expect(await refusal('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')).toMatchObject({ code: 'doctype' });
  });

  it('keeps to the route limits for depth and attributes', async () => {
    const shallow = contextFor(routeWith({}, { limits: { maxDepth: 3 } }));
    expect(await refusal(ubl, shallow)).toMatchObject({ code: 'too-deep' });
    const few = contextFor(routeWith({}, { limits: { maxAttributes: 2 } }));
    expect(await refusal(ubl, few)).toMatchObject({ code: 'too-many-attributes' });
  });

  it('a UBL invoice that is not valid UBL 2.1, with line and column; schema: none takes it', async () => {
    const broken = ubl.replace(/<cbc:IssueDate>/, '<cbc:Unbekannt>x</cbc:Unbekannt><cbc:IssueDate>');
    expect(broken).not.toBe(ubl);
    const error = await refusal(broken);
    expect(error).toMatchObject({ code: 'schema-invalid', httpStatus: 422 });
    expect(error.message).toMatch(/line \d+, column \d+: .*Unbekannt/);
    const { document } = await read(broken, contextFor(routeWith({ schema: 'none' })));
    expect(document.fields).toMatchObject({ invoiceNumber: expect.any(String) });
  });

  it('an invoice that breaks a rule: a warning by default, refused with rules: refuse', async () => {
    const nameless = ubl.replace(/(<cac:AccountingCustomerParty>[\s\S]*?<cbc:RegistrationName>)[^<]*(<\/cbc:RegistrationName>)/, '$1$2').replace(/<cbc:RegistrationName><\/cbc:RegistrationName>/, '');
    const lax = await read(nameless, contextFor(routeWith({ schema: 'none' })));
    expect(lax.document.warnings!.some((w) => /^error BT-44 \(BR-7\)/.test(w))).toBe(true);
    const error = await refusal(nameless, contextFor(routeWith({ schema: 'none', rules: 'refuse' })));
    expect(error).toMatchObject({ code: 'invoice-rules', httpStatus: 422 });
    expect(error.message).toContain('BT-44 (BR-7)');
  });
});

describe('xrechnungConnector.fromResult: the result XML with InvoiceFacts', () => {
  let schemaDoc: XmlDocument;
  let validator: XsdValidator;

  beforeAll(async () => {
    schemaDoc = XmlDocument.fromString(await readFile(RESULT_XSD, 'utf8'), { url: RESULT_XSD.href });
    validator = XsdValidator.fromDoc(schemaDoc);
  });

  afterAll(() => {
    validator?.dispose();
    schemaDoc?.dispose();
  });

  const label = { aiGenerated: true as const, digitalSourceType: DigitalSourceType.algorithmicMedia, provider: 'embedded', model: 'keyword/1', generatedAt: '2025-04-02T08:00:00.000Z', reviewState: 'unreviewed' as const };
  const classification: StepResult = { step: 'kostenstelle', task: 'classify', output: { label: 'ks-1100-it', confidence: 0.6, scores: { 'ks-1100-it': 0.8, 'ks-6100-strassenbau': 0.2 } }, label };

  async function resultFor(body: Buffer, channel: CanonicalDocument['channel'] = 'rest'): Promise<string> {
    const document: CanonicalDocument = {
      id: '0b7a3c1e-58f2-8d4a-9c2b-1e2f3a4b5c6d',
      routeId: 'rechnungen',
      channel,
      kind: 'xml',
      contentType: 'application/xml',
      sizeBytes: body.length,
      sha256: 'a'.repeat(64),
      receivedAt: '2025-04-02T07:59:00.000Z',
    };
    const status: DocumentStatus = { document, state: 'processing', steps: [], results: { kostenstelle: classification } };
    const message = await xrechnungConnector.fromResult!({ document, status, body, writtenAt: '2025-04-02T08:00:01.000Z' }, defaultCtx);
    expect(message.mediaType).toBe('application/xml');
    expect(message.filename).toBe(`${document.id}.xml`);
    return message.body.toString('utf8');
  }

  function validated(xml: string, check: (doc: XmlDocument) => void): void {
    const doc = XmlDocument.fromString(xml);
    try {
      validator.validate(doc);
      check(doc);
    } finally {
      doc.dispose();
    }
  }

  it.each(samples.map((file) => [path.relative(SAMPLES, file), file]))('%s: valid against result.xsd, facts and the AI step', async (_name, file) => {
    const body = readFileSync(file!);
    const { document } = await read(body);
    const facts = document.fields as unknown as InvoiceFacts;
    validated(await resultFor(body), (doc) => {
      const text = (xpath: string) => doc.get(xpath, ns)?.content;
      expect(text('/r:Result/r:InvoiceFacts/r:Syntax')).toBe('UBL');
      expect(text('/r:Result/r:InvoiceFacts/r:InvoiceNumber')).toBe(facts.invoiceNumber);
      expect(text('/r:Result/r:InvoiceFacts/r:Seller/r:Name')).toBe(facts.seller.name);
      expect(text('/r:Result/r:InvoiceFacts/r:Buyer/r:Name')).toBe(facts.buyer.name);
      expect(text('/r:Result/r:InvoiceFacts/r:Totals/r:PayableAmount')).toBe(facts.totals.payableAmount);
      expect(text('/r:Result/r:InvoiceFacts/r:LeitwegId')).toBe(facts.leitwegId);
      expect(doc.find('/r:Result/r:InvoiceFacts/r:Line', ns)).toHaveLength(facts.lines.length);
      expect(text('/r:Result/r:Step[@id="kostenstelle"]/r:Output/r:Classification/r:Label')).toBe('ks-1100-it');
      expect(text('/r:Result/r:Step[@id="kostenstelle"]/r:AiLabel/@aiGenerated')).toBe('true');
      // Facts read by rules carry no AI label.
      expect(doc.find('/r:Result/r:InvoiceFacts//r:AiLabel', ns)).toHaveLength(0);
    });
  });

  it('is valid for a CII invoice and a document fetched by a source', async () => {
    validated(await resultFor(readFileSync(path.join(FIXTURES, 'cii-stadt-musterhausen.xml')), 'source:xta2'), (doc) => {
      expect(doc.get('/r:Result/r:InvoiceFacts/r:Syntax', ns)?.content).toBe('CII');
      expect(doc.get('/r:Result/r:Document/r:Channel', ns)?.content).toBe('source:xta2');
    });
  });
});

describe('renderInvoiceText', () => {
  it('writes amounts the German way and leaves out what the invoice lacks', () => {
    const text = renderInvoiceText({
      syntax: 'UBL',
      kind: 'credit-note',
      invoiceNumber: 'G-1',
      currency: 'EUR',
      notes: [{ text: 'Rückerstattung wegen Doppelzahlung' }],
      seller: { name: 'Grünpflege Müller GmbH', identifiers: [], address: { city: 'Musterstadt', postalCode: '12345' } },
      buyer: { identifiers: [] },
      payment: { means: [], ibans: [], discounts: [] },
      totals: { payableAmount: '-119.00' },
      taxBreakdown: [],
      lines: [{ id: '1', name: 'Baumschnitt', quantity: '2.5', unitCode: 'HUR', netAmount: '-100.00', classifications: [] }],
      findings: [],
    });
    expect(text).toBe(
      [
        'Gutschrift G-1',
        '',
        'Rechnungssteller: Grünpflege Müller GmbH, 12345 Musterstadt',
        'Rechnungsempfänger: unbekannt',
        '',
        'Positionen:',
        '- Baumschnitt (2,5 HUR, -100,00 EUR)',
        '',
        'Zahlbetrag: -119,00 EUR',
        '',
        'Bemerkungen:',
        'Rückerstattung wegen Doppelzahlung',
        '',
      ].join('\n'),
    );
  });
});
