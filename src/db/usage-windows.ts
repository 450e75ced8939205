/**
 * The usage windows invoices price (migration 015), and what tells late usage apart.
 *
 * Before an invoice reads the events of its windows, it takes a PostgreSQL snapshot
 * (`pg_current_snapshot()`); every event whose transaction is visible in that snapshot was
 * committed before the first aggregation ran, so it is in the pricing. An event of the window
 * that is not visible arrived later: in a draft, the next refresh takes it; on a finalized
 * invoice, it is late usage. A window is re-rated by a later invoice (a `late_usage` row that
 * adjusts it, with that invoice's snapshot), and its latest pricing's snapshot says what has been
 * priced so far: later snapshots see everything earlier ones saw.
 *
 * Finding late usage reads only the events that arrived since the external id's previous pricing
 * (through the index on organization, external id, code and transaction id), never a whole
 * period of events.
 */
import type { Conn, Tx } from './knex';
import type { FeeRow, InvoiceRow } from './invoices';

export type UsageWindowKind = 'period' | 'late_usage';

export interface UsageWindowRow {
  id: string;
  seq: string;
  organization_id: string;
  invoice_id: string;
  subscription_id: string;
  external_subscription_id: string;
  kind: UsageWindowKind;
  adjusted_window_id: string | null;
  from_datetime: Date;
  to_datetime: Date;
  usage_snapshot: string;
  created_at: Date;
}

/** A window an invoice prices: its own period's, or an earlier one it re-rates (`adjusted_window_id`). */
export type UsageWindowDraft = Pick<UsageWindowRow, 'subscription_id' | 'external_subscription_id' | 'kind' | 'adjusted_window_id' | 'from_datetime' | 'to_datetime'>;

/** The snapshot to take before reading events: what is visible in it is what the pricing sees. */
export async function currentUsageSnapshot(conn: Conn): Promise<string> {
  const { rows } = (await conn.raw('SELECT pg_current_snapshot()::text AS snapshot')) as { rows: { snapshot: string }[] };
  return rows[0]!.snapshot;
}

/**
 * The invoice's windows as priced with `snapshot`, replacing those of an earlier computation (a
 * draft's); `fresh`: the invoice was inserted in this transaction and has none to replace.
 */
export async function replaceUsageWindows(
  trx: Tx, invoice: Pick<InvoiceRow, 'id' | 'organization_id'>, snapshot: string, windows: readonly UsageWindowDraft[], options: { fresh?: boolean } = {},
): Promise<void> {
  if (!options.fresh) await trx('usage_windows').where({ organization_id: invoice.organization_id, invoice_id: invoice.id }).delete();
  if (windows.length === 0) return;
  await trx('usage_windows').insert(windows.map((window) => ({
    ...window,
    organization_id: invoice.organization_id,
    invoice_id: invoice.id,
    usage_snapshot: snapshot,
  })));
}

/** A period window whose late usage is to be re-rated, with the snapshot of its latest pricing. */
export interface WindowToReprice extends UsageWindowRow {
  last_snapshot: string;
}

/**
 * The period windows of `externalSubscriptionId` on finalized (or voided) invoices that have events
 * their latest pricing did not see: an event inside the window, or before its end for a recurring
 * metric (its units carry over). Pricings on `excludeInvoiceId` (the invoice being computed again)
 * do not count; a window being re-rated on another draft is left to that draft. Oldest first.
 */
export async function windowsToReprice(conn: Conn, input: { organizationId: string; externalSubscriptionId: string; excludeInvoiceId: string | null }): Promise<WindowToReprice[]> {
  const { rows } = (await conn.raw(
    `WITH metrics AS (
       SELECT code, bool_or(recurring) AS recurring FROM billable_metrics WHERE organization_id = :org GROUP BY code
     ),
     previous AS (
       SELECT usage_snapshot::pg_snapshot AS snapshot FROM usage_windows
       WHERE organization_id = :org AND external_subscription_id = :ext AND invoice_id IS DISTINCT FROM :exclude
       ORDER BY seq DESC LIMIT 1
     ),
     arrived AS MATERIALIZED (
       SELECT e."timestamp", e.xact_id, m.recurring
       FROM previous, metrics m
       JOIN events e ON e.organization_id = :org AND e.external_subscription_id = :ext AND e.code = m.code
       WHERE e.xact_id >= pg_snapshot_xmin(previous.snapshot) AND NOT pg_visible_in_snapshot(e.xact_id, previous.snapshot)
     ),
     candidates AS (
       SELECT w.*, (
         SELECT p.usage_snapshot FROM usage_windows p
         WHERE (p.id = w.id OR p.adjusted_window_id = w.id) AND p.invoice_id IS DISTINCT FROM :exclude
         ORDER BY p.seq DESC LIMIT 1
       ) AS last_snapshot
       FROM usage_windows w JOIN invoices i ON i.id = w.invoice_id
       WHERE w.organization_id = :org AND w.external_subscription_id = :ext AND w.kind = 'period'
         AND i.status IN ('finalized', 'voided')
         AND NOT EXISTS (
           SELECT 1 FROM usage_windows a JOIN invoices ai ON ai.id = a.invoice_id
           WHERE a.adjusted_window_id = w.id AND ai.status = 'draft' AND a.invoice_id IS DISTINCT FROM :exclude
         )
     )
     SELECT c.* FROM candidates c
     WHERE EXISTS (
       SELECT 1 FROM arrived a
       WHERE (a."timestamp" BETWEEN c.from_datetime AND c.to_datetime OR (a.recurring AND a."timestamp" <= c.to_datetime))
         AND NOT pg_visible_in_snapshot(a.xact_id, c.last_snapshot::pg_snapshot)
     )
     ORDER BY c.from_datetime, c.seq`,
    { org: input.organizationId, ext: input.externalSubscriptionId, exclude: input.excludeInvoiceId },
  )) as { rows: WindowToReprice[] };
  return rows;
}

