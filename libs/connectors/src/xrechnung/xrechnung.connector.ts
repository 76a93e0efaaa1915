/**
 * The XRechnung connector: electronic invoices (EN 16931 / XRechnung) in either syntax, UBL 2.1
 * (Invoice, CreditNote) and UN/CEFACT CII (CrossIndustryInvoice D16B), read into the route's document.
 *
 *   parse       hardened XML reading (@app/xml: no DTD, size, depth and attribute limits of the route),
 *               then the facts by rules (extractInvoice). Anything but an invoice is refused (422).
 *   validate    UBL against the vendored OASIS UBL 2.1 schema (contracts/ubl/2.1, via the XSD catalogue).
 *               CII: no CII schema is vendored (the conformance material has the UBL 2.1 XSDs and the
 *               XRechnung schematron only), so a CII invoice gets no XSD check. The XRechnung schematron
 *               (XSLT 2 query binding) is not executed: there is no XSLT 2 processor in this project.
 *               What stands in for it is checkInvoiceRules, the mandatory fields and sums of EN 16931 and
 *               XRechnung the middleware relies on; option `rules: refuse` refuses an invoice that breaks one.
 *   toDocument  `fields`: the invoice facts (seller, buyer, Leitweg-ID, totals, VAT breakdown, lines,
 *               findings), without the contact persons (BG-6, BG-9): names of people stay in the body.
 *               `text`: a readable German rendering (parties, lines, notes) for the AI steps, such as a
 *               cost-centre classification. `parts`: embedded attachments, listed, their text not read.
 *   fromResult  the generic result XML (contracts/schnittstelle/v1/result.xsd) with an InvoiceFacts element
 *               after Document: facts read by rules carry no AI label, the AI steps' outputs do.
 */
import { z } from 'zod';
import { InputError, type DocumentPart, type StepResult } from '@app/contracts';
import {
  childElements,
  documentElement,
  escapeXml,
  escapeXmlAttribute,
  firstChildElement,
  inspectXml,
  textContent,
  validateAgainstCatalogue,
  type XmlElement,
  type XmlInspection,
} from '@app/xml';
import { renderResultXml } from '../result-xml.renderer.js';
import { defineConnector } from '../sdk/connector.definition.js';
import { xmlLimitsOf } from '../sdk/connector.context.js';
import { CII_RAM_NAMESPACE } from './cii-invoice.reader.js';
import { isDecimal } from './decimal.arithmetic.js';
import type { InvoiceFacts, InvoiceFinding, InvoiceLine, InvoiceParty, InvoiceSyntax } from './invoice-facts.types.js';
import { UBL_CAC_NAMESPACE, UBL_CBC_NAMESPACE } from './ubl-invoice.reader.js';
import { extractInvoice, invoiceSyntaxOf } from './xrechnung.extractor.js';

export const xrechnungOptionsSchema = z.strictObject({
  /** `catalogue`: UBL invoices are checked against the vendored UBL 2.1 XSD; `none`: no XSD check. */
  schema: z.enum(['catalogue', 'none']).default('catalogue'),
  /**
   * An invoice that breaks a rule the connector checks (a mandatory field missing, sums that do not add up):
   * `warn` takes it in with the findings as warnings, `refuse` answers 422 naming each.
   */
  rules: z.enum(['warn', 'refuse']).default('warn'),
});

export type XrechnungOptions = z.infer<typeof xrechnungOptionsSchema>;

export interface ParsedInvoice {
  body: Buffer;
  inspection: XmlInspection;
  syntax: InvoiceSyntax;
  facts: InvoiceFacts;
}

const MAX_REPORTED_ERRORS = 20;

/** The end of the result document's Document element; InvoiceFacts follows it (result.xsd). */
const DOCUMENT_END = '</Document>';

