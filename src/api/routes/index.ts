/** Every `/api/v1` resource and the router that serves it: one line per resource. */
import type { Router } from 'express';
import type { AppContext } from '../context';
import { plansRouter } from './plans';
import { currentUsageRouter } from './current-usage';
import { customersRouter } from './customers';
import { subscriptionsRouter } from './subscriptions';
import { subscriptionChargesRouter } from './subscription-charges';
import { invoicesRouter } from './invoices';
import { invoiceDocumentsRouter } from './invoice-documents';
import { webhookEndpointsRouter } from './webhook-endpoints';
import { webhooksRouter } from './webhooks';
import { creditNoteDocumentsRouter } from './credit-note-documents';
import { eventsRouter } from './events';
import { billableMetricsRouter } from './billable-metrics';
import { taxesRouter } from './taxes';
import { addOnsRouter } from './add-ons';
import { couponsRouter } from './coupons';
import { appliedCouponsRouter } from './applied-coupons';
import { walletsRouter, walletTransactionsRouter } from './wallets';
import { creditNotesRouter } from './credit-notes';
import { customerResourcesRouter } from './customer-resources';
import { planResourcesRouter } from './plan-resources';
import { creditNoteMetadataRouter, walletMetadataRouter } from './metadata';
import { feesRouter } from './fees';
import { organizationsRouter } from './organizations';
import { analyticsRouter } from './analytics';
import {
  customerCheckoutRouter, customerPaymentRequestsRouter, customerPaymentsRouter, dunningCampaignRouter, invoicePaymentUrlRouter, paymentRequestsRouter, paymentProvidersRouter, paymentsRouter, retryPaymentRouter,
} from './payments';
import { featuresRouter, planEntitlementsRouter, subscriptionEntitlementsRouter } from './features';
import { subscriptionAlertsRouter } from './alerts';
import { planFixedChargesRouter, subscriptionFixedChargesRouter } from './fixed-charges';
import { lifetimeUsageRouter } from './lifetime-usage';
import { walletAlertsRouter } from './wallet-alerts';

export const resourceRouters: [path: string, build: (ctx: AppContext) => Router][] = [
  ['/plans', plansRouter],
  ['/customers', currentUsageRouter],
  ['/customers', customersRouter],
  ['/subscriptions', subscriptionsRouter],
  ['/invoices', invoicesRouter],
  ['/invoices', invoiceDocumentsRouter],
  ['/webhook_endpoints', webhookEndpointsRouter],
  ['/webhooks', webhooksRouter],
  ['/credit_notes', creditNoteDocumentsRouter],
  ['/events', eventsRouter],
  ['/billable_metrics', billableMetricsRouter],
  ['/taxes', taxesRouter],
  ['/add_ons', addOnsRouter],
  ['/coupons', couponsRouter],
  ['/applied_coupons', appliedCouponsRouter],
  ['/wallets', walletsRouter],
  ['/wallet_transactions', walletTransactionsRouter],
  ['/credit_notes', creditNotesRouter],
  ['/customers', customerResourcesRouter],
  ['/plans', planResourcesRouter],
  ['/wallets', walletMetadataRouter],
  ['/credit_notes', creditNoteMetadataRouter],
  ['/fees', feesRouter],
  ['/organizations', organizationsRouter],
  ['/analytics', analyticsRouter],
  ['/payments', paymentsRouter],
  ['/customers', customerPaymentsRouter],
  ['/invoices', retryPaymentRouter],
  ['/features', featuresRouter],
  ['/plans', planEntitlementsRouter],
  ['/subscriptions', subscriptionEntitlementsRouter],
  ['/subscriptions', subscriptionAlertsRouter],
  ['/payment_providers', paymentProvidersRouter],
  ['/customers', customerCheckoutRouter],
  ['/invoices', invoicePaymentUrlRouter],
  ['/dunning_campaign', dunningCampaignRouter],
  ['/payment_requests', paymentRequestsRouter],
  ['/customers', customerPaymentRequestsRouter],
  ['/plans', planFixedChargesRouter],
  ['/subscriptions', subscriptionFixedChargesRouter],
  ['/subscriptions', lifetimeUsageRouter],
  ['/customers', walletAlertsRouter],
  ['/subscriptions', subscriptionChargesRouter],
];