/** A fee that counts as billed for a window: its regular usage fee, or an earlier adjustment of it. */
export type BilledWindowFee = Pick<FeeRow, 'fee_key' | 'amount_cents' | 'precise_amount_cents' | 'units' | 'total_aggregated_units' | 'events_count'>;

/**
 * What has been billed for a window's usage charges, whatever became of the invoices since (a
 * voided invoice or a deleted draft does not bring its usage back): the window's own fees and
 * its adjustments on other invoices than `excludeInvoiceId`.
 */
export async function billedFeesOfWindow(conn: Conn, window: UsageWindowRow, excludeInvoiceId: string | null): Promise<BilledWindowFee[]> {
  return conn<FeeRow>('fees')
    .where({ organization_id: window.organization_id, fee_type: 'charge', pay_in_advance: false })
    .where((q) => q
      .where((own) => own.where({ invoice_id: window.invoice_id, subscription_id: window.subscription_id }).whereNull('adjusted_window_id'))
      .orWhere((adjustments) => adjustments.where({ adjusted_window_id: window.id }).whereRaw('invoice_id IS DISTINCT FROM ?', [excludeInvoiceId])))
    .select('fee_key', 'amount_cents', 'precise_amount_cents', 'units', 'total_aggregated_units', 'events_count');
}

// The event trace ----------------------------------------------------------------------------------

/** A pricing of a window (its own, or an adjustment), with the status of the invoice that holds it. */
export interface WindowPricing extends UsageWindowRow {
  invoice_status: InvoiceRow['status'];
  /** Whether the event asked about is visible in this pricing's snapshot. */
  sees_event: boolean;
}

/**
 * The period window of `externalSubscriptionId` whose charges cover `at`, and every pricing of it in
 * order (its own first), each telling whether the given event was in it.
 */
export async function pricingsCovering(conn: Conn, input: { organizationId: string; externalSubscriptionId: string; at: Date; eventId: string }): Promise<WindowPricing[]> {
  const { rows } = (await conn.raw(
    `WITH own AS (
       SELECT w.id FROM usage_windows w
       WHERE w.organization_id = :org AND w.external_subscription_id = :ext AND w.kind = 'period'
         AND w.from_datetime <= :at AND w.to_datetime >= :at
       ORDER BY w.seq DESC LIMIT 1
     )
     SELECT p.*, i.status AS invoice_status, pg_visible_in_snapshot(e.xact_id, p.usage_snapshot::pg_snapshot) AS sees_event
     FROM own, usage_windows p
     JOIN invoices i ON i.id = p.invoice_id
     JOIN events e ON e.id = :event
     WHERE p.id = own.id OR p.adjusted_window_id = own.id
     ORDER BY p.seq`,
    { org: input.organizationId, ext: input.externalSubscriptionId, at: input.at, event: input.eventId },
  )) as { rows: WindowPricing[] };
  return rows;
}

/**
 * The usage fees of one pricing for a metric: on `invoiceId`, of `subscriptionId`'s charges on
 * the metric `code`: the window's regular fees, or its adjustment fees (`adjustedWindowId`).
 */
export async function usageFeesOfPricing(conn: Conn, input: { organizationId: string; invoiceId: string; subscriptionId: string; code: string; adjustedWindowId: string | null }): Promise<string[]> {
  const query = conn('fees')
    .join('charges', 'charges.id', 'fees.charge_id')
    .join('billable_metrics', 'billable_metrics.id', 'charges.billable_metric_id')
    .where({ 'fees.organization_id': input.organizationId, 'fees.invoice_id': input.invoiceId, 'fees.subscription_id': input.subscriptionId, 'fees.fee_type': 'charge', 'billable_metrics.code': input.code })
    .orderBy([{ column: 'fees.fee_key' }])
    .select<{ id: string }[]>('fees.id');
  if (input.adjustedWindowId === null) query.whereNull('fees.adjusted_window_id');
  else query.where('fees.adjusted_window_id', input.adjustedWindowId);
  return (await query).map((row) => row.id);
}
