import { textContent, type XmlElement } from '@app/xml';
import { sumDecimals } from './decimal.arithmetic.js';
import type { DirectDebit, InvoiceFacts, InvoiceLine, InvoiceParty, InvoiceTaxSubtotal, PaymentMeans } from './invoice-facts.types.js';
import { classificationsOf, identifiersOf, joinLines, splitUblNote, type InvoiceReadContext } from './invoice-read.context.js';
import { allAt, attributeOf, firstAt, stepsIn, textAt, textsAt } from './xml-path.helper.js';

export const UBL_INVOICE_NAMESPACE = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2';
export const UBL_CREDIT_NOTE_NAMESPACE = 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2';
export const UBL_CAC_NAMESPACE = 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2';
export const UBL_CBC_NAMESPACE = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2';

const cac = stepsIn(UBL_CAC_NAMESPACE);
const cbc = stepsIn(UBL_CBC_NAMESPACE);

/**
 * Reads a UBL 2.1 `Invoice` or `CreditNote` (the root is checked by the caller). Paths follow the
 * EN 16931 UBL binding; see xrechnung.extractor.ts for the table. Derived facts (Leitweg-ID, IBANs,
 * discounts) and the rule checks are added by the caller, the same for both syntaxes.
 */
export function readUblInvoice(root: XmlElement, context: InvoiceReadContext): InvoiceFacts {
  const creditNote = root.localName === 'CreditNote';
  const currency = textAt(root, cbc('DocumentCurrencyCode'));
  const taxCurrency = textAt(root, cbc('TaxCurrencyCode'));
  const { main: taxTotal, inTaxCurrency } = pickTaxTotals(allAt(root, cac('TaxTotal')), currency, taxCurrency);
  const monetary = firstAt(root, cac('LegalMonetaryTotal'));
  const amount = (element: XmlElement | undefined, localName: string, bt: string, what: string) => context.decimal(textAt(element, cbc(localName)), bt, what);
  const lineName = creditNote ? 'CreditNoteLine' : 'InvoiceLine';

  return {
    syntax: 'UBL',
    kind: creditNote ? 'credit-note' : 'invoice',
    profile: textAt(root, cbc('CustomizationID')),
    xrechnungVersion: undefined, // derived from BT-24 by the extractor
    businessProcess: textAt(root, cbc('ProfileID')),
    invoiceNumber: textAt(root, cbc('ID')),
    issueDate: context.isoDate(textAt(root, cbc('IssueDate')), 'BT-2', 'Invoice issue date'),
    typeCode: textAt(root, cbc(creditNote ? 'CreditNoteTypeCode' : 'InvoiceTypeCode')),
    currency,
    taxCurrency,
    buyerReference: textAt(root, cbc('BuyerReference')),
    leitwegId: undefined, // derived from BT-10 by the extractor
    purchaseOrderReference: textAt(root, cac('OrderReference'), cbc('ID')),
    buyerAccountingReference: textAt(root, cbc('AccountingCost')),
    notes: textsAt(root, cbc('Note')).map(splitUblNote),
    seller: readParty(firstAt(root, cac('AccountingSupplierParty'), cac('Party')), 'seller'),
    buyer: readParty(firstAt(root, cac('AccountingCustomerParty'), cac('Party')), 'buyer'),
    payment: {
      means: allAt(root, cac('PaymentMeans')).map(readPaymentMeans),
      ibans: [],
      remittanceInformation: textAt(root, cac('PaymentMeans'), cbc('PaymentID')),
      // Invoice: cbc:DueDate; CreditNote (UBL 2.1 has no DueDate there): cac:PaymentMeans/cbc:PaymentDueDate.
      dueDate: context.isoDate(textAt(root, cbc('DueDate')) ?? textAt(root, cac('PaymentMeans'), cbc('PaymentDueDate')), 'BT-9', 'Payment due date'),
      terms: joinLines(textsAt(root, cac('PaymentTerms'), cbc('Note'))),
      discounts: [],
      directDebit: readDirectDebit(root),
    },
    totals: {
      lineExtensionAmount: amount(monetary, 'LineExtensionAmount', 'BT-106', 'Sum of invoice line net amounts'),
      allowanceTotalAmount: amount(monetary, 'AllowanceTotalAmount', 'BT-107', 'Sum of allowances on document level'),
      chargeTotalAmount: amount(monetary, 'ChargeTotalAmount', 'BT-108', 'Sum of charges on document level'),
      taxExclusiveAmount: amount(monetary, 'TaxExclusiveAmount', 'BT-109', 'Invoice total amount without VAT'),
      taxAmount: amount(taxTotal, 'TaxAmount', 'BT-110', 'Invoice total VAT amount'),
      taxAmountInTaxCurrency: amount(inTaxCurrency, 'TaxAmount', 'BT-111', 'Invoice total VAT amount in accounting currency'),
      taxInclusiveAmount: amount(monetary, 'TaxInclusiveAmount', 'BT-112', 'Invoice total amount with VAT'),
      prepaidAmount: amount(monetary, 'PrepaidAmount', 'BT-113', 'Paid amount'),
      roundingAmount: amount(monetary, 'PayableRoundingAmount', 'BT-114', 'Rounding amount'),
      payableAmount: amount(monetary, 'PayableAmount', 'BT-115', 'Amount due for payment'),
      thirdPartyPaymentAmount: thirdPartyPayments(root, context),
    },
    taxBreakdown: allAt(taxTotal, cac('TaxSubtotal')).map((subtotal, index) => readTaxSubtotal(subtotal, index + 1, context)),
    lines: allAt(root, cac(lineName)).map((line, index) => readLine(line, `${index + 1}`, creditNote, context)),
    findings: [],
  };
}