export const xrechnungConnector = defineConnector<XrechnungOptions, ParsedInvoice>({
  name: 'xrechnung',
  description: 'XRechnung / EN 16931 invoices in UBL 2.1 (Invoice, CreditNote) and UN/CEFACT CII; facts by rules, result with InvoiceFacts',
  options: xrechnungOptionsSchema,

  parse(input, ctx) {
    const inspection = inspectXml(input.body, xmlLimitsOf(ctx.limits));
    const syntax = invoiceSyntaxOf(inspection);
    if (!syntax) {
      const found = inspection.namespace ? `{${inspection.namespace}}${inspection.rootElement}` : `${inspection.rootElement} (no namespace)`;
      throw new InputError(
        `not an invoice: expected a UBL 2.1 Invoice or CreditNote or a UN/CEFACT CII CrossIndustryInvoice, found the root element ${found}`,
        'not-an-invoice',
        422,
      );
    }
    return { body: input.body, inspection, syntax, facts: extractInvoice(inspection) };
  },

  async validate(parsed, ctx) {
    if (ctx.options.schema === 'catalogue' && parsed.syntax === 'UBL') {
      const result = await validateAgainstCatalogue(parsed.body, ctx.contractsDir);
      if (!result.valid) {
        const shown = result.errors.slice(0, MAX_REPORTED_ERRORS).map((e) => `line ${e.line}, column ${e.column}: ${e.message.trim()}`);
        const more = result.errors.length > shown.length ? `; and ${result.errors.length - shown.length} more` : '';
        throw new InputError(`the invoice is not valid UBL 2.1: ${shown.join('; ')}${more}`, 'schema-invalid', 422);
      }
    }
    if (ctx.options.rules === 'refuse') {
      const errors = parsed.facts.findings.filter((finding) => finding.severity === 'error');
      if (errors.length > 0) {
        const shown = errors.slice(0, MAX_REPORTED_ERRORS).map(describeFinding);
        const more = errors.length > shown.length ? `; and ${errors.length - shown.length} more` : '';
        throw new InputError(`the invoice breaks rules of EN 16931 / XRechnung: ${shown.join('; ')}${more}`, 'invoice-rules', 422);
      }
    }
  },

  toDocument(parsed) {
    const { facts, inspection } = parsed;
    return {
      kind: 'xml',
      text: renderInvoiceText(facts),
      rootElement: inspection.rootElement,
      fields: invoiceFields(facts),
      parts: attachmentsOf(inspection, parsed.syntax),
      warnings: [...inspection.warnings, ...facts.findings.map(describeFinding)],
    };
  },

  fromResult(result, ctx) {
    const { document } = result;
    // Read again from the body as received: the result does not depend on what was stored beside it.
    const facts = extractInvoice(inspectXml(result.body, xmlLimitsOf(ctx.limits)));
    const results = ctx.route.steps.map((step) => result.status.results[step.id]).filter((r): r is StepResult => r !== undefined);
    const xml = renderResultXml({ document, results, routeId: ctx.route.id, writtenAt: result.writtenAt });
    const end = xml.indexOf(DOCUMENT_END);
    // Text in the result is escaped, so the first </Document> is the element's end.
    if (end === -1) throw new Error('the result document has no Document element');
    const at = end + DOCUMENT_END.length;
    const body = `${xml.slice(0, at)}\n${renderInvoiceFacts(facts).map((line) => `  ${line}`).join('\n')}${xml.slice(at)}`;
    const meta: Record<string, string> = { syntax: facts.syntax };
    if (facts.invoiceNumber) meta.invoiceNumber = facts.invoiceNumber;
    if (facts.leitwegId) meta.leitwegId = facts.leitwegId;
    return { body: Buffer.from(body, 'utf8'), mediaType: 'application/xml', filename: `${document.id}.xml`, meta };
  },
});

/** `error BT-10 (BR-DE-15): Buyer reference (BT-10) is missing` */
function describeFinding(finding: InvoiceFinding): string {
  return `${finding.severity} ${finding.bt}${finding.rule ? ` (${finding.rule})` : ''}: ${finding.message}`;
}

/** The facts kept with the document and shown by the status API: everything but the contact persons. */
export function invoiceFields(facts: InvoiceFacts): Record<string, unknown> {
  const party = ({ contact: _contact, ...rest }: InvoiceParty) => rest;
  return { ...facts, seller: party(facts.seller), buyer: party(facts.buyer) };
}

/** Embedded attachments (UBL cac:AdditionalDocumentReference/cac:Attachment, CII ram:AdditionalReferencedDocument). */
function attachmentsOf(inspection: XmlInspection, syntax: InvoiceSyntax): DocumentPart[] {
  const root = documentElement(inspection.tree);
  if (!root) return [];
  const objects: XmlElement[] = [];
  if (syntax === 'UBL') {
    for (const reference of childElements(root, 'AdditionalDocumentReference', [UBL_CAC_NAMESPACE])) {
      const object = firstChildElement(firstChildElement(reference, 'Attachment', [UBL_CAC_NAMESPACE]), 'EmbeddedDocumentBinaryObject', [UBL_CBC_NAMESPACE]);
      if (object) objects.push(object);
    }
  } else {
    const transaction = childElements(root).find((child) => child.localName === 'SupplyChainTradeTransaction');
    const agreement = firstChildElement(transaction, 'ApplicableHeaderTradeAgreement', [CII_RAM_NAMESPACE]);
    for (const reference of agreement ? childElements(agreement, 'AdditionalReferencedDocument', [CII_RAM_NAMESPACE]) : []) {
      const object = firstChildElement(reference, 'AttachmentBinaryObject', [CII_RAM_NAMESPACE]);
      if (object) objects.push(object);
    }
  }
  return objects.map((object, index) => {
    const base64 = (textContent(object) ?? '').replace(/\s+/g, '');
    const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
    return {
      name: object.attributes.filename?.trim() || `anhang-${index + 1}`,
      mediaType: object.attributes.mimeCode?.trim() || 'application/octet-stream',
      sizeBytes: Math.max(0, Math.floor((base64.length * 3) / 4) - padding),
      textExtracted: false,
    };
  });
}

