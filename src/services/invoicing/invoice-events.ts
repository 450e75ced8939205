/**
 * The webhook events of an invoice's life, recorded in the transaction that causes them.
 * `insertInvoiceOnce` calls `recordInvoiceIssued` for every invoice it creates; finalizing a
 * draft calls it again (then `invoice.created`); voiding calls `recordInvoiceVoided`.
 */
import type { Conn } from '../../db/knex';
import type { InvoiceRow } from '../../db/invoices';
import { invoiceWebhookObject } from './invoice-view';
import { recordWebhookEvent } from '../../webhooks/outbox';
import type { WebhookType } from '../../webhooks/event-types';

/** Lago's type for a newly issued invoice: drafts, one-off and wallet top-up invoices have their own. */
export function issuedWebhookType(invoice: Pick<InvoiceRow, 'status' | 'invoice_type'>): WebhookType | null {
  if (invoice.status === 'draft') return 'invoice.drafted';
  if (invoice.status !== 'finalized') return null;
  if (invoice.invoice_type === 'one_off') return 'invoice.one_off_created';
  if (invoice.invoice_type === 'credit') return 'invoice.paid_credit_added';
  return 'invoice.created';
}

/** `invoice.created` (or drafted / one_off_created / paid_credit_added), once per invoice and type. */
export async function recordInvoiceIssued(trx: Conn, invoice: InvoiceRow): Promise<void> {
  const webhookType = issuedWebhookType(invoice);
  if (!webhookType) return;
  await recordWebhookEvent(trx, {
    organizationId: invoice.organization_id,
    webhookType,
    objectType: 'invoice',
    object: await invoiceWebhookObject(trx, invoice, null),
    idempotencyKey: `${webhookType}:${invoice.id}`,
  });
}

/** `invoice.voided`, once per invoice. */
export async function recordInvoiceVoided(trx: Conn, invoice: InvoiceRow): Promise<void> {
  await recordWebhookEvent(trx, {
    organizationId: invoice.organization_id,
    webhookType: 'invoice.voided',
    objectType: 'invoice',
    object: await invoiceWebhookObject(trx, invoice, null),
    idempotencyKey: `invoice.voided:${invoice.id}`,
  });
}
