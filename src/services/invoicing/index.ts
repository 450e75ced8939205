/**
 * Invoicing: every invoice issued through one writer (subscription, in-advance charge, one-off,
 * credit purchase), what reduces it, what a client may do to it, how it is shown and rendered,
 * and current usage (the invoice the period would give now).
 */
export { issueInvoice, type InvoiceLine, type NewInvoice, type WrittenInvoice } from './invoice-writer';
export { issueSubscriptionInvoice, type InvoiceOccasion, type IssuedInvoice } from './subscription-invoices';
export { refreshDraftById, finalizeDraftById } from './drafts';
export { gracePeriodDays } from './grace-period';
export { traceEvent, EVENT_BILLING_STATUSES, EVENT_NOT_BILLED_REASONS, type EventBilling, type TracedEvent } from './event-trace';
export { closeBillingDate, closedThroughMs, closesOn, consolidatedInvoiceKey } from './consolidated-invoices';
export { billEventInAdvance, type InAdvanceBilling } from './in-advance-charges';
export { billFixedChargeIncrease, historyOf, type FixedChargeIncrease } from './fixed-charge-lines';
export { createOneOffInvoice, type OneOffInvoiceInput, type OneOffFeeInput } from './one-off-invoices';
export { issueCreditPurchaseInvoice, type CreditPurchase } from './credit-purchase-invoices';
export {
  updateInvoice, changePaymentStatus, finalizeInvoice, refreshInvoice, voidInvoice, deleteDraftInvoice,
  PAYMENT_STATUSES, VISIBLE_INVOICE_STATUSES, MAX_INVOICE_METADATA, type PaymentStatus, type UpdateInvoiceInput,
} from './invoice-actions';
export { getInvoice, listInvoices, INVOICE_TYPES, type InvoiceFilters } from './invoice-queries';
export { presentInvoice, invoiceWebhookObject, invoiceFileUrl, rememberInvoicePresentation } from './invoice-presenter';
export { presentSubscription, presentSubscriptionAsOf, type AsOf } from './subscription-presenter';
export { DocumentError, generateInvoicePdf, downloadInvoice, invoicePdf } from './invoice-documents';
export { currentUsage, type CurrentUsage, type CurrentUsageInput } from './current-usage';
export { ongoingUsageBuckets, type OngoingUsageBucket, type OngoingUsageInput } from './ongoing-usage';
export { previewInvoice, type InvoicePreviewInput } from './invoice-previews';
export { estimateEventFees, type FeeEstimateInput } from './fee-estimates';
export { billCrossedThresholds, type ProgressiveBilling } from './progressive-billing';
export { getLifetimeUsage, updateLifetimeUsage, type LifetimeUsageInput } from './lifetime-usage';
