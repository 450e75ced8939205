/**
 * Invoices and their fees. `insertInvoiceOnce` is the only way an invoice is written: under a
 * lock on its business key it either returns the invoice that already exists or allocates the
 * next gapless number and writes invoice and fees in the same transaction.
 */
import type { Knex } from 'knex';
import type { Db } from './knex';
import { nextSequenceValue } from './counters';
import { formatInvoiceNumber } from '../billing/numbering';
import { recordInvoiceIssued } from '../services/invoicing/invoice-events';

export interface InvoiceRow {
  id: string;
  organization_id: string;
  customer_id: string;
  subscription_id: string | null;
  idempotency_key: string;
  invoice_type: string;
  invoicing_reason: string | null;
  status: 'draft' | 'finalized' | 'voided' | 'failed' | 'pending';
  payment_status: 'pending' | 'succeeded' | 'failed';
  sequential_id: bigint | null;
  organization_sequential_id: bigint | null;
  number: string;
  issuing_date: string;
  payment_due_date: string;
  net_payment_term: number;
  currency: string;
  fees_amount_cents: bigint;
  coupons_amount_cents: bigint;
  credit_notes_amount_cents: bigint;
  sub_total_excluding_taxes_amount_cents: bigint;
  taxes_amount_cents: bigint;
  sub_total_including_taxes_amount_cents: bigint;
  prepaid_credit_amount_cents: bigint;
  total_amount_cents: bigint;
  applied_taxes: unknown[];
  billing_periods: unknown[];
  file_path: string | null;
  voided_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface FeeRow {
  id: string;
  organization_id: string;
  invoice_id: string | null;
  subscription_id: string | null;
  charge_id: string | null;
  fee_type: 'subscription' | 'charge' | 'add_on' | 'credit' | 'commitment';
  fee_key: string;
  item_code: string;
  item_name: string;
  invoice_display_name: string | null;
  units: string;
  total_aggregated_units: string;
  events_count: number;
  amount_cents: bigint;
  precise_amount_cents: string;
  precise_unit_amount: string;
  unit_amount_cents: bigint;
  precise_coupons_amount_cents: string;
  taxes_amount_cents: bigint;
  taxes_precise_amount_cents: string;
  taxes_rate: string;
  applied_taxes: unknown[];
  currency: string;
  from_datetime: Date | null;
  to_datetime: Date | null;
  amount_details: Record<string, unknown>;
  pay_in_advance: boolean;
  invoiceable: boolean;
  event_transaction_id: string | null;
  created_at: Date;
}

export type InvoiceDraft = Omit<InvoiceRow, 'id' | 'sequential_id' | 'organization_sequential_id' | 'number' | 'file_path' | 'voided_at' | 'created_at' | 'updated_at'>;
export type FeeDraft = Omit<FeeRow, 'id' | 'organization_id' | 'invoice_id' | 'created_at' | 'currency'>;

export interface Numbering {
  prefix: string;
  mode: 'per_customer' | 'per_organization';
  customerSequentialId: bigint;
}

export async function insertInvoiceOnce(
  db: Db,
  draft: InvoiceDraft,
  fees: FeeDraft[],
  numbering: Numbering,
  /** Runs in the same transaction once the invoice and its fees exist (e.g. consuming coupons and credits). */
  afterInsert?: (trx: Knex.Transaction, invoice: InvoiceRow) => Promise<void>,
): Promise<{ invoice: InvoiceRow; created: boolean }> {
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`invoice:${draft.organization_id}:${draft.idempotency_key}`]);
    const existing = await trx<InvoiceRow>('invoices')
      .where({ organization_id: draft.organization_id, idempotency_key: draft.idempotency_key })
      .first();
    if (existing) return { invoice: existing, created: false };

    const sequentialId = await nextSequenceValue(trx, draft.organization_id, `customer:${draft.customer_id}:invoices`);
    const organizationSequentialId = await nextSequenceValue(trx, draft.organization_id, 'invoices');
    const number = formatInvoiceNumber({
      prefix: numbering.prefix,
      mode: numbering.mode,
      customerSequentialId: numbering.customerSequentialId,
      invoiceSequentialId: numbering.mode === 'per_customer' ? sequentialId : organizationSequentialId,
      issuingDate: draft.issuing_date,
    });
    const [invoice] = await trx<InvoiceRow>('invoices')
      .insert({
        ...draft,
        applied_taxes: JSON.stringify(draft.applied_taxes),
        billing_periods: JSON.stringify(draft.billing_periods),
        sequential_id: sequentialId,
        organization_sequential_id: organizationSequentialId,
        number,
      } as never)
      .returning('*');
    if (fees.length > 0) {
      await trx('fees').insert(
        fees.map((fee) => ({
          ...fee,
          applied_taxes: JSON.stringify(fee.applied_taxes),
          amount_details: JSON.stringify(fee.amount_details),
          organization_id: draft.organization_id,
          invoice_id: invoice!.id,
          currency: draft.currency,
        })),
      );
    }
    if (afterInsert) await afterInsert(trx, invoice!);
    await recordInvoiceIssued(trx, invoice!); // webhook outbox: invoice.created, in this transaction
    return { invoice: invoice!, created: true };
  });
}

export function invoicesOf(db: Db | Knex.Transaction, organizationId: string) {
  return db<InvoiceRow>('invoices').where({ organization_id: organizationId });
}

export async function findInvoice(db: Db | Knex.Transaction, organizationId: string, id: string): Promise<InvoiceRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  return invoicesOf(db, organizationId).where({ id }).first();
}

export async function feesOf(db: Db | Knex.Transaction, invoiceIds: string[]): Promise<FeeRow[]> {
  if (invoiceIds.length === 0) return [];
  return db<FeeRow>('fees').whereIn('invoice_id', invoiceIds).orderBy([{ column: 'fee_type', order: 'desc' }, { column: 'created_at' }]);
}
