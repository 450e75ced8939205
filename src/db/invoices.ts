/**
 * Invoices and their fees. Only the invoice writer (services/invoicing/invoice-writer.ts) inserts
 * them: under a lock on the business key it finds the invoice that exists already or allocates the
 * next gapless numbers and inserts invoice and fees, all in the writer's transaction. A draft takes
 * no number (`<PREFIX>-DRAFT`): its contents are replaced when it is refreshed, and it takes its
 * numbers when it is finalized.
 */
import type { Conn, Tx } from './knex';
import { nextSequenceValue, setSequenceValue } from './counters';

/** The organization-wide invoice sequence (`organization_sequential_id`), taken only when numbering per organization. */
const ORGANIZATION_SEQUENCE = 'invoices';
import { draftInvoiceNumber, formatInvoiceNumber } from '../billing/numbering';
import type { BilledStretch } from '../billing/invoice-invariants';
import type { Page, Paginated } from '../runtime/pagination';
import { paginate } from './pagination';

export interface InvoiceRow {
  id: string;
  organization_id: string;
  customer_id: string;
  subscription_id: string | null;
  idempotency_key: string;
  invoice_type: string;
  invoicing_reason: string | null;
  status: 'draft' | 'finalized' | 'voided' | 'failed' | 'pending' | 'deleted';
  payment_status: 'pending' | 'succeeded' | 'failed';
  sequential_id: bigint | null;
  organization_sequential_id: bigint | null;
  number: string;
  issuing_date: string;
  payment_due_date: string;
  net_payment_term: number;
  currency: string;
  fees_amount_cents: bigint;
  /** What the period's progressive invoices billed already, deducted (migration 023; absent on rows read before it). */
  progressive_billing_credit_amount_cents?: bigint;
  coupons_amount_cents: bigint;
  credit_notes_amount_cents: bigint;
  sub_total_excluding_taxes_amount_cents: bigint;
  taxes_amount_cents: bigint;
  sub_total_including_taxes_amount_cents: bigint;
  prepaid_credit_amount_cents: bigint;
  total_amount_cents: bigint;
  applied_taxes: unknown[];
  billing_periods: unknown[];
  /** What a subscription invoice bills, so that a draft can be computed again (migration 015). */
  occasion?: unknown;
  /** A draft's expected finalization date (the billing date plus the grace period). */
  finalizes_on?: string | null;
  file_path: string | null;
  voided_at: Date | null;
  /** What its succeeded payments paid (migration 018). */
  total_paid_amount_cents: bigint;
  /** Unpaid past its due date (set by its payment workflow, migration 018). */
  payment_overdue: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface FeeRow {
  id: string;
  organization_id: string;
  invoice_id: string | null;
  /** Its place among the fees its invoice's writer wrote (migration 032); null for a fee written on its own. */
  position: number | null;
  subscription_id: string | null;
  charge_id: string | null;
  fee_type: 'subscription' | 'charge' | 'fixed_charge' | 'add_on' | 'credit' | 'commitment';
  /** The fixed charge a `fixed_charge` fee bills (migration 021); null or absent otherwise. */
  fixed_charge_id?: string | null;
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
  description: string | null;
  add_on_id: string | null;
  wallet_transaction_id: string | null;
  /** A late-usage adjustment: the usage window it re-rates (migration 015); null for every other fee. */
  adjusted_window_id?: string | null;
  /** Read with the fee (`adjustedInvoiceIdSql`): the invoice of the period an adjustment re-rates. */
  adjusted_invoice_id?: string | null;
  /** The charge filter a usage fee billed, with its values and invoice name when billed (migration 014); null otherwise. */
  charge_filter_id: string | null;
  charge_filter_values: Record<string, string[]> | null;
  charge_filter_invoice_display_name: string | null;
  /** A closing invoice's usage fee: what the period's progressive invoices billed of it (migration 023; absent on rows read before). */
  progressive_credit_amount_cents?: bigint;
  /** The pricing group a usage fee billed (migration 019), key → value (null: events without it); null otherwise. */
  grouped_by: Record<string, string | null> | null;
  /** A usage fee's units by presentation keys (migration 019), display only; [] otherwise. */
  presentation_breakdowns: { presentation_by: Record<string, string | null>; units: string }[];
  /** A charge fee's spending-minimum true-up on the same invoice, and a true-up's parent fee (migration 020); null otherwise. */
  true_up_fee_id?: string | null;
  true_up_parent_fee_id?: string | null;
  created_at: Date;
}

export type InvoiceDraft = Omit<InvoiceRow, 'id' | 'sequential_id' | 'organization_sequential_id' | 'number' | 'file_path' | 'voided_at' | 'created_at' | 'updated_at'
  | 'total_paid_amount_cents' | 'payment_overdue'>;
type FeeFilterColumns = 'charge_filter_id' | 'charge_filter_values' | 'charge_filter_invoice_display_name' | 'grouped_by' | 'presentation_breakdowns';
/** A fee to insert; the filter columns may be left out (a fee that bills no charge filter). */
export type FeeDraft = Omit<FeeRow, 'id' | 'organization_id' | 'invoice_id' | 'position' | 'created_at' | 'currency' | 'true_up_fee_id' | 'true_up_parent_fee_id' | FeeFilterColumns>
  & Partial<Pick<FeeRow, FeeFilterColumns>>
  /** A true-up: the `fee_key` of the fee it tops up on the same invoice (the two are linked by id once written). */
  & { true_up_parent_fee_key?: string | null };

export interface Numbering {
  prefix: string;
  mode: 'per_customer' | 'per_organization';
  customerSequentialId: bigint;
}

/** Serializes writers of one business key until the caller's transaction ends. */
export async function lockInvoiceKey(trx: Tx, organizationId: string, idempotencyKey: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`invoice:${organizationId}:${idempotencyKey}`]);
}

