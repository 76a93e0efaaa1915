/**
 * XRechnung / EN 16931 invoice facts from either syntax, the deterministic half of the XRechnung
 * connector: what an invoice says, checked and in one canonical shape (InvoiceFacts), before any AI
 * step (for example a cost-centre suggestion) looks at it.
 *
 * Elements are matched by namespace URI, never by prefix:
 *   UBL  Invoice-2 / CreditNote-2 root, cac = ...:CommonAggregateComponents-2, cbc = ...:CommonBasicComponents-2
 *        (urn:oasis:names:specification:ubl:schema:xsd:*)
 *   CII  rsm = urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100,
 *        ram = ...:ReusableAggregateBusinessInformationEntity:100, udt = ...:UnqualifiedDataType:100
 *
 * Where each business term is read. UBL paths start at the root (Invoice or CreditNote; a credit note
 * has CreditNoteTypeCode, CreditNoteLine, CreditedQuantity, SubCreditNoteLine instead). CII paths use
 *   CTX = rsm:ExchangedDocumentContext, DOC = rsm:ExchangedDocument, TX = rsm:SupplyChainTradeTransaction,
 *   AGR = TX/ram:ApplicableHeaderTradeAgreement, SET = TX/ram:ApplicableHeaderTradeSettlement,
 *   SUM = SET/ram:SpecifiedTradeSettlementHeaderMonetarySummation, LINE = TX/ram:IncludedSupplyChainTradeLineItem.
 * CII dates are udt:DateTimeString with format 102 (CCYYMMDD); both syntaxes give ISO YYYY-MM-DD.
 *
 * BT      term                          UBL                                                  CII
 * BT-24   specification identifier      cbc:CustomizationID                                  CTX/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID
 * BT-23   business process              cbc:ProfileID                                        CTX/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID
 * BT-1    invoice number                cbc:ID                                               DOC/ram:ID
 * BT-2    issue date                    cbc:IssueDate                                        DOC/ram:IssueDateTime/udt:DateTimeString
 * BT-3    type code                     cbc:InvoiceTypeCode | cbc:CreditNoteTypeCode         DOC/ram:TypeCode
 * BT-21/22 notes                        cbc:Note ("#ADU#text": BT-21 as prefix)               DOC/ram:IncludedNote/ram:SubjectCode, ram:Content
 * BT-5    currency                      cbc:DocumentCurrencyCode                             SET/ram:InvoiceCurrencyCode
 * BT-6    VAT accounting currency       cbc:TaxCurrencyCode                                  SET/ram:TaxCurrencyCode
 * BT-10   buyer reference (Leitweg-ID)  cbc:BuyerReference                                   AGR/ram:BuyerReference
 * BT-13   purchase order reference      cac:OrderReference/cbc:ID                            AGR/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID
 * BT-19   buyer accounting reference    cbc:AccountingCost                                   SET/ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID
 *
 * Seller BG-4 (P = cac:AccountingSupplierParty/cac:Party | AGR/ram:SellerTradeParty) and buyer BG-7
 * (P = cac:AccountingCustomerParty/cac:Party | AGR/ram:BuyerTradeParty), read alike:
 * BT-27/44 name                         P/cac:PartyLegalEntity/cbc:RegistrationName           P/ram:Name
 * BT-28/45 trading name                 P/cac:PartyName/cbc:Name                              P/ram:SpecifiedLegalOrganization/ram:TradingBusinessName
 * BT-29/46 identifiers                  P/cac:PartyIdentification/cbc:ID (not @schemeID SEPA) P/ram:ID, P/ram:GlobalID
 * BT-30/47 legal registration id        P/cac:PartyLegalEntity/cbc:CompanyID                  P/ram:SpecifiedLegalOrganization/ram:ID
 * BT-31/48 VAT identifier               P/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID=VAT]/cbc:CompanyID   P/ram:SpecifiedTaxRegistration/ram:ID[@schemeID=VA]
 * BT-32   seller tax registration id    P/cac:PartyTaxScheme[TaxScheme ID not VAT]/cbc:CompanyID       P/ram:SpecifiedTaxRegistration/ram:ID[@schemeID=FC]
 * BT-34/49 electronic address (+scheme) P/cbc:EndpointID/@schemeID                            P/ram:URIUniversalCommunication/ram:URIID/@schemeID
 * BG-5/8  postal address                P/cac:PostalAddress: cbc:StreetName, cbc:AdditionalStreetName,   P/ram:PostalTradeAddress: ram:LineOne, ram:LineTwo,
 *                                       cac:AddressLine/cbc:Line, cbc:CityName, cbc:PostalZone,          ram:LineThree, ram:CityName, ram:PostcodeCode,
 *                                       cbc:CountrySubentity, cac:Country/cbc:IdentificationCode         ram:CountrySubDivisionName, ram:CountryID
 * BG-6/9  contact                       P/cac:Contact: cbc:Name, cbc:Telephone, cbc:ElectronicMail       P/ram:DefinedTradeContact: ram:PersonName (or
 *                                                                                                        ram:DepartmentName), ram:TelephoneUniversalCommunication/
 *                                                                                                        ram:CompleteNumber, ram:EmailURIUniversalCommunication/ram:URIID
 *
 * Payment (M = cac:PaymentMeans | SET/ram:SpecifiedTradeSettlementPaymentMeans, one entry each):
 * BT-81   payment means code            M/cbc:PaymentMeansCode                               M/ram:TypeCode
 * BT-82   payment means text            M/cbc:PaymentMeansCode/@name                         M/ram:Information
 * BT-83   remittance information        M/cbc:PaymentID (first)                              SET/ram:PaymentReference
 * BT-84   account (IBAN)                M/cac:PayeeFinancialAccount/cbc:ID                   M/ram:PayeePartyCreditorFinancialAccount/ram:IBANID | ram:ProprietaryID
 * BT-85   account name                  M/cac:PayeeFinancialAccount/cbc:Name                 M/ram:PayeePartyCreditorFinancialAccount/ram:AccountName
 * BT-86   BIC                           M/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID   M/ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID
 * BT-9    due date                      cbc:DueDate, else M/cbc:PaymentDueDate (CreditNote)  SET/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString
 * BT-20   payment terms (+ Skonto)      cac:PaymentTerms/cbc:Note                            SET/ram:SpecifiedTradePaymentTerms/ram:Description
 * BT-89   mandate reference             M/cac:PaymentMandate/cbc:ID                          SET/ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID
 * BT-90   creditor identifier           cac:PayeeParty or seller P /cac:PartyIdentification/cbc:ID[@schemeID=SEPA]   SET/ram:CreditorReferenceID
 * BT-91   debited account               M/cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID   M/ram:PayerPartyDebtorFinancialAccount/ram:IBANID
 *
 * Totals BG-22 (T = cac:LegalMonetaryTotal | SUM):
 * BT-106  sum of line net amounts       T/cbc:LineExtensionAmount                            SUM/ram:LineTotalAmount
 * BT-107  allowances                    T/cbc:AllowanceTotalAmount                           SUM/ram:AllowanceTotalAmount
 * BT-108  charges                       T/cbc:ChargeTotalAmount                              SUM/ram:ChargeTotalAmount
 * BT-109  total without VAT             T/cbc:TaxExclusiveAmount                             SUM/ram:TaxBasisTotalAmount
 * BT-110  total VAT                     cac:TaxTotal/cbc:TaxAmount[@currencyID = BT-5]       SUM/ram:TaxTotalAmount[@currencyID = BT-5]
 * BT-111  total VAT in BT-6             cac:TaxTotal/cbc:TaxAmount[@currencyID = BT-6]       SUM/ram:TaxTotalAmount[@currencyID = BT-6]
 * BT-112  total with VAT                T/cbc:TaxInclusiveAmount                             SUM/ram:GrandTotalAmount
 * BT-113  paid amount                   T/cbc:PrepaidAmount                                  SUM/ram:TotalPrepaidAmount
 * BT-114  rounding amount               T/cbc:PayableRoundingAmount                          SUM/ram:RoundingAmount
 * BT-115  amount due                    T/cbc:PayableAmount                                  SUM/ram:DuePayableAmount
 * BT-DEX-002 third-party payments     sum of cac:PrepaidPayment/cbc:PaidAmount (XRechnung extension)    (none)
 *
 * VAT breakdown BG-23 (B = the BT-110 cac:TaxTotal/cac:TaxSubtotal | SET/ram:ApplicableTradeTax):
 * BT-116  taxable amount                B/cbc:TaxableAmount                                  B/ram:BasisAmount
 * BT-117  tax amount                    B/cbc:TaxAmount                                      B/ram:CalculatedAmount
 * BT-118  category code                 B/cac:TaxCategory/cbc:ID                             B/ram:CategoryCode
 * BT-119  rate                          B/cac:TaxCategory/cbc:Percent                        B/ram:RateApplicablePercent
 * BT-120/121 exemption reason (code)    B/cac:TaxCategory/cbc:TaxExemptionReason(Code)       B/ram:ExemptionReason(Code)
 *
 * Lines BG-25 (L = cac:InvoiceLine | LINE; I = L/cac:Item | LINE/ram:SpecifiedTradeProduct):
 * BT-126  line id                       L/cbc:ID                                             L/ram:AssociatedDocumentLineDocument/ram:LineID
 * BT-127  line note                     L/cbc:Note                                           L/ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content
 * BT-129/130 quantity, unit code        L/cbc:InvoicedQuantity, @unitCode                    L/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity, @unitCode
 * BT-131  line net amount               L/cbc:LineExtensionAmount                            L/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount
 * BT-133  line accounting reference     L/cbc:AccountingCost                                 L/ram:SpecifiedLineTradeSettlement/ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID
 * BT-146  item net price                L/cac:Price/cbc:PriceAmount                          L/ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount
 * BT-151/152 VAT category, rate         I/cac:ClassifiedTaxCategory/cbc:ID, cbc:Percent      L/ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode, ram:RateApplicablePercent
 * BT-153/154 item name, description     I/cbc:Name, I/cbc:Description                        I/ram:Name, I/ram:Description
 * BT-155  seller's item id              I/cac:SellersItemIdentification/cbc:ID               I/ram:SellerAssignedID
 * BT-158  classification (+list)        I/cac:CommodityClassification/cbc:ItemClassificationCode/@listID, @listVersionID
 *                                                                                            I/ram:DesignatedProductClassification/ram:ClassCode/@listID, @listVersionID
 * sub-lines                             L/cac:SubInvoiceLine (recursive)                     LINE whose ram:AssociatedDocumentLineDocument/ram:ParentLineID names an earlier line
 *
 * Derived, the same for both: kind (UBL root, or a credit-note type code), XRechnung version (from
 * BT-24), Leitweg-ID (BT-10 when format and check digits are right), IBANs (valid BT-84 values),
 * Skonto discounts (from BT-20). Then checkInvoiceRules adds the findings (invoice.rules.ts).
 */
