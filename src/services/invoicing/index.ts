/** Invoicing: issuing invoices of every kind through one writer, current usage, invoice actions and views. */
export { writeStandaloneInvoice, applicableTimezoneOf, type StandaloneFeeDraft, type TaxLabel } from './standalone-invoices';
export { issueSubscriptionInvoice, type InvoiceOccasion, type IssuedInvoice } from './subscription-invoices';