export async function findInvoiceByKey(conn: Conn, organizationId: string, idempotencyKey: string): Promise<InvoiceRow | undefined> {
  return conn<InvoiceRow>('invoices').where({ organization_id: organizationId, idempotency_key: idempotencyKey }).first();
}

/** The invoice's numbers: the next gapless ones (per customer, and per organization when numbered so), or none for a draft. */
async function numbersOf(trx: Tx, draft: InvoiceDraft, numbering: Numbering) {
  if (draft.status === 'draft') return { sequential_id: null, organization_sequential_id: null, number: draftInvoiceNumber(numbering.prefix) };
  const sequentialId = await nextSequenceValue(trx, draft.organization_id, `customer:${draft.customer_id}:invoices`);
  // Numbered per customer, no number holds the organization-wide sequence: not taking it keeps one row
  // from serializing every invoice of the organization (`startOrganizationNumbering` gives it its base
  // when the organization switches to per_organization).
  const organizationSequentialId = numbering.mode === 'per_organization' ? await nextSequenceValue(trx, draft.organization_id, ORGANIZATION_SEQUENCE) : null;
  const number = formatInvoiceNumber({
    prefix: numbering.prefix,
    mode: numbering.mode,
    customerSequentialId: numbering.customerSequentialId,
    invoiceSequentialId: organizationSequentialId ?? sequentialId,
    issuingDate: draft.issuing_date,
  });
  return { sequential_id: sequentialId, organization_sequential_id: organizationSequentialId, number };
}

function invoiceColumns(draft: InvoiceDraft) {
  return {
    ...draft,
    applied_taxes: JSON.stringify(draft.applied_taxes),
    billing_periods: JSON.stringify(draft.billing_periods),
    ...(draft.occasion !== undefined ? { occasion: draft.occasion === null ? null : JSON.stringify(draft.occasion) } : {}),
  };
}

/** No numbers yet: `numberInvoice` gives them, last in the writer's transaction. */
const unnumbered = (numbering: Numbering) => ({ sequential_id: null, organization_sequential_id: null, number: draftInvoiceNumber(numbering.prefix) });

/**
 * Inserts the invoice, not numbered yet (`numberInvoice`), and its fees. The answer's `fees` are
 * what `feesOf` would read back in this transaction, when the insert's own answer is that (no
 * true-up linked after it, no late-usage adjustment whose invoice only a read finds); else null.
 */