import { checkLeitwegId, isValidIban, normalizeIban, PermanentError } from '@app/contracts';
import { documentElement, type XmlElement, type XmlInspection } from '@app/xml';
import { CII_RSM_NAMESPACE, readCiiInvoice } from './cii-invoice.reader.js';
import type { InvoiceFacts, InvoiceSyntax } from './invoice-facts.types.js';
import { InvoiceReadContext, withoutUndefined } from './invoice-read.context.js';
import { checkInvoiceRules } from './invoice.rules.js';
import { parseEarlyPaymentDiscounts } from './payment-terms.parser.js';
import { readUblInvoice, UBL_CREDIT_NOTE_NAMESPACE, UBL_INVOICE_NAMESPACE } from './ubl-invoice.reader.js';

/** UNTDID 1001 codes of credit notes that EN 16931 allows. */
const CREDIT_NOTE_TYPE_CODES = new Set(['81', '83', '381', '396', '532']);
const XRECHNUNG_PROFILE = /urn:xeinkauf\.de:kosit:xrechnung_(\d+\.\d+)/;

/** Which invoice syntax a document is, by its root element's namespace and local name; undefined for anything else. */
export function invoiceSyntaxOf(inspection: Pick<XmlInspection, 'tree'>): InvoiceSyntax | undefined {
  return syntaxOfRoot(documentElement(inspection.tree));
}

