import { textContent, type XmlElement } from '@app/xml';
import type { DirectDebit, InvoiceFacts, InvoiceLine, InvoiceParty, InvoiceTaxSubtotal, PaymentMeans } from './invoice-facts.types.js';
import { classificationsOf, identifiersOf, joinLines, type InvoiceReadContext } from './invoice-read.context.js';
import { allAt, attributeOf, firstAt, stepsIn, textAt, textsAt } from './xml-path.helper.js';

export const CII_RSM_NAMESPACE = 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100';
export const CII_RAM_NAMESPACE = 'urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100';
export const CII_UDT_NAMESPACE = 'urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100';

const rsm = stepsIn(CII_RSM_NAMESPACE);
const ram = stepsIn(CII_RAM_NAMESPACE);
const udt = stepsIn(CII_UDT_NAMESPACE);

/**
 * Reads a UN/CEFACT CII D16B `CrossIndustryInvoice` (the root is checked by the caller). Paths follow
 * the EN 16931 CII binding; see xrechnung.extractor.ts for the table. Derived facts and the rule
 * checks are added by the caller, the same for both syntaxes.
 */
export function readCiiInvoice(root: XmlElement, context: InvoiceReadContext): InvoiceFacts {
  const documentContext = firstAt(root, rsm('ExchangedDocumentContext'));
  const header = firstAt(root, rsm('ExchangedDocument'));
  const transaction = firstAt(root, rsm('SupplyChainTradeTransaction'));
  const agreement = firstAt(transaction, ram('ApplicableHeaderTradeAgreement'));
  const settlement = firstAt(transaction, ram('ApplicableHeaderTradeSettlement'));
  const summation = firstAt(settlement, ram('SpecifiedTradeSettlementHeaderMonetarySummation'));
  const currency = textAt(settlement, ram('InvoiceCurrencyCode'));
  const taxCurrency = textAt(settlement, ram('TaxCurrencyCode'));
  const { main: taxTotal, inTaxCurrency } = pickTaxTotals(allAt(summation, ram('TaxTotalAmount')), currency, taxCurrency);
  const amount = (localName: string, bt: string, what: string) => context.decimal(textAt(summation, ram(localName)), bt, what);
  const issueDate = firstAt(header, ram('IssueDateTime'), udt('DateTimeString'));
  const dueDate = firstAt(settlement, ram('SpecifiedTradePaymentTerms'), ram('DueDateDateTime'), udt('DateTimeString'));

  return {
    syntax: 'CII',
    kind: 'invoice',
    profile: textAt(documentContext, ram('GuidelineSpecifiedDocumentContextParameter'), ram('ID')),
    xrechnungVersion: undefined, // derived from BT-24 by the extractor
    businessProcess: textAt(documentContext, ram('BusinessProcessSpecifiedDocumentContextParameter'), ram('ID')),
    invoiceNumber: textAt(header, ram('ID')),
    issueDate: context.compactDate(textContent(issueDate), attributeOf(issueDate, 'format'), 'BT-2', 'Invoice issue date'),
    typeCode: textAt(header, ram('TypeCode')),
    currency,
    taxCurrency,
    buyerReference: textAt(agreement, ram('BuyerReference')),
    leitwegId: undefined, // derived from BT-10 by the extractor
    purchaseOrderReference: textAt(agreement, ram('BuyerOrderReferencedDocument'), ram('IssuerAssignedID')),
    buyerAccountingReference: textAt(settlement, ram('ReceivableSpecifiedTradeAccountingAccount'), ram('ID')),
    notes: allAt(header, ram('IncludedNote')).flatMap((note) => {
      const text = textAt(note, ram('Content'));
      return text === undefined ? [] : [{ subjectCode: textAt(note, ram('SubjectCode')), text }];
    }),
    seller: readParty(firstAt(agreement, ram('SellerTradeParty')), 'seller'),
    buyer: readParty(firstAt(agreement, ram('BuyerTradeParty')), 'buyer'),
    payment: {
      means: allAt(settlement, ram('SpecifiedTradeSettlementPaymentMeans')).map(readPaymentMeans),
      ibans: [],
      remittanceInformation: textAt(settlement, ram('PaymentReference')),
      dueDate: context.compactDate(textContent(dueDate), attributeOf(dueDate, 'format'), 'BT-9', 'Payment due date'),
      terms: joinLines(textsAt(settlement, ram('SpecifiedTradePaymentTerms'), ram('Description'))),
      discounts: [],
      directDebit: readDirectDebit(settlement),
    },
    totals: {
      lineExtensionAmount: amount('LineTotalAmount', 'BT-106', 'Sum of invoice line net amounts'),
      allowanceTotalAmount: amount('AllowanceTotalAmount', 'BT-107', 'Sum of allowances on document level'),
      chargeTotalAmount: amount('ChargeTotalAmount', 'BT-108', 'Sum of charges on document level'),
      taxExclusiveAmount: amount('TaxBasisTotalAmount', 'BT-109', 'Invoice total amount without VAT'),
      taxAmount: context.decimal(textContent(taxTotal), 'BT-110', 'Invoice total VAT amount'),
      taxAmountInTaxCurrency: context.decimal(textContent(inTaxCurrency), 'BT-111', 'Invoice total VAT amount in accounting currency'),
      taxInclusiveAmount: amount('GrandTotalAmount', 'BT-112', 'Invoice total amount with VAT'),
      prepaidAmount: amount('TotalPrepaidAmount', 'BT-113', 'Paid amount'),
      roundingAmount: amount('RoundingAmount', 'BT-114', 'Rounding amount'),
      payableAmount: amount('DuePayableAmount', 'BT-115', 'Amount due for payment'),
    },
    taxBreakdown: allAt(settlement, ram('ApplicableTradeTax')).map((tax, index) => readTaxSubtotal(tax, index + 1, context)),
    lines: readLines(allAt(transaction, ram('IncludedSupplyChainTradeLineItem')), context),
    findings: [],
  };
}

