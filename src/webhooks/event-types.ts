/**
 * Webhook types (reference §8). An endpoint may subscribe to any of Lago's types; Billow records
 * those its features produce (see README.md in this folder for who records which): invoice.*
 * (created, drafted, one_off_created, paid_credit_added, voided, generated, payment_status_updated),
 * credit_note.created / generated, subscription.* (started, updated, terminated, canceled,
 * trial_ended, termination_alert), customer.created / updated, plan.*, billable_metric.*,
 * fee.created and wallet_transaction.created.
 */
export const WEBHOOK_TYPES = [
  'alert.triggered',
  'billable_metric.created', 'billable_metric.updated', 'billable_metric.deleted',
  'credit_note.created', 'credit_note.generated', 'credit_note.provider_refund_failure',
  'customer.created', 'customer.updated', 'customer.accounting_provider_created', 'customer.accounting_provider_error',
  'customer.crm_provider_created', 'customer.crm_provider_error', 'customer.payment_provider_created',
  'customer.payment_provider_error', 'customer.checkout_url_generated', 'customer.tax_provider_error', 'customer.vies_check',
  'dunning_campaign.finished',
  'event.error', 'events.errors',
  'feature.created', 'feature.updated', 'feature.deleted',
  'fee.created', 'fee.tax_provider_error',
  'integration.provider_error',
  'invoice.created', 'invoice.one_off_created', 'invoice.paid_credit_added', 'invoice.generated', 'invoice.drafted',
  'invoice.ready_to_finalize', 'invoice.voided', 'invoice.deleted', 'invoice.payment_dispute_lost',
  'invoice.payment_status_updated', 'invoice.payment_overdue', 'invoice.payment_failure', 'invoice.resynced',
  'payment.requires_action', 'payment.succeeded', 'payment_provider.error',
  'payment_receipt.created', 'payment_receipt.generated',
  'payment_request.created', 'payment_request.payment_failure', 'payment_request.payment_status_updated',
  'plan.created', 'plan.updated', 'plan.deleted',
  'subscription.started', 'subscription.updated', 'subscription.terminated', 'subscription.canceled',
  'subscription.incomplete', 'subscription.termination_alert', 'subscription.trial_ended',
  'subscription.usage_threshold_reached',
  'wallet.created', 'wallet.updated', 'wallet.terminated', 'wallet.depleted_ongoing_balance',
  'wallet_transaction.created', 'wallet_transaction.updated', 'wallet_transaction.payment_failure',
] as const;

export type WebhookType = (typeof WEBHOOK_TYPES)[number];

const KNOWN = new Set<string>(WEBHOOK_TYPES);
export const isWebhookType = (value: string): value is WebhookType => KNOWN.has(value);
