/**
 * What a client may do to an issued invoice (reference/lago-api.md §1.7, §6): set its payment
 * status and metadata, refresh or finalize a draft, void a finalized invoice, delete a draft.
 *
 * The payment status moves through `changePaymentStatus`, whoever moves it: a payment recorded or a
 * provider's outcome (the payments domain), or `PUT /invoices/:id` by hand, which Lago keeps as an
 * override: `succeeded` by hand counts the invoice as paid in full (nothing left due), and setting
 * it back shows again what its payments paid. Either way `invoice.payment_status_updated` is sent,
 * a credit invoice settles or fails its purchases, and a paid invoice is no longer overdue.
 *
 * Drafts are periodic invoices within their customer's grace period (drafts.ts): a refresh
 * computes one again at once (events that arrived since included); finalizing computes it again
 * and gives it its numbers, its draws and `invoice.created`, all at once, as its own timer would.
 * Voiding or deleting gives back what the invoice drew from wallets and credit notes (a draft drew
 * nothing); voiding a credit invoice fails its purchases that never settled. A deleted draft stays
 * in the table as `deleted` (its business key stays used: its period is not billed again, as in
 * Lago), announces `invoice.deleted` and disappears from the API.
 */
import { randomUUID } from 'node:crypto';
import type { Db, Tx } from '../../db/knex';
import { findInvoice, lockInvoice, updateInvoiceRow, type InvoiceRow } from '../../db/invoices';
import { isUuid, methodNotAllowed, notFound, invalidField } from '../../runtime/errors';
import { recordWebhookEvent } from '../../webhooks/outbox';
import { recordInvoiceDeleted, recordInvoiceVoided } from './invoice-events';
import { finalizeDraftInvoice, refreshDraftInvoice } from './drafts';
import { invoiceWebhookObject } from './invoice-presenter';
import { failPendingPurchases, recreditCreditNotesOfInvoice, recreditWalletsOfInvoice, settleCreditInvoicePayment } from './credit-draws';

export const VISIBLE_INVOICE_STATUSES = ['draft', 'finalized', 'voided', 'failed', 'pending'] as const;
export const PAYMENT_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export const MAX_INVOICE_METADATA = 5;

export interface InvoiceMetadataItem {
  lago_id: string;
  key: string;
  value: string;
  created_at: string;
}

export interface UpdateInvoiceInput {
  payment_status?: PaymentStatus;
  metadata?: { id?: string | null; key: string; value: string }[];
}

/** An invoice the API can see, locked for the rest of the transaction. */
async function lockVisibleInvoice(trx: Tx, organizationId: string, id: string): Promise<InvoiceRow> {
  const invoice = isUuid(id) ? await lockInvoice(trx, organizationId, id) : undefined;
  if (!invoice || !(VISIBLE_INVOICE_STATUSES as readonly string[]).includes(invoice.status)) throw notFound('invoice');
  return invoice;
}

function metadataOf(invoice: InvoiceRow): InvoiceMetadataItem[] {
  return ((invoice as InvoiceRow & { metadata?: InvoiceMetadataItem[] }).metadata ?? []);
}

