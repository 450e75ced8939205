/** Credit notes, their items, and what invoices drew from them. Every query is scoped by organization. */
import type { Knex } from 'knex';
import type { Db } from './knex';
import { isUuid } from './wallets';

type Conn = Db | Knex.Transaction;

export const CREDIT_NOTE_REASONS = ['duplicated_charge', 'product_unsatisfactory', 'order_change', 'order_cancellation', 'fraudulent_charge', 'other'] as const;
export type CreditNoteReason = (typeof CREDIT_NOTE_REASONS)[number];
export type CreditStatus = 'available' | 'consumed' | 'voided';
export const REFUND_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export interface CreditNoteRow {
  id: string;
  organization_id: string;
  customer_id: string;
  invoice_id: string;
  idempotency_key: string | null;
  sequential_id: bigint;
  number: string;
  issuing_date: string;
  credit_status: CreditStatus | null;
  refund_status: RefundStatus | null;
  reason: CreditNoteReason;
  description: string | null;
  currency: string;
  total_amount_cents: bigint;
  sub_total_excluding_taxes_amount_cents: bigint;
  coupons_adjustment_amount_cents: bigint;
  taxes_amount_cents: bigint;
  precise_taxes_amount_cents: string;
  taxes_rate: string;
  credit_amount_cents: bigint;
  refund_amount_cents: bigint;
  offset_amount_cents: bigint;
  balance_amount_cents: bigint;
  applied_taxes: unknown[];
  voided_at: Date | null;
  refunded_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface CreditNoteItemRow {
  id: string;
  organization_id: string;
  credit_note_id: string;
  fee_id: string;
  amount_cents: bigint;
  coupons_adjustment_amount_cents: bigint;
  taxes_amount_cents: bigint;
  created_at: Date;
}

export interface InvoiceCreditRow {
  id: string;
  organization_id: string;
  invoice_id: string;
  credit_note_id: string;
  amount_cents: bigint;
  created_at: Date;
}

export function creditNotesOf(db: Conn, organizationId: string) {
  return db<CreditNoteRow>('credit_notes').where('credit_notes.organization_id', organizationId);
}

export async function findCreditNote(db: Conn, organizationId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<CreditNoteRow | undefined> {
  if (!isUuid(id)) return undefined;
  const query = creditNotesOf(db, organizationId).where({ id });
  return (options.forUpdate ? query.forUpdate() : query).first();
}

export async function itemsOfCreditNotes(db: Conn, organizationId: string, creditNoteIds: readonly string[]): Promise<CreditNoteItemRow[]> {
  if (creditNoteIds.length === 0) return [];
  return db<CreditNoteItemRow>('credit_note_items')
    .where({ organization_id: organizationId })
    .whereIn('credit_note_id', [...creditNoteIds])
    .orderBy([{ column: 'created_at' }, { column: 'id' }]);
}

/** Σ items already credited per fee, over every credit note (voided ones included: a void only drops a note's balance). */
export async function creditedAmountsByFee(db: Conn, organizationId: string, feeIds: readonly string[]): Promise<Map<string, bigint>> {
  const totals = new Map<string, bigint>(feeIds.map((id) => [id, 0n]));
  if (feeIds.length === 0) return totals;
  const rows = (await db('credit_note_items')
    .where({ organization_id: organizationId })
    .whereIn('fee_id', [...new Set(feeIds)])
    .groupBy('fee_id')
    .select('fee_id', db.raw('sum(amount_cents)::bigint AS credited'))) as { fee_id: string; credited: bigint }[];
  for (const row of rows) totals.set(row.fee_id, BigInt(row.credited));
  return totals;
}

export async function creditsOfInvoices(db: Conn, organizationId: string, invoiceIds: readonly string[]): Promise<(InvoiceCreditRow & { number: string; description: string | null })[]> {
  if (invoiceIds.length === 0) return [];
  return db('invoice_credits')
    .join('credit_notes', 'credit_notes.id', 'invoice_credits.credit_note_id')
    .where('invoice_credits.organization_id', organizationId)
    .whereIn('invoice_credits.invoice_id', [...invoiceIds])
    // The order they were drawn in: oldest note first.
    .orderBy([{ column: 'credit_notes.created_at' }, { column: 'credit_notes.id' }])
    .select('invoice_credits.*', 'credit_notes.number', 'credit_notes.description');
}