// ---- the text the AI steps read ----

function germanDate(iso: string | undefined): string | undefined {
  const match = iso ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso) : null;
  return match ? `${match[3]}.${match[2]}.${match[1]}` : iso;
}

function amount(value: string | undefined, currency: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return `${value.replace('.', ',')}${currency ? ` ${currency}` : ''}`;
}

function partyLine(party: InvoiceParty): string {
  const names = [party.name, party.tradingName && party.tradingName !== party.name ? `(${party.tradingName})` : undefined].filter(Boolean).join(' ');
  const place = [party.address?.postalCode, party.address?.city].filter(Boolean).join(' ');
  return [names || 'unbekannt', place].filter(Boolean).join(', ');
}

/** Item names and descriptions sometimes carry line breaks from the sender's system; a line of text is one line. */
function oneLine(value: string | undefined): string | undefined {
  const joined = value?.replace(/\s+/g, ' ').trim();
  return joined || undefined;
}

function lineText(line: InvoiceLine, currency: string | undefined, depth: number): string[] {
  const name = oneLine(line.name);
  const description = oneLine(line.description);
  const what = [name, description && description !== name ? description : undefined].filter(Boolean).join(': ');
  const quantity = line.quantity !== undefined ? `${line.quantity.replace('.', ',')}${line.unitCode ? ` ${line.unitCode}` : ''}` : undefined;
  const facts = [quantity, amount(line.netAmount, currency)].filter(Boolean).join(', ');
  const lines = [`${'  '.repeat(depth)}- ${what || `Position ${line.id ?? ''}`.trim()}${facts ? ` (${facts})` : ''}`];
  if (oneLine(line.note)) lines.push(`${'  '.repeat(depth + 1)}Notiz: ${oneLine(line.note)}`);
  for (const sub of line.subLines ?? []) lines.push(...lineText(sub, currency, depth + 1));
  return lines;
}

/** A readable German rendering of the invoice: title line first (the classifier weighs it), then parties, lines, sums, notes. */
export function renderInvoiceText(facts: InvoiceFacts): string {
  const currency = facts.currency;
  const title = [facts.kind === 'credit-note' ? 'Gutschrift' : 'Rechnung', facts.invoiceNumber, facts.issueDate ? `vom ${germanDate(facts.issueDate)}` : undefined]
    .filter(Boolean)
    .join(' ');
  const out = [title, '', `Rechnungssteller: ${partyLine(facts.seller)}`, `Rechnungsempfänger: ${partyLine(facts.buyer)}`];
  if (facts.leitwegId) out.push(`Leitweg-ID: ${facts.leitwegId}`);
  else if (facts.buyerReference) out.push(`Käuferreferenz: ${facts.buyerReference}`);
  if (facts.purchaseOrderReference) out.push(`Bestellnummer: ${facts.purchaseOrderReference}`);
  if (facts.buyerAccountingReference) out.push(`Kontierung des Käufers: ${facts.buyerAccountingReference}`);
  if (facts.lines.length > 0) out.push('', 'Positionen:', ...facts.lines.flatMap((line) => lineText(line, currency, 0)));
  const sums = [
    ['Summe netto', facts.totals.taxExclusiveAmount],
    ['Umsatzsteuer', facts.totals.taxAmount],
    ['Gesamtbetrag', facts.totals.taxInclusiveAmount],
    ['Zahlbetrag', facts.totals.payableAmount],
  ].flatMap(([label, value]) => (value === undefined ? [] : [`${label}: ${amount(value, currency)}`]));
  if (sums.length > 0) out.push('', ...sums);
  if (facts.payment.dueDate) out.push(`Fällig am: ${germanDate(facts.payment.dueDate)}`);
  if (facts.payment.terms) out.push(`Zahlungsbedingungen: ${facts.payment.terms.replace(/#SKONTO#[^\n]*/g, '').trim() || 'Skonto'}`);
  if (facts.notes.length > 0) out.push('', 'Bemerkungen:', ...facts.notes.map((note) => note.text));
  return `${out.join('\n')}\n`;
}

