/**
 * The facts of an electronic invoice (EN 16931 / XRechnung), the same for both syntaxes (UBL 2.1 and
 * UN/CEFACT CII). Each field names its business term (BT) or group (BG) of EN 16931. Amounts,
 * quantities and percentages are decimal strings exactly as the invoice writes them (`"336.9"`, never
 * a float); dates are ISO `YYYY-MM-DD`. A field the invoice leaves out is absent, never `""`.
 */
export interface InvoiceFacts {
  syntax: InvoiceSyntax;
  /** UBL: the root (`Invoice` / `CreditNote`); both syntaxes: a credit-note type code (BT-3 81, 83, 381, 396, 532). */
  kind: 'invoice' | 'credit-note';
  /** BT-24 Specification identifier, e.g. `urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0`. */
  profile?: string;
  /** The XRechnung version named in BT-24 (`3.0`), absent when BT-24 names no XRechnung. */
  xrechnungVersion?: string;
  /** BT-23 Business process type. */
  businessProcess?: string;
  /** BT-1 Invoice number. */
  invoiceNumber?: string;
  /** BT-2 Invoice issue date. */
  issueDate?: string;
  /** BT-3 Invoice type code (UNTDID 1001): 380 commercial invoice, 381 credit note, 384 corrected, ... */
  typeCode?: string;
  /** BT-5 Invoice currency code (ISO 4217); every amount below is in this currency unless it says otherwise. */
  currency?: string;
  /** BT-6 VAT accounting currency code. */
  taxCurrency?: string;
  /** BT-10 Buyer reference, as written. */
  buyerReference?: string;
  /** BT-10 when it is a well-formed Leitweg-ID with correct check digits (upper case), else absent. */
  leitwegId?: string;
  /** BT-13 Purchase order reference. */
  purchaseOrderReference?: string;
  /** BT-19 Buyer accounting reference (often the buyer's cost centre or account). */
  buyerAccountingReference?: string;
  /** BG-1 Invoice notes (BT-21 subject code, BT-22 text). */
  notes: InvoiceNote[];
  /** BG-4 Seller. */
  seller: InvoiceParty;
  /** BG-7 Buyer. */
  buyer: InvoiceParty;
  /** BG-16 Payment instructions, BT-9 due date, BT-20 payment terms, BG-19 direct debit. */
  payment: InvoicePayment;
  /** BG-22 Document totals. */
  totals: InvoiceTotals;
  /** BG-23 VAT breakdown. */
  taxBreakdown: InvoiceTaxSubtotal[];
  /** BG-25 Invoice lines (with XRechnung extension sub-lines nested). */
  lines: InvoiceLine[];
  /** What is missing or inconsistent; an invoice with no `error` finding has every mandatory field this reader checks. */
  findings: InvoiceFinding[];
}

export type InvoiceSyntax = 'UBL' | 'CII';

export interface InvoiceNote {
  /** BT-21 Invoice note subject code (UNTDID 4451), e.g. `ADU`; UBL carries it as a `#ADU#` prefix of the note. */
  subjectCode?: string;
  /** BT-22 Invoice note. */
  text: string;
}

export interface InvoiceParty {
  /** BT-27 Seller name / BT-44 Buyer name (the registered name). */
  name?: string;
  /** BT-28 / BT-45 Trading name. */
  tradingName?: string;
  /** BT-29 Seller identifier / BT-46 Buyer identifier (the seller's SEPA creditor id is BT-90, in `payment.directDebit`). */
  identifiers: PartyIdentifier[];
  /** BT-30 / BT-47 Legal registration identifier. */
  legalRegistrationId?: PartyIdentifier;
  /** BT-31 Seller VAT identifier / BT-48 Buyer VAT identifier. */
  vatId?: string;
  /** BT-32 Seller tax registration identifier (Steuernummer); sellers only. */
  taxRegistrationId?: string;
  /** BT-34 Seller electronic address / BT-49 Buyer electronic address, with its scheme (BT-34-1 / BT-49-1, e.g. `EM`, `0204`). */
  electronicAddress?: PartyIdentifier;
  /** BG-5 Seller postal address / BG-8 Buyer postal address. */
  address?: PostalAddress;
  /** BG-6 Seller contact / BG-9 Buyer contact. */
  contact?: PartyContact;
}

export interface PartyIdentifier {
  id: string;
  scheme?: string;
}

export interface PostalAddress {
  /** BT-35 / BT-50 Address line 1. */
  line1?: string;
  /** BT-36 / BT-51 Address line 2. */
  line2?: string;
  /** BT-162 / BT-163 Address line 3. */
  line3?: string;
  /** BT-37 / BT-52 City. */
  city?: string;
  /** BT-38 / BT-53 Post code. */
  postalCode?: string;
  /** BT-39 / BT-54 Country subdivision. */
  subdivision?: string;
  /** BT-40 / BT-55 Country code (ISO 3166-1 alpha-2). */
  countryCode?: string;
}

export interface PartyContact {
  /** BT-41 / BT-56 Contact point. */
  name?: string;
  /** BT-42 / BT-57 Telephone. */
  telephone?: string;
  /** BT-43 / BT-58 Email address. */
  email?: string;
}