function syntaxOfRoot(root: XmlElement | undefined): InvoiceSyntax | undefined {
  if (!root) return undefined;
  if (root.namespace === UBL_INVOICE_NAMESPACE && root.localName === 'Invoice') return 'UBL';
  if (root.namespace === UBL_CREDIT_NOTE_NAMESPACE && root.localName === 'CreditNote') return 'UBL';
  if (root.namespace === CII_RSM_NAMESPACE && root.localName === 'CrossIndustryInvoice') return 'CII';
  return undefined;
}

/**
 * The facts of an XRechnung / EN 16931 invoice (UBL 2.1 Invoice or CreditNote, or CII
 * CrossIndustryInvoice) from an inspected document (`inspectXml` of @app/xml). Missing or malformed
 * fields do not throw: they are left out and named in `findings`. A document that is no invoice at
 * all throws a PermanentError with code 'not-an-invoice' (retrying cannot help).
 */
export function extractInvoice(inspection: Pick<XmlInspection, 'tree'>): InvoiceFacts {
  const root = documentElement(inspection.tree);
  const syntax = syntaxOfRoot(root);
  if (!root || !syntax) {
    const found = root ? `${root.localName}${root.namespace ? ` in namespace ${root.namespace}` : ' without a namespace'}` : 'no root element';
    throw new PermanentError(
      `not an invoice: expected a UBL Invoice or CreditNote (${UBL_INVOICE_NAMESPACE}, ${UBL_CREDIT_NOTE_NAMESPACE}) or a CII CrossIndustryInvoice (${CII_RSM_NAMESPACE}), found ${found}`,
      'not-an-invoice',
    );
  }
  const context = new InvoiceReadContext();
  const facts = syntax === 'UBL' ? readUblInvoice(root, context) : readCiiInvoice(root, context);
  derive(facts);
  facts.findings = [...context.findings, ...checkInvoiceRules(facts)];
  return withoutUndefined(facts);
}

function derive(facts: InvoiceFacts): void {
  if (facts.typeCode !== undefined && CREDIT_NOTE_TYPE_CODES.has(facts.typeCode)) facts.kind = 'credit-note';
  const version = facts.profile === undefined ? undefined : XRECHNUNG_PROFILE.exec(facts.profile)?.[1];
  if (version) facts.xrechnungVersion = version;
  if (facts.buyerReference !== undefined) {
    const leitweg = checkLeitwegId(facts.buyerReference);
    if (leitweg.valid) facts.leitwegId = leitweg.leitwegId;
  }
  const ibans = facts.payment.means.flatMap((means) => (means.account && isValidIban(means.account.id) ? [normalizeIban(means.account.id)] : []));
  facts.payment.ibans = [...new Set(ibans)];
  facts.payment.discounts = parseEarlyPaymentDiscounts(facts.payment.terms).discounts;
}
