/**
 * Payments: manual and partial payments on invoices (`/payments`), and the providers invoices are
 * collected through (Stripe first, behind `providers/provider.ts`).
 */
export {
  createManualPayment, getPayment, listPayments, presentPayment,
  type ManualPaymentInput, type PaymentListFilters, type PresentedPayment,
} from './payments';
export {
  startAttempt, chargeAttempt, recordAttempt, handleProviderWebhook, chargeIdempotencyKey, overdueInstant, markOverdue, retryInvoicePayment,
  type AttemptOutcome, type StartedAttempt, type WebhookHandling, type OverdueMarking,
} from './collection';
export { sweepOverdue, type SweepPosition } from './overdue';
export {
  connectStripe, stripeConnection, disconnectStripe, getStripeConnection, removeStripeConnection, type StripeConnectionInput, type ConnectionView,
} from './connections';
export { saveCustomerWithProvider, providerCustomerIdOf } from './provider-customers';
export { customerCheckoutUrl, invoicePaymentUrl, type CustomerCheckoutUrl, type InvoicePaymentUrl } from './checkout';
export {
  planRefunds, sendRefund, recordRefund, refundIdempotencyKey, type PlannedRefunds, type RefundOutcome,
} from './refunds';
export { configuredProviders, type ProviderFactory } from './providers';
export {
  saveDunningCampaign, getDunningCampaign, removeDunningCampaign, dunningWait, startDunningAttempt, finishDunning,
  type DunningCampaignInput, type DunningStart,
} from './dunning';
export {
  createPaymentRequest, getPaymentRequest, listPaymentRequests, startRequestAttempt,
  type PaymentRequestInput, type PaymentRequestListFilters, type StartedRequestAttempt,
} from './payment-requests';