/** The given list replaces the invoice's metadata; an item keeps its id and date when it names an existing id or key. */
function mergeMetadata(current: InvoiceMetadataItem[], given: NonNullable<UpdateInvoiceInput['metadata']>, nowMs: number): InvoiceMetadataItem[] {
  return given.map((item) => {
    const existing = current.find((m) => (item.id ? m.lago_id === item.id : m.key === item.key));
    return {
      lago_id: existing?.lago_id ?? randomUUID(),
      key: item.key,
      value: item.value,
      created_at: existing?.created_at ?? new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
  });
}

export async function updateInvoice(db: Db, organizationId: string, id: string, input: UpdateInvoiceInput, nowMs: number): Promise<InvoiceRow> {
  if (input.metadata && input.metadata.length > MAX_INVOICE_METADATA) throw invalidField('metadata', 'invalid_count');
  return db.transaction(async (trx) => {
    const invoice = await lockVisibleInvoice(trx, organizationId, id);
    const paymentStatus = input.payment_status;
    const statusChanges = paymentStatus !== undefined && paymentStatus !== invoice.payment_status;
    if (statusChanges && invoice.status === 'draft') throw methodNotAllowed('payment_status_update_on_draft_invoice');
    let updated = invoice;
    if (input.metadata) updated = await updateInvoiceRow(trx, invoice, { metadata: JSON.stringify(mergeMetadata(metadataOf(invoice), input.metadata, nowMs)) });
    if (statusChanges) updated = await changePaymentStatus(trx, updated, paymentStatus!, nowMs);
    return updated;
  });
}

/**
 * Moves the payment status of an invoice the caller has locked, in its transaction, with what
 * comes with it: `total_paid_amount_cents` when given (a payment recorded), `payment_overdue`
 * cleared once paid, a credit invoice's purchases settled (credits granted) or failed, and Lago's
 * `invoice.payment_status_updated` for a change. Returns the invoice as it is now.
 */
export async function changePaymentStatus(
  trx: Tx, invoice: InvoiceRow, paymentStatus: PaymentStatus, nowMs: number, options: { totalPaidAmountCents?: bigint } = {},
): Promise<InvoiceRow> {
  const fields: Record<string, unknown> = {};
  const changed = paymentStatus !== invoice.payment_status;
  if (changed) fields.payment_status = paymentStatus;
  if (options.totalPaidAmountCents !== undefined && options.totalPaidAmountCents !== invoice.total_paid_amount_cents) {
    fields.total_paid_amount_cents = options.totalPaidAmountCents;
  }
  if (paymentStatus === 'succeeded' && invoice.payment_overdue) fields.payment_overdue = false;
  if (Object.keys(fields).length === 0) return invoice;
  const updated = await updateInvoiceRow(trx, invoice, fields);
  if (!changed) return updated;
  if (invoice.invoice_type === 'credit') await settleCreditInvoicePayment(trx, invoice.organization_id, invoice.id, paymentStatus, nowMs);
  // Lago's `invoice.payment_status_updated`, for each change of the status, with the invoice as it is now.
  await recordWebhookEvent(trx, {
    organizationId: invoice.organization_id, webhookType: 'invoice.payment_status_updated', objectType: 'invoice', object: await invoiceWebhookObject(trx, updated, null, nowMs),
  });
  return updated;
}

/** An invoice the API can see (no lock). */
async function visibleInvoice(db: Db, organizationId: string, id: string): Promise<InvoiceRow> {
  const invoice = isUuid(id) ? await findInvoice(db, organizationId, id) : undefined;
  if (!invoice || !(VISIBLE_INVOICE_STATUSES as readonly string[]).includes(invoice.status)) throw notFound('invoice');
  return invoice;
}

/**
 * draft → finalized at `nowMs`, computed again first (a subscription's draft) and announced
 * (`invoice.created`, its PDF); any other status answers 404, as Lago does.
 */
export async function finalizeInvoice(db: Db, organizationId: string, id: string, nowMs: number): Promise<InvoiceRow> {
  const invoice = await visibleInvoice(db, organizationId, id);
  if (invoice.status !== 'draft') throw notFound('invoice');
  return finalizeDraftInvoice(db, invoice, nowMs);
}

/** `PUT /invoices/:id/refresh`: a subscription's draft computed again at once; any other invoice is answered unchanged, as Lago does. */
export async function refreshInvoice(db: Db, organizationId: string, id: string): Promise<InvoiceRow> {
  return refreshDraftInvoice(db, await visibleInvoice(db, organizationId, id));
}

/** finalized → voided; anything else (already voided, draft) answers 405 not_voidable. */
export async function voidInvoice(db: Db, organizationId: string, id: string, nowMs: number): Promise<InvoiceRow> {
  return db.transaction(async (trx) => {
    const invoice = await lockVisibleInvoice(trx, organizationId, id);
    if (invoice.status !== 'finalized') throw methodNotAllowed('not_voidable');
    const voided = await updateInvoiceRow(trx, invoice, { status: 'voided', voided_at: new Date(nowMs) });
    await giveBackCredits(trx, invoice, nowMs);
    if (invoice.invoice_type === 'credit') await failPendingPurchases(trx, organizationId, invoice.id, nowMs);
    await recordInvoiceVoided(trx, voided, nowMs); // webhook outbox: invoice.voided
    return voided;
  });
}

/** Deletes a draft (kept as `deleted`, invisible); anything else answers 405 not_deletable. */
export async function deleteDraftInvoice(db: Db, organizationId: string, id: string, nowMs: number): Promise<InvoiceRow> {
  return db.transaction(async (trx) => {
    const invoice = await lockVisibleInvoice(trx, organizationId, id);
    if (invoice.status !== 'draft') throw methodNotAllowed('not_deletable');
    await giveBackCredits(trx, invoice, nowMs);
    const deleted = await updateInvoiceRow(trx, invoice, { status: 'deleted' });
    await recordInvoiceDeleted(trx, deleted);
    // The API answers with the draft as it was, like Lago's DELETE.
    return invoice;
  });
}

async function giveBackCredits(trx: Tx, invoice: InvoiceRow, nowMs: number): Promise<void> {
  await recreditWalletsOfInvoice(trx, invoice.organization_id, invoice.id, nowMs);
  await recreditCreditNotesOfInvoice(trx, invoice.organization_id, invoice.id);
}