/**
 * BT-110 is the cac:TaxTotal whose cbc:TaxAmount is in the invoice currency (it carries the breakdown);
 * BT-111, when a VAT accounting currency is given, the other one in that currency.
 */
function pickTaxTotals(taxTotals: XmlElement[], currency: string | undefined, taxCurrency: string | undefined) {
  const currencyOf = (taxTotal: XmlElement) => attributeOf(firstAt(taxTotal, cbc('TaxAmount')), 'currencyID');
  const main =
    taxTotals.find((taxTotal) => currency !== undefined && currencyOf(taxTotal) === currency) ??
    taxTotals.find((taxTotal) => allAt(taxTotal, cac('TaxSubtotal')).length > 0) ??
    (taxTotals.length === 1 ? taxTotals[0] : undefined);
  const inTaxCurrency =
    taxCurrency !== undefined && taxCurrency !== currency ? taxTotals.find((taxTotal) => taxTotal !== main && currencyOf(taxTotal) === taxCurrency) : undefined;
  return { main, inTaxCurrency };
}

/** XRechnung extension BG-DEX-09: the sum of cac:PrepaidPayment/cbc:PaidAmount (BT-DEX-002), undefined when there is none. */
function thirdPartyPayments(root: XmlElement, context: InvoiceReadContext): string | undefined {
  const amounts = textsAt(root, cac('PrepaidPayment'), cbc('PaidAmount')).map((text) => context.decimal(text, 'BT-DEX-002', 'Third party payment amount'));
  if (amounts.length === 0 || amounts.some((amount) => amount === undefined)) return undefined;
  return sumDecimals(amounts as string[]);
}

function readParty(party: XmlElement | undefined, role: 'seller' | 'buyer'): InvoiceParty {
  const taxSchemes = allAt(party, cac('PartyTaxScheme'));
  const schemeOf = (taxScheme: XmlElement) => textAt(taxScheme, cac('TaxScheme'), cbc('ID'));
  const vat = taxSchemes.find((taxScheme) => schemeOf(taxScheme) === 'VAT');
  const taxRegistration = role === 'seller' ? taxSchemes.find((taxScheme) => schemeOf(taxScheme) !== 'VAT') : undefined;
  const address = firstAt(party, cac('PostalAddress'));
  const contact = firstAt(party, cac('Contact'));
  return {
    name: textAt(party, cac('PartyLegalEntity'), cbc('RegistrationName')),
    tradingName: textAt(party, cac('PartyName'), cbc('Name')),
    // A seller identifier in the SEPA scheme is the creditor id (BT-90), read with the direct debit.
    identifiers: identifiersOf(allAt(party, cac('PartyIdentification'), cbc('ID'))).filter((identifier) => identifier.scheme !== 'SEPA'),
    legalRegistrationId: identifiersOf(allAt(party, cac('PartyLegalEntity'), cbc('CompanyID')))[0],
    vatId: textAt(vat, cbc('CompanyID')),
    taxRegistrationId: textAt(taxRegistration, cbc('CompanyID')),
    electronicAddress: identifiersOf(allAt(party, cbc('EndpointID')))[0],
    address: address && {
      line1: textAt(address, cbc('StreetName')),
      line2: textAt(address, cbc('AdditionalStreetName')),
      line3: textAt(address, cac('AddressLine'), cbc('Line')),
      city: textAt(address, cbc('CityName')),
      postalCode: textAt(address, cbc('PostalZone')),
      subdivision: textAt(address, cbc('CountrySubentity')),
      countryCode: textAt(address, cac('Country'), cbc('IdentificationCode')),
    },
    contact: contact && {
      name: textAt(contact, cbc('Name')),
      telephone: textAt(contact, cbc('Telephone')),
      email: textAt(contact, cbc('ElectronicMail')),
    },
  };
}

