/**
 * Charges: a plan's usage prices, one billable metric each. Removed charges are soft-deleted
 * (fees of issued invoices keep pointing at them). `properties` and each filter's `properties`
 * are stored as validated on the wire (decimal strings), ready for `parseChargeProperties`.
 */
import type { Conn } from './knex';
import { memoized } from './read-memo';
import type { ChargeModelName } from '../billing/types';

/** A charge filter: its own price for the events whose properties match `values`. */
export interface ChargeFilter {
  id: string;
  invoice_display_name: string | null;
  properties: Record<string, unknown>;
  /** Metric filter key → the values it matches. */
  values: Record<string, string[]>;
}

export interface ChargeRow {
  id: string;
  organization_id: string;
  plan_id: string;
  billable_metric_id: string;
  code: string;
  charge_model: ChargeModelName;
  properties: Record<string, unknown>;
  filters: ChargeFilter[];
  pay_in_advance: boolean;
  invoiceable: boolean;
  prorated: boolean;
  min_amount_cents: bigint;
  invoice_display_name: string | null;
  regroup_paid_fees: 'invoice' | null;
  /** In a child plan (migration 027): the parent plan's charge this one was copied from. */
  parent_id: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

/** A charge with its metric's code, as the plan output shows it. */
export interface ChargeWithMetric extends ChargeRow {
  billable_metric_code: string;
}

export type ChargeFields = Omit<ChargeRow, 'id' | 'organization_id' | 'plan_id' | 'parent_id' | 'created_at' | 'updated_at' | 'deleted_at'>;

function columns(fields: Partial<ChargeFields>) {
  return fields.filters === undefined ? fields : { ...fields, filters: JSON.stringify(fields.filters) };
}

/** The live charges of the given plans, oldest first. */
export async function liveChargesOfPlans(db: Conn, planIds: readonly string[]): Promise<ChargeWithMetric[]> {
  if (planIds.length === 0) return [];
  const ids = [...new Set(planIds)];
  return memoized(db, `charges:${[...ids].sort().join(',')}`, async () => db('charges')
    .join('billable_metrics', 'billable_metrics.id', 'charges.billable_metric_id')
    .whereIn('charges.plan_id', ids)
    .whereNull('charges.deleted_at')
    .orderBy([{ column: 'charges.created_at' }, { column: 'charges.id' }])
    .select('charges.*', 'billable_metrics.code as billable_metric_code') as Promise<ChargeWithMetric[]>);
}

export async function insertCharge(db: Conn, organizationId: string, planId: string, fields: ChargeFields): Promise<ChargeRow> {
  // clock_timestamp(), not now(): charges written in one transaction keep the order they were sent in.
  const [row] = await db('charges')
    .insert({ ...columns(fields), organization_id: organizationId, plan_id: planId, created_at: db.raw('clock_timestamp()') })
    .returning('*');
  return row as ChargeRow;
}

export async function updateCharge(db: Conn, id: string, fields: Partial<ChargeFields>): Promise<void> {
  await db('charges').where({ id }).update({ ...columns(fields), updated_at: db.fn.now() });
}

export async function softDeleteCharges(db: Conn, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db('charges').whereIn('id', ids).whereNull('deleted_at').update({ deleted_at: db.fn.now(), updated_at: db.fn.now() });
}

/** Soft-deletes every live charge on the metric, whatever its plan. */
export async function softDeleteChargesOfMetric(db: Conn, billableMetricId: string): Promise<void> {
  await db('charges').where({ billable_metric_id: billableMetricId }).whereNull('deleted_at').update({ deleted_at: db.fn.now(), updated_at: db.fn.now() });
}

/** The live charges on a metric, with their plan (live plans only). */
export async function liveChargesOfMetric(db: Conn, billableMetricId: string): Promise<ChargeRow[]> {
  return db('charges')
    .join('plans', 'plans.id', 'charges.plan_id')
    .where('charges.billable_metric_id', billableMetricId)
    .whereNull('charges.deleted_at')
    .whereNull('plans.deleted_at')
    .select('charges.*') as Promise<ChargeRow[]>;
}
