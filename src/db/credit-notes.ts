/**
 * Credit notes, their items, what invoices drew from them, and what they read of the invoices and
 * fees they credit. Every query is scoped by organization, except where a comment says otherwise.
 */
import type { Conn, Tx } from './knex';
import { paginate } from './pagination';
import { adjustedInvoiceIdSql, type FeeRow, type InvoiceRow } from './invoices';
import type { CustomerRow } from './customers';
import { isUuid } from '../runtime/errors';
import type { Page, Paginated } from '../runtime/pagination';
import type { Cents } from '../billing/money';

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
  /** Key → value (or null), as sent; null when never set. */
  metadata: Record<string, string | null> | null;
  /** Where its PDF is stored, once rendered. */
  file_path: string | null;
  voided_at: Date | null;
  refunded_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type NewCreditNote = Omit<CreditNoteRow, 'id' | 'applied_taxes' | 'metadata' | 'file_path' | 'voided_at' | 'refunded_at' | 'created_at' | 'updated_at'> & {
  /** JSON text. */
  applied_taxes: string;
  metadata?: Record<string, string | null> | null;
};

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

export type NewCreditNoteItem = Omit<CreditNoteItemRow, 'id' | 'created_at'>;

export interface InvoiceCreditRow {
  id: string;
  organization_id: string;
  invoice_id: string;
  credit_note_id: string;
  amount_cents: bigint;
  created_at: Date;
}

export interface CreditNoteFilters {
  externalCustomerId?: string;
  invoiceId?: string;
}

function creditNotesOf(db: Conn, organizationId: string) {
  return db<CreditNoteRow>('credit_notes').where('credit_notes.organization_id', organizationId);
}

