import { checkLeitwegId, isValidIban } from '@app/contracts';
import { decimalsEqual, negateDecimal, sumDecimals } from './decimal.arithmetic.js';
import type { InvoiceFacts, InvoiceFinding, InvoiceFindingSeverity, InvoiceLine } from './invoice-facts.types.js';
import { parseEarlyPaymentDiscounts } from './payment-terms.parser.js';

/** BR-DE-17: the type codes XRechnung expects. */
const XRECHNUNG_TYPE_CODES = new Set(['326', '380', '384', '389', '381', '875', '876', '877']);

/**
 * The deterministic checks on the canonical facts, so both syntaxes are judged alike: the mandatory
 * fields of EN 16931 (BR-1 ... BR-26, BR-CO-4, BR-CO-18, BR-45 ... BR-47) and of XRechnung (BR-DE-*,
 * BR-DEX-03 for extension sub-lines), the sums of the document totals (BR-CO-10, -13, -14, -15, -16,
 * BR-DEX-09 with third-party payments, BR-DEX-02 for sub-lines; exact decimal arithmetic), and a few
 * things worth a look (Leitweg-ID format, IBAN check digits, XRechnung profile and type code).
 * This is no replacement for schema and schematron validation (the KoSIT validator): it checks what
 * the middleware relies on and says what is missing, by business term.
 */
