/**
 * Progressive billing's tables (migration 023): usage thresholds (a plan's, or a subscription's
 * own), the threshold levels each subscription crossed (`applied_usage_thresholds`, once per
 * subscription, threshold and level), and the historical usage a lifetime-usage PUT seeds.
 */
import type { Conn, Tx } from './knex';
import type { Cents } from '../billing/money';

export interface UsageThresholdRow {
  id: string;
  organization_id: string;
  plan_id: string | null;
  subscription_id: string | null;
  amount_cents: bigint;
  threshold_display_name: string | null;
  recurring: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface NewUsageThreshold {
  amount_cents: bigint;
  threshold_display_name: string | null;
  recurring: boolean;
}

export interface AppliedUsageThresholdRow {
  id: string;
  organization_id: string;
  subscription_id: string;
  usage_threshold_id: string;
  level_amount_cents: bigint;
  invoice_id: string | null;
  charges_from_datetime: Date;
  lifetime_usage_amount_cents: bigint;
  created_at: Date;
}

/** Live thresholds, smallest first (a fixed one before the recurring one of the same amount). */
const live = (conn: Conn) => conn<UsageThresholdRow>('usage_thresholds').whereNull('deleted_at').orderBy('amount_cents', 'asc').orderBy('recurring', 'asc');

/** The live thresholds of these plans, by plan id, smallest first. */
export async function thresholdsOfPlans(conn: Conn, planIds: readonly string[]): Promise<Map<string, UsageThresholdRow[]>> {
  const byPlan = new Map<string, UsageThresholdRow[]>();
  if (planIds.length === 0) return byPlan;
  const rows = await live(conn).whereIn('plan_id', planIds as string[]);
  for (const row of rows) byPlan.set(row.plan_id!, [...(byPlan.get(row.plan_id!) ?? []), row]);
  return byPlan;
}

/** The subscription's own live thresholds, smallest first. */
export async function thresholdsOfSubscription(conn: Conn, subscriptionId: string): Promise<UsageThresholdRow[]> {
  return live(conn).where({ subscription_id: subscriptionId });
}

/** The thresholds that apply to a subscription: its own when it has some, else its plan's. */
export async function applicableThresholds(conn: Conn, subscription: { id: string; plan_id: string }): Promise<UsageThresholdRow[]> {
  const own = await thresholdsOfSubscription(conn, subscription.id);
  if (own.length > 0) return own;
  return (await thresholdsOfPlans(conn, [subscription.plan_id])).get(subscription.plan_id) ?? [];
}

/** Replaces an owner's live thresholds (soft-deleted: applied levels keep naming them). */
export async function replaceThresholds(trx: Tx, organizationId: string, owner: { planId: string } | { subscriptionId: string }, thresholds: readonly NewUsageThreshold[]): Promise<void> {
  const column = 'planId' in owner ? { plan_id: owner.planId } : { subscription_id: owner.subscriptionId };
  await trx('usage_thresholds').where(column).whereNull('deleted_at').update({ deleted_at: trx.fn.now(), updated_at: trx.fn.now() });
  if (thresholds.length === 0) return;
  await trx('usage_thresholds').insert(thresholds.map((threshold) => ({ organization_id: organizationId, ...column, ...threshold })));
}

/** Every threshold level the subscription crossed so far. */
export async function appliedLevels(conn: Conn, subscriptionId: string): Promise<AppliedUsageThresholdRow[]> {
  return conn<AppliedUsageThresholdRow>('applied_usage_thresholds').where({ subscription_id: subscriptionId }).orderBy('level_amount_cents', 'asc');
}

/** Records crossed levels in the caller's transaction; a level recorded already fails it (UNIQUE). */
export async function insertAppliedLevels(trx: Tx, rows: readonly Omit<AppliedUsageThresholdRow, 'id'>[]): Promise<void> {
  if (rows.length > 0) await trx('applied_usage_thresholds').insert(rows);
}

/** The applied thresholds of these invoices, with the threshold each names, oldest first. */
export async function appliedThresholdsOfInvoices(conn: Conn, invoiceIds: readonly string[]): Promise<(AppliedUsageThresholdRow & { threshold: UsageThresholdRow })[]> {
  if (invoiceIds.length === 0) return [];
  const applied = await conn<AppliedUsageThresholdRow>('applied_usage_thresholds').whereIn('invoice_id', invoiceIds as string[]).orderBy('level_amount_cents', 'asc');
  const thresholds = await conn<UsageThresholdRow>('usage_thresholds').whereIn('id', [...new Set(applied.map((row) => row.usage_threshold_id))]);
  const byId = new Map(thresholds.map((row) => [row.id, row]));
  return applied.map((row) => ({ ...row, threshold: byId.get(row.usage_threshold_id)! }));
}

/**
 * What the progressive invoices of a subscription's charges period billed, per fee key (the usage
 * line: charge, filter, group), voided ones left out.
 */
export async function progressiveBilledByLine(conn: Conn, subscriptionId: string, chargesFromMs: number): Promise<Map<string, Cents>> {
  const rows = await conn('fees as f')
    .join('invoices as i', 'i.id', 'f.invoice_id')
    .where({ 'i.subscription_id': subscriptionId, 'i.invoice_type': 'progressive_billing', 'f.fee_type': 'charge' })
    .whereNot('i.status', 'voided')
    .whereIn('i.id', conn('applied_usage_thresholds').select('invoice_id').where({ subscription_id: subscriptionId, charges_from_datetime: new Date(chargesFromMs) }))
    .groupBy('f.fee_key')
    .select<{ fee_key: string; amount_cents: string }[]>('f.fee_key', conn.raw('SUM(f.amount_cents)::text AS amount_cents'));
  return new Map(rows.map((row) => [row.fee_key, BigInt(row.amount_cents)]));
}

/**
 * The usage a subscription's periods invoiced (Lago's `invoiced_usage_amount_cents`): the usage
 * fees of its subscription invoices, drafts and finalized ones, not voided; progressive invoices
 * are left out (their period's closing invoice bills the whole period's usage).
 */
export async function invoicedUsageCents(conn: Conn, subscriptionId: string): Promise<Cents> {
  const row = await conn('fees as f')
    .join('invoices as i', 'i.id', 'f.invoice_id')
    .where({ 'f.subscription_id': subscriptionId, 'f.fee_type': 'charge', 'i.invoice_type': 'subscription' })
    .whereIn('i.status', ['draft', 'finalized'])
    .first(conn.raw('COALESCE(SUM(f.amount_cents), 0)::text AS total'));
  return BigInt((row as { total: string }).total);
}

export interface LifetimeUsageRow {
  id: string;
  organization_id: string;
  subscription_id: string;
  historical_usage_amount_cents: bigint;
  created_at: Date;
  updated_at: Date;
}

export async function findLifetimeUsage(conn: Conn, subscriptionId: string): Promise<LifetimeUsageRow | undefined> {
  return conn<LifetimeUsageRow>('lifetime_usages').where({ subscription_id: subscriptionId }).first();
}

/** Seeds (or changes) the subscription's historical usage. */
export async function upsertHistoricalUsage(conn: Conn, organizationId: string, subscriptionId: string, id: string, amountCents: bigint): Promise<LifetimeUsageRow> {
  const [row] = await conn('lifetime_usages')
    .insert({ id, organization_id: organizationId, subscription_id: subscriptionId, historical_usage_amount_cents: amountCents })
    .onConflict('subscription_id')
    .merge({ historical_usage_amount_cents: amountCents, updated_at: conn.fn.now() })
    .returning('*');
  return row as LifetimeUsageRow;
}

/** Whether the subscription bills progressively: thresholds apply to it and it is not disabled (SQL for the event lookups). */
export const PROGRESSIVE_BILLING_SQL = `(NOT s.progressive_billing_disabled AND (
  EXISTS (SELECT 1 FROM usage_thresholds ut WHERE ut.subscription_id = s.id AND ut.deleted_at IS NULL)
  OR EXISTS (SELECT 1 FROM usage_thresholds ut WHERE ut.plan_id = s.plan_id AND ut.deleted_at IS NULL)))`;