export async function insertInvoiceWithFees(trx: Tx, draft: InvoiceDraft, fees: FeeDraft[], numbering: Numbering): Promise<{ invoice: InvoiceRow; fees: FeeRow[] | null }> {
  const [invoice] = await trx<InvoiceRow>('invoices')
    .insert({ ...invoiceColumns(draft), ...unnumbered(numbering) } as never)
    .returning('*');
  return { invoice: invoice!, fees: await insertInvoiceFees(trx, fees, draft, invoice!.id) };
}

/** An invoice's fees, each true-up then linked with its parent both ways (by their keys, unique within the invoice). */
async function insertInvoiceFees(trx: Tx, fees: FeeDraft[], draft: InvoiceDraft, invoiceId: string): Promise<FeeRow[] | null> {
  if (fees.length === 0) return [];
  const rows = await trx<FeeRow>('fees').insert(fees.map((fee, position) => ({ ...feeColumns(fee, draft.organization_id, invoiceId, draft.currency), position })) as never)
    .returning('*') as FeeRow[];
  const idOf = new Map(rows.map((row) => [row.fee_key, row.id]));
  const trueUps = fees.filter((entry) => entry.true_up_parent_fee_key);
  for (const fee of trueUps) {
    const trueUpId = idOf.get(fee.fee_key)!;
    const parentId = idOf.get(fee.true_up_parent_fee_key!);
    if (!parentId) throw new Error(`True-up fee ${fee.fee_key} tops up ${fee.true_up_parent_fee_key}, which is not on the invoice`);
    await trx('fees').where({ id: trueUpId }).update({ true_up_parent_fee_id: parentId });
    await trx('fees').where({ id: parentId }).update({ true_up_fee_id: trueUpId });
  }
  if (trueUps.length > 0 || rows.some((row) => row.adjusted_window_id)) return null;
  return rows.map((row) => ({ ...row, adjusted_invoice_id: null })).sort(inFeesOfOrder);
}

/**
 * `feesOf`'s order for the fees of one insert (one `created_at`): type descending, then position,
 * then id. The fee types differ before any underscore, so code-point order is the database's in
 * any collation.
 */
function inFeesOfOrder(a: FeeRow, b: FeeRow): number {
  if (a.fee_type !== b.fee_type) return a.fee_type < b.fee_type ? 1 : -1;
  if ((a.position ?? Infinity) !== (b.position ?? Infinity)) return (a.position ?? Infinity) - (b.position ?? Infinity);
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * A draft's contents replaced by a new computation of them (its refresh, or its finalization, which
 * `numberInvoice` then numbers): the invoice row keeps its id, key and creation date.
 */
export async function replaceDraftContents(trx: Tx, invoiceId: string, draft: InvoiceDraft, fees: FeeDraft[], numbering: Numbering): Promise<InvoiceRow> {
  await trx('fees').where({ invoice_id: invoiceId, organization_id: draft.organization_id }).delete();
  const [invoice] = await trx<InvoiceRow>('invoices')
    .where({ id: invoiceId, organization_id: draft.organization_id })
    .update({ ...invoiceColumns(draft), ...unnumbered(numbering), updated_at: trx.fn.now() } as never)
    .returning('*');
  await insertInvoiceFees(trx, fees, draft, invoiceId);
  return invoice!;
}

/**
 * Gives a finalized invoice its gapless numbers; a draft keeps none. The writer calls it last: the
 * organization's counter row stays locked until the transaction commits, so every statement after
 * it would hold up every other invoice of the organization.
 */
export async function numberInvoice(trx: Tx, invoice: InvoiceRow, numbering: Numbering): Promise<InvoiceRow> {
  if (invoice.status === 'draft') return invoice;
  const [row] = await trx<InvoiceRow>('invoices')
    .where({ id: invoice.id, organization_id: invoice.organization_id })
    .update((await numbersOf(trx, invoice, numbering)) as never)
    .returning('*');
  return row!;
}

/**
 * An organization switching to per_organization numbering: its sequence continues from the number
 * of invoices numbered so far (Lago's rule), so the next invoice is the count plus one.
 */
export async function startOrganizationNumbering(trx: Tx, organizationId: string): Promise<void> {
  const numbered = await trx('invoices').where({ organization_id: organizationId }).whereNotNull('sequential_id').count({ count: '*' }).first();
  await setSequenceValue(trx, organizationId, ORGANIZATION_SEQUENCE, BigInt(numbered?.count ?? 0));
}

