/** Invoicing: issuing invoices of every kind through one writer, current usage, invoice actions and views. */
export { issueInvoice, type InvoiceLine, type NewInvoice, type WrittenInvoice } from './invoice-writer';
export { issueSubscriptionInvoice, type InvoiceOccasion, type IssuedInvoice } from './subscription-invoices';
export { issueCreditPurchaseInvoice, type CreditPurchase } from './credit-purchase-invoices';
