export * from './invoice-facts.types.js';
export { extractInvoice, invoiceSyntaxOf } from './xrechnung.extractor.js';
export { checkInvoiceRules } from './invoice.rules.js';
export { compareDecimals, decimalsEqual, isDecimal, sumDecimals } from './decimal.arithmetic.js';
export { parseEarlyPaymentDiscounts, type ParsedPaymentTerms } from './payment-terms.parser.js';
export { CII_RAM_NAMESPACE, CII_RSM_NAMESPACE, CII_UDT_NAMESPACE } from './cii-invoice.reader.js';
export { UBL_CAC_NAMESPACE, UBL_CBC_NAMESPACE, UBL_CREDIT_NOTE_NAMESPACE, UBL_INVOICE_NAMESPACE } from './ubl-invoice.reader.js';