/** A draft finalized as it stands (no computation behind it to run again): it takes its numbers. */
export async function finalizeDraftRow(trx: Tx, invoice: InvoiceRow, numbering: Numbering): Promise<InvoiceRow> {
  const finalized = { ...invoice, status: 'finalized' as const };
  const [row] = await trx<InvoiceRow>('invoices')
    .where({ id: invoice.id, organization_id: invoice.organization_id })
    .update({ status: 'finalized', finalizes_on: null, ...(await numbersOf(trx, finalized, numbering)), updated_at: trx.fn.now() } as never)
    .returning('*');
  return row!;
}

/** A fee billed without an invoice (a pay-in-advance charge that is not invoiceable), once per key; undefined when it existed. */
export async function insertInvoicelessFeeOnce(conn: Conn, organizationId: string, currency: string, fee: FeeDraft): Promise<FeeRow | undefined> {
  const [inserted] = await conn('fees').insert(feeColumns(fee, organizationId, null, currency))
    .onConflict(conn.raw('(organization_id, fee_key) WHERE invoice_id IS NULL')).ignore().returning('*');
  return inserted as FeeRow | undefined;
}

function feeColumns({ true_up_parent_fee_key: _parentKey, ...fee }: FeeDraft, organizationId: string, invoiceId: string | null, currency: string) {
  return {
    ...fee,
    applied_taxes: JSON.stringify(fee.applied_taxes),
    amount_details: JSON.stringify(fee.amount_details),
    charge_filter_values: fee.charge_filter_values ? JSON.stringify(fee.charge_filter_values) : null,
    grouped_by: fee.grouped_by ? JSON.stringify(fee.grouped_by) : null,
    presentation_breakdowns: JSON.stringify(fee.presentation_breakdowns ?? []),
    organization_id: organizationId,
    invoice_id: invoiceId,
    currency,
  };
}

/**
 * The stretches the given subscriptions' base fees cover on invoices that still count (not voided
 * or deleted), drafts included; `exceptInvoiceId` is a draft whose fees are about to be replaced.
 */
export async function billedBaseFeeStretches(conn: Conn, subscriptionIds: string[], exceptInvoiceId: string | null = null): Promise<BilledStretch[]> {
  if (subscriptionIds.length === 0) return [];
  const query = conn('fees')
    .join('invoices', 'invoices.id', 'fees.invoice_id')
    .whereIn('fees.subscription_id', subscriptionIds)
    .where('fees.fee_type', 'subscription')
    .whereNotIn('invoices.status', ['voided', 'deleted'])
    .whereNotNull('fees.from_datetime')
    .select<{ subscription_id: string; from_datetime: Date; to_datetime: Date }[]>('fees.subscription_id', 'fees.from_datetime', 'fees.to_datetime');
  if (exceptInvoiceId) query.whereNot('fees.invoice_id', exceptInvoiceId);
  const rows = await query;
  return rows.map((row) => ({ subscriptionId: row.subscription_id, fromMs: row.from_datetime.getTime(), toMs: row.to_datetime.getTime() }));
}

export function invoicesOf(db: Conn, organizationId: string) {
  return db<InvoiceRow>('invoices').where({ organization_id: organizationId });
}

export async function findInvoice(db: Conn, organizationId: string, id: string): Promise<InvoiceRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  return invoicesOf(db, organizationId).where({ id }).first();
}

export async function feesOf(db: Conn, invoiceIds: string[]): Promise<FeeRow[]> {
  if (invoiceIds.length === 0) return [];
  // The writer's order within a type and instant (a null position, last), then the id: every read lists an invoice's fees alike.
  return db<FeeRow>('fees').whereIn('invoice_id', invoiceIds)
    .orderBy([{ column: 'fee_type', order: 'desc' }, { column: 'created_at' }, { column: 'position' }, { column: 'id' }])
    .select('fees.*', adjustedInvoiceIdSql(db));
}

/** For a late-usage adjustment, the invoice that billed the period it re-rates (`adjusted_invoice_id`). */
export function adjustedInvoiceIdSql(db: Conn) {
  return db.raw('(SELECT w.invoice_id FROM usage_windows w WHERE w.id = fees.adjusted_window_id) AS adjusted_invoice_id');
}

