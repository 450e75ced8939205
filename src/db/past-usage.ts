/**
 * Past usage (Lago's `GET /customers/:external_id/past_usage`): the charges periods a finalized
 * subscription invoice closed, and the usage fees actually billed for each. A period is one
 * subscription's entry in an invoice's `billing_periods` with a charges window; its fees are the
 * charge fees of that subscription on that invoice, plus the pay-in-advance charge fees of the same
 * subscription billed during the window (on finalized invoices, or without an invoice and not
 * deleted). Nothing is recomputed from events.
 */
import type { Conn } from './knex';
import type { Page, Paginated } from '../runtime/pagination';
import type { ChargeFilter } from './charges';
import type { FeeRow } from './invoices';
import { paginate } from './pagination';

export interface UsagePeriodRow {
  invoice_id: string;
  issuing_date: string;
  currency: string;
  subscription_id: string;
  charges_from_datetime: Date;
  charges_to_datetime: Date;
}

/** A usage fee with its charge and metric (the charge may have been removed from the plan since). */
export interface UsageFeeRow extends FeeRow {
  period_index: number;
  charge_code: string;
  charge_model: string;
  charge_invoice_display_name: string | null;
  charge_filters: ChargeFilter[];
  billable_metric_id: string;
  billable_metric_name: string;
  billable_metric_code: string;
  billable_metric_aggregation_type: string;
}

/**
 * The customer's closed usage periods of subscriptions with this external id (a plan change keeps
 * the id), newest first; only the `periodsCount` newest when given, then one page of those.
 */
export async function usagePeriodsPage(
  db: Conn, organizationId: string, customerId: string, externalSubscriptionId: string, periodsCount: number | undefined, page: Page,
): Promise<Paginated<UsagePeriodRow>> {
  let periods = db('invoices as i')
    .joinRaw('CROSS JOIN LATERAL jsonb_array_elements(i.billing_periods) AS bp(value)')
    .join('subscriptions as s', 's.id', db.raw("(bp.value->>'lago_subscription_id')::uuid"))
    .where({ 'i.organization_id': organizationId, 'i.customer_id': customerId, 'i.status': 'finalized', 's.organization_id': organizationId, 's.external_id': externalSubscriptionId })
    .whereRaw("bp.value->>'charges_from_datetime' IS NOT NULL AND bp.value->>'charges_to_datetime' IS NOT NULL")
    .whereRaw("COALESCE(bp.value->>'invoicing_reason', '') <> 'in_advance_charge'")
    .select(
      'i.id as invoice_id', 'i.issuing_date', 'i.currency', 's.id as subscription_id',
      db.raw("(bp.value->>'charges_from_datetime')::timestamptz AS charges_from_datetime"),
      db.raw("(bp.value->>'charges_to_datetime')::timestamptz AS charges_to_datetime"),
      'i.created_at as invoice_created_at',
    )
    .orderByRaw("(bp.value->>'charges_from_datetime')::timestamptz DESC, i.created_at DESC, i.id DESC");
  if (periodsCount !== undefined) periods = periods.limit(periodsCount);
  const query = db.from(periods.as('p')).select('*').orderBy([
    { column: 'charges_from_datetime', order: 'desc' }, { column: 'invoice_created_at', order: 'desc' }, { column: 'invoice_id', order: 'desc' },
  ]);
  return paginate<UsagePeriodRow>(query, page);
}

/** The usage fees of each period (by its index in `periods`), oldest charge first; one metric's only when given. */
export async function usageFeesOfPeriods(
  db: Conn, organizationId: string, periods: readonly UsagePeriodRow[], billableMetricId: string | undefined,
): Promise<UsageFeeRow[]> {
  if (periods.length === 0) return [];
  const list = periods.map((period, index) => ({
    idx: index, invoice_id: period.invoice_id, subscription_id: period.subscription_id,
    from_at: period.charges_from_datetime.toISOString(), to_at: period.charges_to_datetime.toISOString(),
  }));
  let query = db('fees as f')
    .joinRaw('JOIN jsonb_to_recordset(?::jsonb) AS p(idx int, invoice_id uuid, subscription_id uuid, from_at timestamptz, to_at timestamptz) ON p.subscription_id = f.subscription_id', [JSON.stringify(list)])
    .leftJoin('invoices as fi', 'fi.id', 'f.invoice_id')
    .join('charges as c', 'c.id', 'f.charge_id')
    .join('billable_metrics as bm', 'bm.id', 'c.billable_metric_id')
    .where({ 'f.organization_id': organizationId, 'f.fee_type': 'charge' })
    .where((q) => q
      .whereRaw('f.invoice_id = p.invoice_id')
      .orWhere((inAdvance) => inAdvance
        .where('f.pay_in_advance', true)
        .whereRaw('f.from_datetime >= p.from_at AND f.from_datetime <= p.to_at')
        .whereRaw('f.invoice_id IS DISTINCT FROM p.invoice_id')
        .where((paid) => paid.where('fi.status', 'finalized').orWhere((own) => own.whereNull('f.invoice_id').whereNull('f.deleted_at')))))
    .select(
      'f.*', 'p.idx as period_index',
      'c.code as charge_code', 'c.charge_model as charge_model', 'c.invoice_display_name as charge_invoice_display_name', 'c.filters as charge_filters',
      'bm.id as billable_metric_id', 'bm.name as billable_metric_name', 'bm.code as billable_metric_code', 'bm.aggregation_type as billable_metric_aggregation_type',
    )
    .orderBy([{ column: 'p.idx' }, { column: 'c.created_at' }, { column: 'c.id' }, { column: 'f.created_at' }, { column: 'f.id' }]);
  if (billableMetricId !== undefined) query = query.where('bm.id', billableMetricId);
  return query as Promise<UsageFeeRow[]>;
}