/** BT-110 is the ram:TaxTotalAmount in the invoice currency; BT-111 the one in the VAT accounting currency. */
function pickTaxTotals(taxTotals: XmlElement[], currency: string | undefined, taxCurrency: string | undefined) {
  const inTaxCurrency =
    taxCurrency !== undefined && taxCurrency !== currency ? taxTotals.find((taxTotal) => attributeOf(taxTotal, 'currencyID') === taxCurrency) : undefined;
  const main =
    taxTotals.find((taxTotal) => currency !== undefined && attributeOf(taxTotal, 'currencyID') === currency) ??
    taxTotals.find((taxTotal) => taxTotal !== inTaxCurrency && attributeOf(taxTotal, 'currencyID') === undefined);
  return { main, inTaxCurrency };
}

function readParty(party: XmlElement | undefined, role: 'seller' | 'buyer'): InvoiceParty {
  const legalOrganization = firstAt(party, ram('SpecifiedLegalOrganization'));
  const taxRegistrations = allAt(party, ram('SpecifiedTaxRegistration'), ram('ID'));
  const taxRegistration = (scheme: string) => textContent(taxRegistrations.find((id) => attributeOf(id, 'schemeID') === scheme));
  const address = firstAt(party, ram('PostalTradeAddress'));
  const contact = firstAt(party, ram('DefinedTradeContact'));
  return {
    name: textAt(party, ram('Name')),
    tradingName: textAt(legalOrganization, ram('TradingBusinessName')),
    identifiers: identifiersOf([...allAt(party, ram('ID')), ...allAt(party, ram('GlobalID'))]),
    legalRegistrationId: identifiersOf(allAt(legalOrganization, ram('ID')))[0],
    vatId: taxRegistration('VA'),
    taxRegistrationId: role === 'seller' ? taxRegistration('FC') : undefined,
    electronicAddress: identifiersOf(allAt(party, ram('URIUniversalCommunication'), ram('URIID')))[0],
    address: address && {
      line1: textAt(address, ram('LineOne')),
      line2: textAt(address, ram('LineTwo')),
      line3: textAt(address, ram('LineThree')),
      city: textAt(address, ram('CityName')),
      postalCode: textAt(address, ram('PostcodeCode')),
      subdivision: textAt(address, ram('CountrySubDivisionName')),
      countryCode: textAt(address, ram('CountryID')),
    },
    contact: contact && {
      name: textAt(contact, ram('PersonName')) ?? textAt(contact, ram('DepartmentName')),
      telephone: textAt(contact, ram('TelephoneUniversalCommunication'), ram('CompleteNumber')),
      email: textAt(contact, ram('EmailURIUniversalCommunication'), ram('URIID')),
    },
  };
}

function readPaymentMeans(paymentMeans: XmlElement): PaymentMeans {
  const account = firstAt(paymentMeans, ram('PayeePartyCreditorFinancialAccount'));
  const accountId = textAt(account, ram('IBANID')) ?? textAt(account, ram('ProprietaryID'));
  return {
    code: textAt(paymentMeans, ram('TypeCode')),
    text: textAt(paymentMeans, ram('Information')),
    account:
      accountId === undefined
        ? undefined
        : {
            id: accountId,
            name: textAt(account, ram('AccountName')),
            bic: textAt(paymentMeans, ram('PayeeSpecifiedCreditorFinancialInstitution'), ram('BICID')),
          },
  };
}

