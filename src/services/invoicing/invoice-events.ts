/**
 * What the world hears of an invoice's life, recorded in the transaction that causes it: the
 * writer announces every invoice it issues and finalizing a draft announces it again (its webhook,
 * and its PDF once it is finalized); voiding records `invoice.voided`, deleting a draft
 * `invoice.deleted`. An invoice that asks for money (finalized, a total above zero, not paid) is
 * either collected or watched: when its customer has a payment provider, its own payment workflow
 * (`payment/invoice/<id>`: collection at Stripe, the dunning campaign, which only retries such a
 * collection, and `payment_overdue` at its due date); otherwise there is nothing to collect or dun,
 * and only its due date is kept, by the one overdue workflow of its organization and overdue instant
 * (`overdue/<organization>/<instant>`), which marks every invoice due then that still owes.
 */
import type { Conn } from '../../db/knex';
import type { InvoiceRow } from '../../db/invoices';
import type { CustomerRow } from '../../db/customers';
import type { OrganizationRow } from '../../db/organizations';
import { overdueInstantFor } from '../../billing/overdue';
import { invoiceWebhookObject } from './invoice-presenter';
import { recordWebhookEvent, requestCollection, requestDocument, requestOverdueSweep } from '../../webhooks/outbox';
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

/** Whom an invoice asks to pay: the rows its writer read (whether the customer pays through a provider; the timezones of its due date). */
export interface InvoicePayer {
  customer: Pick<CustomerRow, 'billing_configuration' | 'timezone'>;
  organization: Pick<OrganizationRow, 'timezone'>;
}

/**
 * The issued invoice's webhook and, when it is finalized, the request for its PDF; when it asks for
 * money, its payment workflow (its customer has a payment provider) or its organization's overdue
 * workflow for its overdue instant (the start of the day after its due date, in the customer's
 * timezone, the organization's when the customer has none).
 */
export async function announceIssued(trx: Conn, invoice: InvoiceRow, payer: InvoicePayer): Promise<void> {
  await recordInvoiceIssued(trx, invoice);
  if (invoice.status === 'finalized') await requestDocument(trx, { organizationId: invoice.organization_id, documentType: 'invoice', id: invoice.id });
  if (invoice.status !== 'finalized' || invoice.total_amount_cents <= 0n || invoice.payment_status === 'succeeded') return;
  if (payer.customer.billing_configuration?.payment_provider) {
    await requestCollection(trx, { organizationId: invoice.organization_id, payable: { type: 'invoice', id: invoice.id } });
    return;
  }
  const instantMs = overdueInstantFor(invoice.payment_due_date, payer.customer, payer.organization);
  await requestOverdueSweep(trx, { organizationId: invoice.organization_id, invoiceId: invoice.id, instantMs });
}

/** `invoice.deleted` (a draft deleted), once per invoice, with the draft as it was. */
export async function recordInvoiceDeleted(trx: Conn, invoice: InvoiceRow): Promise<void> {
  await recordWebhookEvent(trx, {
    organizationId: invoice.organization_id,
    webhookType: 'invoice.deleted',
    objectType: 'invoice',
    object: await invoiceWebhookObject(trx, { ...invoice, status: 'draft' }, null),
    idempotencyKey: `invoice.deleted:${invoice.id}`,
  });
}

/** `invoice.voided`, once per invoice. */
export async function recordInvoiceVoided(trx: Conn, invoice: InvoiceRow, nowMs?: number): Promise<void> {
  await recordWebhookEvent(trx, {
    organizationId: invoice.organization_id,
    webhookType: 'invoice.voided',
    objectType: 'invoice',
    object: await invoiceWebhookObject(trx, invoice, null, nowMs),
    idempotencyKey: `invoice.voided:${invoice.id}`,
  });
}