export interface InvoicePayment {
  /** BG-16 Payment instructions, one per means (UBL: per `cac:PaymentMeans`). */
  means: PaymentMeans[];
  /** Every BT-84 of a credit transfer that is a valid IBAN (ISO 13616 check digits), without spaces, in document order, once each. */
  ibans: string[];
  /** BT-83 Remittance information (Verwendungszweck). */
  remittanceInformation?: string;
  /** BT-9 Payment due date. */
  dueDate?: string;
  /** BT-20 Payment terms; several terms are joined by a line break. */
  terms?: string;
  /** XRechnung early-payment discounts (Skonto) written in BT-20 as `#SKONTO#TAGE=n#PROZENT=n.nn#`. */
  discounts: EarlyPaymentDiscount[];
  /** BG-19 Direct debit. */
  directDebit?: DirectDebit;
}

export interface PaymentMeans {
  /** BT-81 Payment means type code (UNTDID 4461): 58 SEPA credit transfer, 59 SEPA direct debit, 30 credit transfer, ... */
  code?: string;
  /** BT-82 Payment means text. */
  text?: string;
  /** BG-17 Credit transfer: the account to pay to. */
  account?: PaymentAccount;
}

export interface PaymentAccount {
  /** BT-84 Payment account identifier, as written (an IBAN for SEPA). */
  id: string;
  /** BT-85 Payment account name. */
  name?: string;
  /** BT-86 Payment service provider identifier (BIC). */
  bic?: string;
}

export interface EarlyPaymentDiscount {
  /** Days after the issue date (TAGE). */
  days: number;
  /** Percent (PROZENT), a decimal string with two places. */
  percent: string;
  /** BASISBETRAG: the amount the discount applies to when it is not the whole BT-115. */
  baseAmount?: string;
}

export interface DirectDebit {
  /** BT-89 Mandate reference identifier. */
  mandateReference?: string;
  /** BT-90 Bank assigned creditor identifier. */
  creditorId?: string;
  /** BT-91 Debited account identifier. */
  debitedAccount?: string;
}

export interface InvoiceTotals {
  /** BT-106 Sum of invoice line net amounts. */
  lineExtensionAmount?: string;
  /** BT-107 Sum of allowances on document level. */
  allowanceTotalAmount?: string;
  /** BT-108 Sum of charges on document level. */
  chargeTotalAmount?: string;
  /** BT-109 Invoice total amount without VAT. */
  taxExclusiveAmount?: string;
  /** BT-110 Invoice total VAT amount (in BT-5). */
  taxAmount?: string;
  /** BT-111 Invoice total VAT amount in accounting currency (in BT-6). */
  taxAmountInTaxCurrency?: string;
  /** BT-112 Invoice total amount with VAT. */
  taxInclusiveAmount?: string;
  /** BT-113 Paid amount. */
  prepaidAmount?: string;
  /** BT-114 Rounding amount. */
  roundingAmount?: string;
  /** BT-115 Amount due for payment. */
  payableAmount?: string;
  /** XRechnung extension (UBL only): the sum of the third-party payments BT-DEX-002, which BT-115 includes (BR-DEX-09). */
  thirdPartyPaymentAmount?: string;
}

export interface InvoiceTaxSubtotal {
  /** BT-116 VAT category taxable amount. */
  taxableAmount?: string;
  /** BT-117 VAT category tax amount. */
  taxAmount?: string;
  /** BT-118 VAT category code (UNCL 5305): S, Z, E, AE, K, G, O, L, M. */
  categoryCode?: string;
  /** BT-119 VAT category rate (percent). */
  rate?: string;
  /** BT-120 VAT exemption reason text. */
  exemptionReason?: string;
  /** BT-121 VAT exemption reason code. */
  exemptionReasonCode?: string;
}

export interface InvoiceLine {
  /** BT-126 Invoice line identifier. */
  id?: string;
  /** BT-127 Invoice line note. */
  note?: string;
  /** BT-129 Invoiced quantity. */
  quantity?: string;
  /** BT-130 Invoiced quantity unit of measure code (UN/ECE Rec 20/21), e.g. `C62`, `HUR`, `XPP`. */
  unitCode?: string;
  /** BT-131 Invoice line net amount. */
  netAmount?: string;
  /** BT-133 Invoice line buyer accounting reference. */
  accountingReference?: string;
  /** BT-146 Item net price. */
  netPrice?: string;
  /** BT-151 Invoiced item VAT category code. */
  taxCategory?: string;
  /** BT-152 Invoiced item VAT rate. */
  taxRate?: string;
  /** BT-153 Item name. */
  name?: string;
  /** BT-154 Item description. */
  description?: string;
  /** BT-155 Item seller's identifier. */
  sellerItemId?: string;
  /** BT-158 Item classification identifiers with their scheme (BT-158-1 listID, e.g. `IB`, `CPV`) and version (BT-158-2). */
  classifications: ItemClassification[];
  /** Sub-lines (XRechnung extension BG-DEX-01, UBL `cac:SubInvoiceLine`; in CII the lines whose ram:ParentLineID names this line). */
  subLines?: InvoiceLine[];
}

export interface ItemClassification {
  code: string;
  listId?: string;
  listVersionId?: string;
}

export type InvoiceFindingSeverity = 'error' | 'warning';

/** Something missing or wrong, named by its business term; findings never stop the extraction. */
export interface InvoiceFinding {
  /** The business term or group concerned, e.g. `BT-10`, `BG-25`. */
  bt: string;
  /** The rule that asks for it, where one does: EN 16931 (`BR-2`, `BR-CO-15`) or XRechnung (`BR-DE-15`). */
  rule?: string;
  /** `error`: a mandatory field is missing or a rule of the standard is broken; `warning`: worth a look, not invalid. */
  severity: InvoiceFindingSeverity;
  message: string;
}