// ---- InvoiceFacts in the result document (contracts/schnittstelle/v1/result.xsd) ----

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function el(name: string, value: string | undefined): string[] {
  return value === undefined || value.trim() === '' ? [] : [`<${name}>${escapeXml(value)}</${name}>`];
}

/** xs:decimal elements: a value the invoice wrote in another form is left out rather than making the result invalid. */
function decimalEl(name: string, value: string | undefined): string[] {
  return value !== undefined && isDecimal(value) ? el(name, value) : [];
}

function dateEl(name: string, value: string | undefined): string[] {
  return value !== undefined && ISO_DATE.test(value) ? el(name, value) : [];
}

function indented(lines: string[]): string[] {
  return lines.map((line) => `  ${line}`);
}

function partyXml(name: string, party: InvoiceParty): string[] {
  const address = party.address
    ? [...el('Line1', party.address.line1), ...el('City', party.address.city), ...el('PostalCode', party.address.postalCode), ...el('CountryCode', party.address.countryCode)]
    : [];
  return [
    `<${name}>`,
    ...indented([
      ...el('Name', party.name),
      ...el('TradingName', party.tradingName),
      ...el('VatId', party.vatId),
      ...(address.length > 0 ? ['<Address>', ...indented(address), '</Address>'] : []),
    ]),
    `</${name}>`,
  ];
}

function lineXml(name: 'Line' | 'SubLine', line: InvoiceLine): string[] {
  const id = line.id !== undefined && line.id.trim() !== '' ? ` id="${escapeXmlAttribute(line.id)}"` : '';
  const quantity =
    line.quantity !== undefined && isDecimal(line.quantity)
      ? [`<Quantity${line.unitCode ? ` unitCode="${escapeXmlAttribute(line.unitCode)}"` : ''}>${escapeXml(line.quantity)}</Quantity>`]
      : [];
  return [
    `<${name}${id}>`,
    ...indented([
      ...el('Name', line.name),
      ...el('Description', line.description),
      ...quantity,
      ...decimalEl('NetAmount', line.netAmount),
      ...decimalEl('NetPrice', line.netPrice),
      ...el('TaxCategory', line.taxCategory),
      ...decimalEl('TaxRate', line.taxRate),
      ...el('AccountingReference', line.accountingReference),
      ...(line.subLines ?? []).flatMap((sub) => lineXml('SubLine', sub)),
    ]),
    `</${name}>`,
  ];
}

/** The InvoiceFacts element, one line per entry, not indented. */
export function renderInvoiceFacts(facts: InvoiceFacts): string[] {
  const t = facts.totals;
  const findings = facts.findings.map(
    (f) => `<Finding bt="${escapeXmlAttribute(f.bt)}"${f.rule ? ` rule="${escapeXmlAttribute(f.rule)}"` : ''} severity="${f.severity}">${escapeXml(f.message)}</Finding>`,
  );
  return [
    '<InvoiceFacts>',
    ...indented([
      ...el('Syntax', facts.syntax),
      ...el('Kind', facts.kind),
      ...el('InvoiceNumber', facts.invoiceNumber),
      ...dateEl('IssueDate', facts.issueDate),
      ...el('TypeCode', facts.typeCode),
      ...el('Currency', facts.currency),
      ...el('XRechnungVersion', facts.xrechnungVersion),
      ...el('BuyerReference', facts.buyerReference),
      ...el('LeitwegId', facts.leitwegId),
      ...el('PurchaseOrderReference', facts.purchaseOrderReference),
      ...el('BuyerAccountingReference', facts.buyerAccountingReference),
      ...partyXml('Seller', facts.seller),
      ...partyXml('Buyer', facts.buyer),
      ...dateEl('DueDate', facts.payment.dueDate),
      ...facts.payment.ibans.flatMap((iban) => el('Iban', iban)),
      '<Totals>',
      ...indented([
        ...decimalEl('LineExtensionAmount', t.lineExtensionAmount),
        ...decimalEl('AllowanceTotalAmount', t.allowanceTotalAmount),
        ...decimalEl('ChargeTotalAmount', t.chargeTotalAmount),
        ...decimalEl('TaxExclusiveAmount', t.taxExclusiveAmount),
        ...decimalEl('TaxAmount', t.taxAmount),
        ...decimalEl('TaxInclusiveAmount', t.taxInclusiveAmount),
        ...decimalEl('PrepaidAmount', t.prepaidAmount),
        ...decimalEl('RoundingAmount', t.roundingAmount),
        ...decimalEl('PayableAmount', t.payableAmount),
      ]),
      '</Totals>',
      ...facts.lines.flatMap((line) => lineXml('Line', line)),
      ...findings,
    ]),
    '</InvoiceFacts>',
  ];
}