function readPaymentMeans(paymentMeans: XmlElement): PaymentMeans {
  const code = firstAt(paymentMeans, cbc('PaymentMeansCode'));
  const account = firstAt(paymentMeans, cac('PayeeFinancialAccount'));
  const accountId = textAt(account, cbc('ID'));
  return {
    code: textContent(code),
    text: attributeOf(code, 'name'),
    account: accountId === undefined ? undefined : { id: accountId, name: textAt(account, cbc('Name')), bic: textAt(account, cac('FinancialInstitutionBranch'), cbc('ID')) },
  };
}

function readDirectDebit(root: XmlElement): DirectDebit | undefined {
  const mandate = firstAt(root, cac('PaymentMeans'), cac('PaymentMandate'));
  const creditorId = [
    ...allAt(root, cac('PayeeParty'), cac('PartyIdentification'), cbc('ID')),
    ...allAt(root, cac('AccountingSupplierParty'), cac('Party'), cac('PartyIdentification'), cbc('ID')),
  ].find((id) => attributeOf(id, 'schemeID') === 'SEPA');
  const directDebit: DirectDebit = {
    mandateReference: textAt(mandate, cbc('ID')),
    creditorId: textContent(creditorId),
    debitedAccount: textAt(mandate, cac('PayerFinancialAccount'), cbc('ID')),
  };
  return Object.values(directDebit).some((value) => value !== undefined) ? directDebit : undefined;
}

function readTaxSubtotal(subtotal: XmlElement, position: number, context: InvoiceReadContext): InvoiceTaxSubtotal {
  const category = firstAt(subtotal, cac('TaxCategory'));
  const what = (term: string) => `${term} of VAT breakdown ${position}`;
  return {
    taxableAmount: context.decimal(textAt(subtotal, cbc('TaxableAmount')), 'BT-116', what('VAT category taxable amount')),
    taxAmount: context.decimal(textAt(subtotal, cbc('TaxAmount')), 'BT-117', what('VAT category tax amount')),
    categoryCode: textAt(category, cbc('ID')),
    rate: context.decimal(textAt(category, cbc('Percent')), 'BT-119', what('VAT category rate')),
    exemptionReason: textAt(category, cbc('TaxExemptionReason')),
    exemptionReasonCode: textAt(category, cbc('TaxExemptionReasonCode')),
  };
}

function readLine(line: XmlElement, position: string, creditNote: boolean, context: InvoiceReadContext): InvoiceLine {
  const quantity = firstAt(line, cbc(creditNote ? 'CreditedQuantity' : 'InvoicedQuantity'));
  const item = firstAt(line, cac('Item'));
  const taxCategory = firstAt(item, cac('ClassifiedTaxCategory'));
  const what = (term: string) => `${term} of line ${position}`;
  const subLines = allAt(line, cac(creditNote ? 'SubCreditNoteLine' : 'SubInvoiceLine')).map((subLine, index) =>
    readLine(subLine, `${position}.${index + 1}`, creditNote, context),
  );
  return {
    id: textAt(line, cbc('ID')),
    note: joinLines(textsAt(line, cbc('Note'))),
    quantity: context.decimal(textContent(quantity), 'BT-129', what('Invoiced quantity')),
    unitCode: attributeOf(quantity, 'unitCode'),
    netAmount: context.decimal(textAt(line, cbc('LineExtensionAmount')), 'BT-131', what('Invoice line net amount')),
    accountingReference: textAt(line, cbc('AccountingCost')),
    netPrice: context.decimal(textAt(line, cac('Price'), cbc('PriceAmount')), 'BT-146', what('Item net price')),
    taxCategory: textAt(taxCategory, cbc('ID')),
    taxRate: context.decimal(textAt(taxCategory, cbc('Percent')), 'BT-152', what('Invoiced item VAT rate')),
    name: textAt(item, cbc('Name')),
    description: textAt(item, cbc('Description')),
    sellerItemId: textAt(item, cac('SellersItemIdentification'), cbc('ID')),
    classifications: classificationsOf(allAt(item, cac('CommodityClassification'), cbc('ItemClassificationCode'))),
    subLines: subLines.length > 0 ? subLines : undefined,
  };
}
