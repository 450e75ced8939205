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
  type AttemptOutcome, type StartedAttempt, type WebhookHandling,
} from './collection';
export { connectStripe, stripeConnection, disconnectStripe, type StripeConnectionInput, type ConnectionView } from './connections';
export { configuredProviders, type ProviderFactory } from './providers';
