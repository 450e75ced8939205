/** Billable metrics: what usage events are aggregated into, looked up by code (live ones only). */
import type { Conn, Tx } from './knex';
import { memoized } from './read-memo';
import type { AggregationType } from '../billing/types';
import type { Page, Paginated } from '../runtime/pagination';
import { paginate } from './pagination';

export interface MetricFilter {
  key: string;
  values: string[];
}

export interface BillableMetricRow {
  id: string;
  organization_id: string;
  code: string;
  name: string;
  description: string | null;
  aggregation_type: AggregationType;
  field_name: string | null;
  recurring: boolean;
  weighted_interval: 'seconds' | null;
  rounding_function: 'round' | 'ceil' | 'floor' | null;
  rounding_precision: number | null;
  expression: string | null;
  filters: MetricFilter[];
  /** Created as the legacy `recurring_count_agg`: its charges default to `prorated: true`. */
  legacy_recurring_count: boolean;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export type BillableMetricFields = Omit<BillableMetricRow, 'id' | 'organization_id' | 'created_at' | 'updated_at' | 'deleted_at'>;

export function liveBillableMetrics(db: Conn, organizationId: string) {
  return db<BillableMetricRow>('billable_metrics').where({ organization_id: organizationId }).whereNull('deleted_at');
}

/** One page of the organization's live metrics, newest first. */
export async function listLiveBillableMetrics(db: Conn, organizationId: string, page: Page): Promise<Paginated<BillableMetricRow>> {
  return paginate<BillableMetricRow>(liveBillableMetrics(db, organizationId).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]), page);
}

export async function findBillableMetricByCode(db: Conn, organizationId: string, code: string): Promise<BillableMetricRow | undefined> {
  return liveBillableMetrics(db, organizationId).where({ code }).first();
}

/** Live metrics by id (ids must be UUIDs). */
export async function findBillableMetricsByIds(db: Conn, organizationId: string, ids: readonly string[]): Promise<BillableMetricRow[]> {
  if (ids.length === 0) return [];
  const unique = [...new Set(ids)];
  return memoized(db, `metrics:${organizationId}:${[...unique].sort().join(',')}`, async () => liveBillableMetrics(db, organizationId).whereIn('id', unique));
}

export async function findBillableMetricsByCodes(db: Conn, organizationId: string, codes: readonly string[]): Promise<BillableMetricRow[]> {
  if (codes.length === 0) return [];
  return liveBillableMetrics(db, organizationId).whereIn('code', [...new Set(codes)]);
}

function columns(fields: Partial<BillableMetricFields>) {
  return fields.filters === undefined ? fields : { ...fields, filters: JSON.stringify(fields.filters) };
}

export async function insertBillableMetric(db: Conn, organizationId: string, fields: BillableMetricFields): Promise<BillableMetricRow> {
  const [row] = await db('billable_metrics').insert({ ...columns(fields), organization_id: organizationId }).returning('*');
  return row as BillableMetricRow;
}

/** Holds the metric's row until the transaction ends, so concurrent updates apply one after the other. */
export async function lockBillableMetric(trx: Tx, id: string): Promise<void> {
  await trx.raw('SELECT id FROM billable_metrics WHERE id = ? FOR UPDATE', [id]);
}

export async function updateBillableMetric(db: Conn, id: string, fields: Partial<BillableMetricFields>): Promise<BillableMetricRow> {
  const [row] = await db('billable_metrics').where({ id }).update({ ...columns(fields), updated_at: db.fn.now() }).returning('*');
  return row as BillableMetricRow;
}

export async function softDeleteBillableMetric(db: Conn, id: string): Promise<BillableMetricRow> {
  const [row] = await db('billable_metrics').where({ id }).update({ deleted_at: db.fn.now(), updated_at: db.fn.now() }).returning('*');
  return row as BillableMetricRow;
}