/** The invoice, locked until the caller's transaction ends. */
export async function lockInvoice(trx: Tx, organizationId: string, id: string): Promise<InvoiceRow | undefined> {
  return trx<InvoiceRow>('invoices').where({ id, organization_id: organizationId }).forUpdate().first();
}

/** The organization's invoices with these ids, locked in id order (as every locker of several invoices does) until the transaction ends. */
export async function lockInvoices(trx: Tx, organizationId: string, ids: readonly string[]): Promise<InvoiceRow[]> {
  if (ids.length === 0) return [];
  return trx<InvoiceRow>('invoices').where({ organization_id: organizationId }).whereIn('id', [...ids]).orderBy('id').forUpdate();
}

export async function updateInvoiceRow(trx: Tx, invoice: Pick<InvoiceRow, 'id' | 'organization_id'>, fields: Record<string, unknown>): Promise<InvoiceRow> {
  const [row] = await trx<InvoiceRow>('invoices').where({ id: invoice.id, organization_id: invoice.organization_id })
    .update({ ...fields, updated_at: trx.fn.now() } as never).returning('*');
  return row!;
}

/** The same change to several of the organization's invoices; answers them as changed, in id order. */
export async function updateInvoiceRows(trx: Tx, organizationId: string, ids: readonly string[], fields: Record<string, unknown>): Promise<InvoiceRow[]> {
  if (ids.length === 0) return [];
  const rows = await trx<InvoiceRow>('invoices').where({ organization_id: organizationId }).whereIn('id', [...ids])
    .update({ ...fields, updated_at: trx.fn.now() } as never).returning('*') as InvoiceRow[];
  return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export async function setInvoiceFilePath(trx: Tx, invoice: Pick<InvoiceRow, 'id' | 'organization_id'>, filePath: string): Promise<InvoiceRow> {
  return updateInvoiceRow(trx, invoice, { file_path: filePath });
}

export interface InvoiceListFilters {
  externalCustomerId?: string;
  statuses: string[];
  paymentStatuses?: string[];
  invoiceTypes?: string[];
  currency?: string;
  issuingDateFrom?: string;
  issuingDateTo?: string;
  amountFrom?: bigint;
  amountTo?: bigint;
  /** Past their due date unpaid (set by the payment workflow's timer), or not. */
  paymentOverdue?: boolean;
}

/** One page of the organization's invoices that the filters select, newest first. */
export async function invoicesPage(db: Conn, organizationId: string, filters: InvoiceListFilters, page: Page): Promise<Paginated<InvoiceRow>> {
  let query = invoicesOf(db, organizationId)
    .whereIn('status', filters.statuses)
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'organization_sequential_id', order: 'desc' }]);
  if (filters.externalCustomerId !== undefined) {
    query = query.whereIn('customer_id', db('customers').select('id').where({ organization_id: organizationId, external_id: filters.externalCustomerId }));
  }
  if (filters.paymentStatuses) query = query.whereIn('payment_status', filters.paymentStatuses);
  if (filters.invoiceTypes) query = query.whereIn('invoice_type', filters.invoiceTypes);
  if (filters.currency) query = query.where('currency', filters.currency);
  if (filters.issuingDateFrom) query = query.where('issuing_date', '>=', filters.issuingDateFrom);
  if (filters.issuingDateTo) query = query.where('issuing_date', '<=', filters.issuingDateTo);
  if (filters.amountFrom !== undefined) query = query.where('total_amount_cents', '>=', filters.amountFrom.toString());
  if (filters.amountTo !== undefined) query = query.where('total_amount_cents', '<=', filters.amountTo.toString());
  if (filters.paymentOverdue !== undefined) query = query.where('payment_overdue', filters.paymentOverdue);
  return paginate<InvoiceRow>(query, page);
}

/** The fees an event was billed by (its pay-in-advance charges'), invoiced or not. */
export async function feesOfEvent(db: Conn, organizationId: string, transactionId: string): Promise<FeeRow[]> {
  return db<FeeRow>('fees').where({ organization_id: organizationId, event_transaction_id: transactionId }).orderBy([{ column: 'created_at' }, { column: 'id' }]);
}