export async function findCreditNote(db: Conn, organizationId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<CreditNoteRow | undefined> {
  if (!isUuid(id)) return undefined;
  const query = creditNotesOf(db, organizationId).where({ id });
  return (options.forUpdate ? query.forUpdate() : query).first();
}

export async function findCreditNoteByIdempotencyKey(db: Conn, organizationId: string, key: string): Promise<CreditNoteRow | undefined> {
  return creditNotesOf(db, organizationId).where({ idempotency_key: key }).first();
}

/** The id of the note written under a business key, in any organization (the key names a subscription). */
export async function creditNoteIdOfIdempotencyKey(db: Conn, key: string): Promise<string | undefined> {
  const row = (await db('credit_notes').where({ idempotency_key: key }).first('id')) as { id: string } | undefined;
  return row?.id;
}

/** The organization's notes, newest first, narrowed by customer and invoice when given. */
export async function creditNotesPage(db: Conn, organizationId: string, filters: CreditNoteFilters, page: Page): Promise<Paginated<CreditNoteRow>> {
  let query = creditNotesOf(db, organizationId).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
  if (filters.externalCustomerId !== undefined) {
    query = query.whereIn('customer_id', db('customers').select('id').where({ organization_id: organizationId, external_id: filters.externalCustomerId }));
  }
  if (filters.invoiceId !== undefined) {
    query = isUuid(filters.invoiceId) ? query.where({ invoice_id: filters.invoiceId }) : query.whereRaw('false');
  }
  return paginate<CreditNoteRow>(query, page);
}

export async function insertCreditNote(trx: Tx, note: NewCreditNote, items: readonly Omit<NewCreditNoteItem, 'organization_id' | 'credit_note_id'>[]): Promise<CreditNoteRow> {
  const [creditNote] = await trx<CreditNoteRow>('credit_notes').insert(note as never).returning('*');
  await trx('credit_note_items').insert(items.map((item) => ({ ...item, organization_id: note.organization_id, credit_note_id: creditNote!.id })));
  return creditNote!;
}

export async function updateCreditNote(db: Conn, organizationId: string, id: string, fields: Partial<CreditNoteRow>): Promise<CreditNoteRow> {
  const [row] = await creditNotesOf(db, organizationId).where({ id }).update({ ...fields, updated_at: db.fn.now() } as never).returning('*');
  return row!;
}

async function itemsOfCreditNotes(db: Conn, organizationId: string, creditNoteIds: readonly string[]): Promise<CreditNoteItemRow[]> {
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

/** Σ refund_amount_cents of every note on the invoice. */
export async function refundedCentsOfInvoice(db: Conn, organizationId: string, invoiceId: string): Promise<Cents> {
  const [{ refunded }] = (await creditNotesOf(db, organizationId).where({ invoice_id: invoiceId })
    .sum({ refunded: 'refund_amount_cents' })) as [{ refunded: string | bigint | null }];
  return BigInt(refunded ?? 0);
}

// What invoices drew from credit notes --------------------------------------------------------

/** The customer's notes with credit left; only those in `currency` when given. */
function availableNotes(db: Conn, customerId: string, filters: { organizationId?: string; currency?: string }) {
  let query = db<CreditNoteRow>('credit_notes')
    .where({ customer_id: customerId, credit_status: 'available' })
    .where('balance_amount_cents', '>', 0);
  if (filters.currency) query = query.where({ currency: filters.currency });
  if (filters.organizationId) query = query.where({ organization_id: filters.organizationId });
  return query;
}

/** Σ balance_amount_cents of the customer's available notes (read-only, no lock). */
export async function availableCreditNoteBalanceCents(db: Conn, customerId: string, filters: { organizationId?: string; currency?: string }): Promise<Cents> {
  const [row] = (await availableNotes(db, customerId, filters).sum({ total: 'balance_amount_cents' })) as { total: string | bigint | null }[];
  return row?.total ? BigInt(row.total) : 0n;
}

/** Locks the customer's available notes an invoice may draw on (not its own), oldest first. */
export async function lockCreditNotesToDraw(trx: Tx, organizationId: string, customerId: string, currency: string, invoiceId: string): Promise<CreditNoteRow[]> {
  return availableNotes(trx, customerId, { organizationId, currency })
    .whereNot({ invoice_id: invoiceId })
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .forUpdate();
}

/** What the invoice drew from each note, in the order drawn. */
export async function creditsOfInvoice(db: Conn, organizationId: string, invoiceId: string): Promise<InvoiceCreditRow[]> {
  return db<InvoiceCreditRow>('invoice_credits').where({ organization_id: organizationId, invoice_id: invoiceId }).orderBy('id');
}

export async function insertInvoiceCredit(trx: Tx, credit: Omit<InvoiceCreditRow, 'id' | 'created_at'>): Promise<void> {
  await trx('invoice_credits').insert(credit);
}

export async function deleteCreditsOfInvoice(trx: Tx, organizationId: string, invoiceId: string): Promise<void> {
  await trx('invoice_credits').where({ organization_id: organizationId, invoice_id: invoiceId }).delete();
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

// The invoices and fees credit notes credit ---------------------------------------------------

/** The invoice, locked until the transaction ends, so two notes on it never over-credit a fee. */
export async function lockInvoiceToCredit(trx: Tx, organizationId: string, invoiceId: string): Promise<InvoiceRow | undefined> {
  if (!isUuid(invoiceId)) return undefined;
  return trx<InvoiceRow>('invoices').where({ id: invoiceId, organization_id: organizationId }).forUpdate().first();
}

/** An invoice by id alone, in any organization: the caller checks whose it is. */
export async function findInvoiceById(db: Conn, invoiceId: string): Promise<InvoiceRow | undefined> {
  if (!isUuid(invoiceId)) return undefined;
  return db<InvoiceRow>('invoices').where({ id: invoiceId }).first();
}

/** The fees among `feeIds` that belong to the invoice. */
export async function feesOfInvoiceByIds(db: Conn, organizationId: string, invoiceId: string, feeIds: readonly string[]): Promise<FeeRow[]> {
  return db<FeeRow>('fees').where({ organization_id: organizationId, invoice_id: invoiceId }).whereIn('id', [...feeIds]);
}

export async function findFee(db: Conn, organizationId: string, feeId: string): Promise<FeeRow | undefined> {
  if (!isUuid(feeId)) return undefined;
  return db<FeeRow>('fees').where({ id: feeId, organization_id: organizationId }).first();
}

/** The subscription fee of an invoice still standing whose period contains `at`: what a termination credits. */
export async function subscriptionFeeCovering(db: Conn, subscriptionId: string, at: Date): Promise<FeeRow | undefined> {
  return db<FeeRow>('fees')
    .join('invoices', 'invoices.id', 'fees.invoice_id')
    .where({ 'fees.subscription_id': subscriptionId, 'fees.fee_type': 'subscription' })
    .whereNot('invoices.status', 'voided')
    .where('fees.from_datetime', '<=', at)
    .where('fees.to_datetime', '>=', at)
    .first('fees.*');
}

/** Everything a credit note shows besides itself, for a batch of notes. */
export interface CreditNoteRelations {
  items: CreditNoteItemRow[];
  invoices: Map<string, InvoiceRow>;
  customers: Map<string, CustomerRow>;
  fees: Map<string, FeeRow>;
  /** External id of each subscription the notes' fees bill, by subscription id. */
  externalSubscriptionIds: Map<string, string>;
}

export async function creditNoteRelations(db: Conn, organizationId: string, notes: readonly CreditNoteRow[]): Promise<CreditNoteRelations> {
  const items = await itemsOfCreditNotes(db, organizationId, notes.map((n) => n.id));
  const [invoices, customers, fees] = await Promise.all([
    db<InvoiceRow>('invoices').where({ organization_id: organizationId }).whereIn('id', [...new Set(notes.map((n) => n.invoice_id))]),
    db<CustomerRow>('customers').where({ organization_id: organizationId }).whereIn('id', [...new Set(notes.map((n) => n.customer_id))]),
    items.length === 0 ? [] : db<FeeRow>('fees').where({ organization_id: organizationId }).whereIn('id', [...new Set(items.map((i) => i.fee_id))])
      .select('fees.*', adjustedInvoiceIdSql(db)),
  ]);
  const subscriptionIds = [...new Set(fees.map((f) => f.subscription_id).filter((id): id is string => id !== null))];
  const subscriptions = subscriptionIds.length === 0 ? []
    : ((await db('subscriptions').where({ organization_id: organizationId }).whereIn('id', subscriptionIds).select('id', 'external_id')) as { id: string; external_id: string }[]);
  return {
    items,
    invoices: new Map(invoices.map((i) => [i.id, i])),
    customers: new Map(customers.map((c) => [c.id, c])),
    fees: new Map(fees.map((f) => [f.id, f])),
    externalSubscriptionIds: new Map(subscriptions.map((s) => [s.id, s.external_id])),
  };
}

export async function setCreditNoteFilePath(trx: Tx, organizationId: string, id: string, filePath: string): Promise<CreditNoteRow> {
  return updateCreditNote(trx, organizationId, id, { file_path: filePath });
}