function readDirectDebit(settlement: XmlElement | undefined): DirectDebit | undefined {
  const directDebit: DirectDebit = {
    mandateReference: textAt(settlement, ram('SpecifiedTradePaymentTerms'), ram('DirectDebitMandateID')),
    creditorId: textAt(settlement, ram('CreditorReferenceID')),
    debitedAccount: textAt(settlement, ram('SpecifiedTradeSettlementPaymentMeans'), ram('PayerPartyDebtorFinancialAccount'), ram('IBANID')),
  };
  return Object.values(directDebit).some((value) => value !== undefined) ? directDebit : undefined;
}

function readTaxSubtotal(tax: XmlElement, position: number, context: InvoiceReadContext): InvoiceTaxSubtotal {
  const what = (term: string) => `${term} of VAT breakdown ${position}`;
  return {
    taxableAmount: context.decimal(textAt(tax, ram('BasisAmount')), 'BT-116', what('VAT category taxable amount')),
    taxAmount: context.decimal(textAt(tax, ram('CalculatedAmount')), 'BT-117', what('VAT category tax amount')),
    categoryCode: textAt(tax, ram('CategoryCode')),
    rate: context.decimal(textAt(tax, ram('RateApplicablePercent')), 'BT-119', what('VAT category rate')),
    exemptionReason: textAt(tax, ram('ExemptionReason')),
    exemptionReasonCode: textAt(tax, ram('ExemptionReasonCode')),
  };
}

/**
 * CII lines are flat; a sub-line names its parent in ram:ParentLineID (used by Factur-X EXTENDED; the
 * XRechnung extension supports sub-lines only in UBL and warns about them in CII, BR-DEX-15). Such
 * lines are nested below their parent, so the result has the shape of UBL's cac:SubInvoiceLine.
 */
function readLines(items: XmlElement[], context: InvoiceReadContext): InvoiceLine[] {
  // A parent must come before its sub-lines (as in the XRechnung extension's examples); looking only
  // backwards also makes cycles impossible.
  const earlier = new Map<string, InvoiceLine>();
  const topLevel: InvoiceLine[] = [];
  items.forEach((item, index) => {
    const { line, parentId } = readLine(item, `${index + 1}`, context);
    const parent = parentId === undefined ? undefined : earlier.get(parentId);
    if (parent) (parent.subLines ??= []).push(line);
    else {
      if (parentId !== undefined) context.report('warning', 'BT-126', `line ${line.id ?? index + 1} names parent line ${parentId}, which no earlier line is`);
      topLevel.push(line);
    }
    if (line.id !== undefined && !earlier.has(line.id)) earlier.set(line.id, line);
  });
  return topLevel;
}

function readLine(item: XmlElement, position: string, context: InvoiceReadContext): { line: InvoiceLine; parentId?: string } {
  const document = firstAt(item, ram('AssociatedDocumentLineDocument'));
  const product = firstAt(item, ram('SpecifiedTradeProduct'));
  const lineSettlement = firstAt(item, ram('SpecifiedLineTradeSettlement'));
  const quantity = firstAt(item, ram('SpecifiedLineTradeDelivery'), ram('BilledQuantity'));
  const tax = firstAt(lineSettlement, ram('ApplicableTradeTax'));
  const what = (term: string) => `${term} of line ${position}`;
  const line: InvoiceLine = {
    id: textAt(document, ram('LineID')),
    note: joinLines(textsAt(document, ram('IncludedNote'), ram('Content'))),
    quantity: context.decimal(textContent(quantity), 'BT-129', what('Invoiced quantity')),
    unitCode: attributeOf(quantity, 'unitCode'),
    netAmount: context.decimal(
      textAt(lineSettlement, ram('SpecifiedTradeSettlementLineMonetarySummation'), ram('LineTotalAmount')),
      'BT-131',
      what('Invoice line net amount'),
    ),
    accountingReference: textAt(lineSettlement, ram('ReceivableSpecifiedTradeAccountingAccount'), ram('ID')),
    netPrice: context.decimal(
      textAt(item, ram('SpecifiedLineTradeAgreement'), ram('NetPriceProductTradePrice'), ram('ChargeAmount')),
      'BT-146',
      what('Item net price'),
    ),
    taxCategory: textAt(tax, ram('CategoryCode')),
    taxRate: context.decimal(textAt(tax, ram('RateApplicablePercent')), 'BT-152', what('Invoiced item VAT rate')),
    name: textAt(product, ram('Name')),
    description: textAt(product, ram('Description')),
    sellerItemId: textAt(product, ram('SellerAssignedID')),
    classifications: classificationsOf(allAt(product, ram('DesignatedProductClassification'), ram('ClassCode'))),
  };
  const parentId = textAt(document, ram('ParentLineID'));
  return parentId === undefined ? { line } : { line, parentId };
}
