/**
 * Payments: manual and partial payments on invoices (`/payments`), and the providers invoices are
 * collected through (Stripe first, behind `providers/provider.ts`).
 */
export {
  createManualPayment, getPayment, listPayments, presentPayment,
  type ManualPaymentInput, type PaymentListFilters, type PresentedPayment,
} from './payments';