export function checkInvoiceRules(facts: InvoiceFacts): InvoiceFinding[] {
  const findings: InvoiceFinding[] = [];
  const report = (severity: InvoiceFindingSeverity, bt: string, rule: string | undefined, message: string) => {
    findings.push(rule ? { bt, rule, severity, message } : { bt, severity, message });
  };
  const required = (value: unknown, bt: string, rule: string | undefined, what: string, where = '') => {
    if (value === undefined) report('error', bt, rule, `${where}${what} (${bt}) is missing`);
  };
  const { seller, buyer, totals, payment } = facts;

  // EN 16931 core.
  required(facts.profile, 'BT-24', 'BR-1', 'Specification identifier');
  required(facts.invoiceNumber, 'BT-1', 'BR-2', 'Invoice number');
  required(facts.issueDate, 'BT-2', 'BR-3', 'Invoice issue date');
  required(facts.typeCode, 'BT-3', 'BR-4', 'Invoice type code');
  required(facts.currency, 'BT-5', 'BR-5', 'Invoice currency code');
  required(seller.name, 'BT-27', 'BR-6', 'Seller name');
  required(buyer.name, 'BT-44', 'BR-7', 'Buyer name');
  required(seller.address, 'BG-5', 'BR-8', 'Seller postal address');
  if (seller.address) required(seller.address.countryCode, 'BT-40', 'BR-9', 'Seller country code');
  required(buyer.address, 'BG-8', 'BR-10', 'Buyer postal address');
  if (buyer.address) required(buyer.address.countryCode, 'BT-55', 'BR-11', 'Buyer country code');
  required(totals.lineExtensionAmount, 'BT-106', 'BR-12', 'Sum of invoice line net amounts');
  required(totals.taxExclusiveAmount, 'BT-109', 'BR-13', 'Invoice total amount without VAT');
  required(totals.taxInclusiveAmount, 'BT-112', 'BR-14', 'Invoice total amount with VAT');
  required(totals.payableAmount, 'BT-115', 'BR-15', 'Amount due for payment');
  if (facts.lines.length === 0) report('error', 'BG-25', 'BR-16', 'The invoice has no invoice line (BG-25)');
  const checkLine = (line: InvoiceLine, label: string) => {
    const where = `Line ${label}: `;
    required(line.id, 'BT-126', 'BR-21', 'Invoice line identifier', where);
    required(line.quantity, 'BT-129', 'BR-22', 'Invoiced quantity', where);
    required(line.unitCode, 'BT-130', 'BR-23', 'Invoiced quantity unit of measure code', where);
    required(line.netAmount, 'BT-131', 'BR-24', 'Invoice line net amount', where);
    required(line.netPrice, 'BT-146', 'BR-26', 'Item net price', where);
    required(line.taxCategory, 'BT-151', 'BR-CO-4', 'Invoiced item VAT category code', where);
    required(line.name, 'BT-153', 'BR-25', 'Item name', where);
    checkSubLines(line, label);
  };
  // Sub-lines (XRechnung extension, BG-DEX-01) need less than lines: quantity and price are optional there.
  const checkSubLines = (parent: InvoiceLine, label: string) => {
    if (!parent.subLines) return;
    parent.subLines.forEach((subLine, index) => {
      const subLabel = `${label}.${index + 1}`;
      const where = `Sub-line ${subLabel}: `;
      required(subLine.id, 'BT-126', undefined, 'Invoice line identifier', where);
      required(subLine.netAmount, 'BT-131', undefined, 'Invoice line net amount', where);
      required(subLine.taxCategory, 'BT-151', 'BR-DEX-03', 'Invoiced item VAT category code', where);
      checkSubLines(subLine, subLabel);
    });
    const amounts = parent.subLines.map((subLine) => subLine.netAmount);
    if (parent.netAmount !== undefined && amounts.every((amount) => amount !== undefined)) {
      const sum = sumDecimals(amounts as string[]);
      if (!decimalsEqual(parent.netAmount, sum)) {
        report('warning', 'BT-131', 'BR-DEX-02', `Line ${label}: net amount (BT-131) is ${parent.netAmount} but its sub-lines add up to ${sum}`);
      }
    }
  };
  facts.lines.forEach((line, index) => checkLine(line, `${index + 1}`));
  if (facts.taxBreakdown.length === 0) report('error', 'BG-23', 'BR-CO-18', 'The invoice has no VAT breakdown (BG-23)');
  facts.taxBreakdown.forEach((subtotal, index) => {
    const where = `VAT breakdown ${index + 1}: `;
    required(subtotal.taxableAmount, 'BT-116', 'BR-45', 'VAT category taxable amount', where);
    required(subtotal.taxAmount, 'BT-117', 'BR-46', 'VAT category tax amount', where);
    required(subtotal.categoryCode, 'BT-118', 'BR-47', 'VAT category code', where);
    required(subtotal.rate, 'BT-119', 'BR-DE-14', 'VAT category rate', where);
  });

  // The sums (EN 16931 BR-CO-*); an absent optional term counts as zero, as the standard says.
  const sumCheck = (bt: string, rule: string, stated: string | undefined, terms: Array<string | undefined>, formula: string) => {
    if (stated === undefined || terms.some((term) => term === undefined)) return;
    const expected = sumDecimals(terms as string[]);
    if (!decimalsEqual(stated, expected)) report('error', bt, rule, `${bt} is ${stated} but ${formula} gives ${expected}`);
  };
  const orZero = (value: string | undefined) => value ?? '0';
  const minus = (value: string | undefined) => (value === undefined ? undefined : negateDecimal(value));
  if (facts.lines.length > 0) {
    sumCheck('BT-106', 'BR-CO-10', totals.lineExtensionAmount, facts.lines.map((line) => line.netAmount), 'the sum of the line net amounts (BT-131)');
  }
  sumCheck(
    'BT-109',
    'BR-CO-13',
    totals.taxExclusiveAmount,
    [totals.lineExtensionAmount, minus(orZero(totals.allowanceTotalAmount)), orZero(totals.chargeTotalAmount)],
    'BT-106 - BT-107 + BT-108',
  );
  if (totals.taxAmount !== undefined && facts.taxBreakdown.length > 0) {
    sumCheck('BT-110', 'BR-CO-14', totals.taxAmount, facts.taxBreakdown.map((subtotal) => subtotal.taxAmount), 'the sum of the VAT category tax amounts (BT-117)');
  }
  sumCheck('BT-112', 'BR-CO-15', totals.taxInclusiveAmount, [totals.taxExclusiveAmount, orZero(totals.taxAmount)], 'BT-109 + BT-110');
  if (totals.thirdPartyPaymentAmount === undefined) {
    sumCheck(
      'BT-115',
      'BR-CO-16',
      totals.payableAmount,
      [totals.taxInclusiveAmount, minus(orZero(totals.prepaidAmount)), orZero(totals.roundingAmount)],
      'BT-112 - BT-113 + BT-114',
    );
  } else {
    // XRechnung extension: third-party payments (BG-DEX-09) are collected with the invoice and add to the amount due.
    sumCheck(
      'BT-115',
      'BR-DEX-09',
      totals.payableAmount,
      [totals.taxInclusiveAmount, minus(orZero(totals.prepaidAmount)), orZero(totals.roundingAmount), totals.thirdPartyPaymentAmount],
      'BT-112 - BT-113 + BT-114 + the third-party payments (BT-DEX-002)',
    );
  }

  // XRechnung (CIUS of the German public sector).
  if (facts.xrechnungVersion === undefined && facts.profile !== undefined) {
    report('warning', 'BT-24', 'BR-DE-21', `Specification identifier (BT-24) "${facts.profile}" names no XRechnung`);
  }
  if (facts.typeCode !== undefined && !XRECHNUNG_TYPE_CODES.has(facts.typeCode)) {
    report('warning', 'BT-3', 'BR-DE-17', `Invoice type code (BT-3) ${facts.typeCode} is none of 326, 380, 381, 384, 389, 875, 876, 877`);
  }
  required(facts.buyerReference, 'BT-10', 'BR-DE-15', 'Buyer reference');
  if (facts.buyerReference !== undefined) {
    const leitweg = checkLeitwegId(facts.buyerReference);
    if (!leitweg.valid) {
      report('warning', 'BT-10', undefined, `Buyer reference (BT-10) "${facts.buyerReference}" is no Leitweg-ID: ${leitweg.problem}`);
    } else if (leitweg.region === undefined) {
      report('warning', 'BT-10', undefined, `Leitweg-ID ${leitweg.leitwegId} starts with ${leitweg.coarse.slice(0, 2)}, which is no Land (01-16) nor the Bund (99)`);
    }
  }
  // XRechnung 3.0 makes both electronic addresses mandatory (cardinality 1..1, no BR-DE rule of its own).
  if (!seller.electronicAddress) report('error', 'BT-34', undefined, 'Seller electronic address (BT-34) is missing; XRechnung 3.0 requires it');
  if (!buyer.electronicAddress) report('error', 'BT-49', undefined, 'Buyer electronic address (BT-49) is missing; XRechnung 3.0 requires it');
  if (seller.address) {
    required(seller.address.city, 'BT-37', 'BR-DE-3', 'Seller city');
    required(seller.address.postalCode, 'BT-38', 'BR-DE-4', 'Seller post code');
  }
  required(seller.contact, 'BG-6', 'BR-DE-2', 'Seller contact');
  if (seller.contact) {
    required(seller.contact.name, 'BT-41', 'BR-DE-5', 'Seller contact point');
    required(seller.contact.telephone, 'BT-42', 'BR-DE-6', 'Seller contact telephone number');
    required(seller.contact.email, 'BT-43', 'BR-DE-7', 'Seller contact email address');
  }
  if (buyer.address) {
    required(buyer.address.city, 'BT-52', 'BR-DE-8', 'Buyer city');
    required(buyer.address.postalCode, 'BT-53', 'BR-DE-9', 'Buyer post code');
  }
  if (payment.means.length === 0) report('error', 'BG-16', 'BR-DE-1', 'Payment instructions (BG-16) are missing');
  payment.means.forEach((means, index) => {
    if (means.code === undefined) report('error', 'BT-81', 'BR-49', `Payment instructions ${index + 1}: Payment means type code (BT-81) is missing`);
    if (means.code === '58' && means.account !== undefined && !isValidIban(means.account.id)) {
      report('warning', 'BT-84', 'BR-DE-19', `Payment account identifier (BT-84) "${means.account.id}" is no valid IBAN, though BT-81 is 58 (SEPA credit transfer)`);
    }
  });
  for (const line of parseEarlyPaymentDiscounts(payment.terms).malformed) {
    report('error', 'BT-20', 'BR-DE-18', `Payment terms (BT-20) line "${line}" starts with # but is no #SKONTO#TAGE=n#PROZENT=n.nn#[BASISBETRAG=n.nn#] line`);
  }
  return findings;
}
