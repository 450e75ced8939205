/**
 * Coupons, what they are limited to (coupon_targets), and the coupons applied to customers.
 * An applied coupon carries its own terms (copied from the coupon, possibly overridden) and what
 * is left of it; `activeAppliedCouponInputs` and `recordCouponConsumption` are the invoicing
 * core's way in and out (src/billing/coupons.ts).
 */
import type { Conn, Tx } from './knex';
import { Dec } from '../billing/money';
import type { AppliedCouponInput, CouponConsumption, CouponFrequency, CouponType } from '../billing/coupons';
import type { Page, Paginated } from '../runtime/pagination';
import { paginate } from './pagination';

export interface CouponRow {
  id: string;
  organization_id: string;
  code: string;
  name: string;
  description: string | null;
  coupon_type: CouponType;
  amount_cents: bigint | null;
  amount_currency: string | null;
  /** Percent, exact numeric string. */
  percentage_rate: string | null;
  frequency: CouponFrequency;
  frequency_duration: number | null;
  reusable: boolean;
  expiration: 'no_expiration' | 'time_limit';
  expiration_at: Date | null;
  limited_plans: boolean;
  limited_billable_metrics: boolean;
  status: 'active' | 'terminated';
  terminated_at: Date | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export type CouponFields = Omit<CouponRow, 'id' | 'organization_id' | 'status' | 'terminated_at' | 'created_at' | 'updated_at' | 'deleted_at'>;

export interface CouponTargets {
  plans: { id: string; code: string }[];
  billableMetrics: { id: string; code: string }[];
}

/** A coupon with the live plans and metrics it is limited to. */
export interface CouponView {
  coupon: CouponRow;
  targets: CouponTargets;
}

export function liveCoupons(db: Conn, organizationId: string) {
  return db<CouponRow>('coupons').where({ organization_id: organizationId }).whereNull('deleted_at');
}

/** One page of the organization's live coupons, newest first. */
export async function listLiveCoupons(db: Conn, organizationId: string, page: Page): Promise<Paginated<CouponRow>> {
  return paginate<CouponRow>(liveCoupons(db, organizationId).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]), page);
}

export async function findCouponByCode(db: Conn, organizationId: string, code: string): Promise<CouponRow | undefined> {
  return liveCoupons(db, organizationId).where({ code }).first();
}

export async function insertCoupon(db: Conn, organizationId: string, fields: CouponFields): Promise<CouponRow> {
  const [row] = await db<CouponRow>('coupons').insert({ ...fields, organization_id: organizationId } as never).returning('*');
  return row!;
}

export async function updateCoupon(db: Conn, id: string, fields: Partial<CouponFields>): Promise<CouponRow> {
  const [row] = await db<CouponRow>('coupons').where({ id }).update({ ...fields, updated_at: db.fn.now() } as never).returning('*');
  return row!;
}

export async function softDeleteCoupon(db: Conn, id: string, at: Date): Promise<CouponRow> {
  const [row] = await db<CouponRow>('coupons')
    .where({ id })
    .update({ deleted_at: db.fn.now(), updated_at: db.fn.now(), status: 'terminated', terminated_at: db.raw('COALESCE(terminated_at, ?)', [at]) } as never)
    .returning('*');
  return row!;
}

/** Each coupon's live target plans and metrics, by code. */
export async function targetsOfCoupons(db: Conn, couponIds: readonly string[]): Promise<Map<string, CouponTargets>> {
  const byCoupon = new Map<string, CouponTargets>(couponIds.map((id) => [id, { plans: [], billableMetrics: [] }]));
  if (couponIds.length === 0) return byCoupon;
  const rows = (await db('coupon_targets')
    .leftJoin('plans', function joinPlans() {
      this.on('plans.id', 'coupon_targets.plan_id').andOnNull('plans.deleted_at');
    })
    .leftJoin('billable_metrics', function joinMetrics() {
      this.on('billable_metrics.id', 'coupon_targets.billable_metric_id').andOnNull('billable_metrics.deleted_at');
    })
    .whereIn('coupon_targets.coupon_id', [...new Set(couponIds)])
    .orderBy([{ column: 'plans.code' }, { column: 'billable_metrics.code' }])
    .select('coupon_targets.coupon_id', 'plans.id as plan_id', 'plans.code as plan_code', 'billable_metrics.id as metric_id', 'billable_metrics.code as metric_code')) as {
    coupon_id: string;
    plan_id: string | null;
    plan_code: string | null;
    metric_id: string | null;
    metric_code: string | null;
  }[];
  for (const row of rows) {
    const targets = byCoupon.get(row.coupon_id)!;
    if (row.plan_id) targets.plans.push({ id: row.plan_id, code: row.plan_code! });
    if (row.metric_id) targets.billableMetrics.push({ id: row.metric_id, code: row.metric_code! });
  }
  return byCoupon;
}

/** Coupons with their targets. */
export async function loadCouponViews(db: Conn, coupons: readonly CouponRow[]): Promise<CouponView[]> {
  const targets = await targetsOfCoupons(db, coupons.map((coupon) => coupon.id));
  return coupons.map((coupon) => ({ coupon, targets: targets.get(coupon.id)! }));
}

export async function replaceCouponTargets(db: Conn, couponId: string, planIds: readonly string[], billableMetricIds: readonly string[]): Promise<void> {
  await db('coupon_targets').where({ coupon_id: couponId }).delete();
  const rows = [
    ...[...new Set(planIds)].map((planId) => ({ coupon_id: couponId, plan_id: planId })),
    ...[...new Set(billableMetricIds)].map((metricId) => ({ coupon_id: couponId, billable_metric_id: metricId })),
  ];
  if (rows.length > 0) await db('coupon_targets').insert(rows);
}

export interface AppliedCouponRow {
  id: string;
  organization_id: string;
  coupon_id: string;
  customer_id: string;
  status: 'active' | 'terminated';
  amount_cents: bigint | null;
  amount_cents_remaining: bigint | null;
  amount_currency: string | null;
  percentage_rate: string | null;
  frequency: CouponFrequency;
  frequency_duration: number | null;
  frequency_duration_remaining: number | null;
  created_at: Date;
  updated_at: Date;
  terminated_at: Date | null;
}

/** An applied coupon with what its output shows of the coupon and the customer, and what invoices drew from it. */
export interface AppliedCouponDetails extends AppliedCouponRow {
  coupon_code: string;
  coupon_name: string;
  coupon_type: CouponType;
  expiration_at: Date | null;
  external_customer_id: string;
  credits: CouponCreditView[];
}

/** What one invoice drew from one applied coupon (`coupon_credits`, migration 014). */
export interface CouponCreditView {
  id: string;
  applied_coupon_id: string;
  invoice_id: string;
  amount_cents: bigint;
  currency: string;
  invoice_payment_status: 'pending' | 'succeeded' | 'failed';
  coupon_id: string;
  coupon_code: string;
  coupon_name: string;
}

function couponCredits(db: Conn, organizationId: string) {
  return db('coupon_credits')
    .join('invoices', 'invoices.id', 'coupon_credits.invoice_id')
    .join('applied_coupons', 'applied_coupons.id', 'coupon_credits.applied_coupon_id')
    .join('coupons', 'coupons.id', 'applied_coupons.coupon_id')
    .where('coupon_credits.organization_id', organizationId)
    // A deleted draft bills nothing (its coupon was never drawn by a finalized invoice).
    .whereNot('invoices.status', 'deleted')
    .orderBy([{ column: 'invoices.created_at' }, { column: 'coupon_credits.id' }])
    .select(
      'coupon_credits.id', 'coupon_credits.applied_coupon_id', 'coupon_credits.invoice_id', 'coupon_credits.amount_cents',
      'invoices.currency', 'invoices.payment_status as invoice_payment_status',
      'coupons.id as coupon_id', 'coupons.code as coupon_code', 'coupons.name as coupon_name',
    );
}

/** What invoices drew from these applied coupons, oldest invoice first. */
export async function creditsOfAppliedCoupons(db: Conn, organizationId: string, appliedCouponIds: readonly string[]): Promise<CouponCreditView[]> {
  if (appliedCouponIds.length === 0) return [];
  return couponCredits(db, organizationId).whereIn('coupon_credits.applied_coupon_id', [...appliedCouponIds]) as Promise<CouponCreditView[]>;
}

/** What these invoices drew from applied coupons (the coupon lines of an invoice's `credits`). */
export async function couponCreditsOfInvoices(db: Conn, organizationId: string, invoiceIds: readonly string[]): Promise<CouponCreditView[]> {
  if (invoiceIds.length === 0) return [];
  return couponCredits(db, organizationId).whereIn('coupon_credits.invoice_id', [...invoiceIds]) as Promise<CouponCreditView[]>;
}

async function withCredits(db: Conn, organizationId: string, rows: Omit<AppliedCouponDetails, 'credits'>[]): Promise<AppliedCouponDetails[]> {
  const credits = await creditsOfAppliedCoupons(db, organizationId, rows.map((row) => row.id));
  return rows.map((row) => ({ ...row, credits: credits.filter((credit) => credit.applied_coupon_id === row.id) }));
}

export type NewAppliedCoupon = Omit<AppliedCouponRow, 'id' | 'organization_id' | 'status' | 'created_at' | 'updated_at' | 'terminated_at'>;

export function appliedCouponsWithDetails(db: Conn, organizationId: string) {
  return db('applied_coupons')
    .join('coupons', 'coupons.id', 'applied_coupons.coupon_id')
    .join('customers', 'customers.id', 'applied_coupons.customer_id')
    .where('applied_coupons.organization_id', organizationId)
    .select(
      'applied_coupons.*',
      'coupons.code as coupon_code',
      'coupons.name as coupon_name',
      'coupons.coupon_type',
      'coupons.expiration_at',
      'customers.external_id as external_customer_id',
    );
}

/** Narrows a list of applied coupons; every filter given must hold. */
export interface AppliedCouponFilters {
  /** The external id of a live customer. */
  externalCustomerId?: string;
  customerId?: string;
  status?: string;
  couponCodes?: string[];
}

/** One page of the organization's applied coupons, newest first. */
export async function listAppliedCouponDetails(db: Conn, organizationId: string, filters: AppliedCouponFilters, page: Page): Promise<Paginated<AppliedCouponDetails>> {
  const query = appliedCouponsWithDetails(db, organizationId).orderBy([
    { column: 'applied_coupons.created_at', order: 'desc' },
    { column: 'applied_coupons.id', order: 'desc' },
  ]);
  if (filters.externalCustomerId !== undefined) query.where({ 'customers.external_id': filters.externalCustomerId }).whereNull('customers.deleted_at');
  if (filters.customerId !== undefined) query.where('applied_coupons.customer_id', filters.customerId);
  if (filters.status !== undefined) query.where({ 'applied_coupons.status': filters.status });
  if (filters.couponCodes !== undefined) query.whereIn('coupons.code', filters.couponCodes);
  const { rows, meta } = await paginate<Omit<AppliedCouponDetails, 'credits'>>(query, page);
  return { rows: await withCredits(db, organizationId, rows), meta };
}

export async function findAppliedCoupon(db: Conn, organizationId: string, id: string): Promise<AppliedCouponDetails | undefined> {
  const row = (await appliedCouponsWithDetails(db, organizationId).where('applied_coupons.id', id).first()) as Omit<AppliedCouponDetails, 'credits'> | undefined;
  return row ? (await withCredits(db, organizationId, [row]))[0] : undefined;
}

export async function insertAppliedCoupon(db: Conn, organizationId: string, fields: NewAppliedCoupon): Promise<AppliedCouponRow> {
  const [row] = await db<AppliedCouponRow>('applied_coupons').insert({ ...fields, organization_id: organizationId } as never).returning('*');
  return row!;
}

/** Whether the coupon was ever applied to the customer (terminated applications count). */
export async function customerHasAppliedCoupon(db: Conn, customerId: string, couponId: string): Promise<boolean> {
  return (await db('applied_coupons').where({ customer_id: customerId, coupon_id: couponId }).first('id')) !== undefined;
}

/** Serializes applications of one coupon to one customer until the transaction ends. */
export async function lockCouponApplication(trx: Tx, customerId: string, couponId: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`applied_coupon:${customerId}:${couponId}`]);
}

function termination(db: Conn, at: Date) {
  return { status: 'terminated', terminated_at: at, updated_at: db.fn.now() };
}

/** Terminates the given applied coupons if still active. */
export async function terminateAppliedCoupons(db: Conn, ids: readonly string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await db('applied_coupons').whereIn('id', ids).where({ status: 'active' }).update(termination(db, at));
}

/** Terminates the coupon's active applications (the coupon is being deleted). */
export async function terminateAppliedCouponsOfCoupon(db: Conn, couponId: string, at: Date): Promise<void> {
  await db('applied_coupons').where({ coupon_id: couponId, status: 'active' }).update(termination(db, at));
}

/** Terminates the customer's active applied coupons (the customer is being deleted). */
export async function terminateAppliedCouponsOfCustomer(db: Conn, customerId: string, at: Date): Promise<void> {
  await db('applied_coupons').where({ customer_id: customerId, status: 'active' }).update(termination(db, at));
}

/**
 * The customer's active applied coupons as the invoicing core takes them (`applyCoupons`),
 * with the plans and metrics their coupon is limited to.
 */
export async function activeAppliedCouponInputs(db: Conn, organizationId: string, customerId: string): Promise<AppliedCouponInput[]> {
  const rows = (await appliedCouponsWithDetails(db, organizationId)
    .where({ 'applied_coupons.customer_id': customerId, 'applied_coupons.status': 'active' })
    .orderBy([{ column: 'applied_coupons.created_at' }, { column: 'applied_coupons.id' }])) as AppliedCouponDetails[];
  const limits = new Map<string, { plans: string[]; metrics: string[] }>();
  if (rows.length > 0) {
    const targets = (await db('coupon_targets').whereIn('coupon_id', [...new Set(rows.map((row) => row.coupon_id))])) as {
      coupon_id: string;
      plan_id: string | null;
      billable_metric_id: string | null;
    }[];
    // A coupon limited to a plan applies to its children too (subscriptions' overrides, migration 027).
    const targetPlans = targets.flatMap((target) => (target.plan_id ? [target.plan_id] : []));
    const children = targetPlans.length === 0 ? [] : (await db('plans').whereIn('parent_id', targetPlans).select('id', 'parent_id')) as { id: string; parent_id: string }[];
    for (const target of targets) {
      const limit = limits.get(target.coupon_id) ?? { plans: [], metrics: [] };
      if (target.plan_id) limit.plans.push(target.plan_id, ...children.filter((child) => child.parent_id === target.plan_id).map((child) => child.id));
      if (target.billable_metric_id) limit.metrics.push(target.billable_metric_id);
      limits.set(target.coupon_id, limit);
    }
  }
  return rows.map((row) => ({
    id: row.id,
    couponType: row.coupon_type,
    amountCents: row.amount_cents,
    amountCentsRemaining: row.amount_cents_remaining,
    percentageRate: row.percentage_rate === null ? null : new Dec(row.percentage_rate),
    frequency: row.frequency,
    frequencyDurationRemaining: row.frequency_duration_remaining,
    limitedPlanIds: limits.get(row.coupon_id)?.plans ?? [],
    limitedBillableMetricIds: limits.get(row.coupon_id)?.metrics ?? [],
    createdAtMs: row.created_at.getTime(),
  }));
}

/**
 * Stores what an invoice consumed of an applied coupon (call inside the invoice's transaction): what
 * is left of the coupon, and the credit the invoice drew (Lago's coupon `credits`) when it drew any.
 */
export async function recordCouponConsumption(db: Conn, consumption: CouponConsumption, at: Date, invoice: { id: string; organization_id: string }): Promise<void> {
  if (consumption.amountCents > 0n) {
    await db('coupon_credits').insert({
      organization_id: invoice.organization_id, invoice_id: invoice.id, applied_coupon_id: consumption.appliedCouponId, amount_cents: consumption.amountCents,
    });
  }
  await db('applied_coupons')
    .where({ id: consumption.appliedCouponId })
    .update({
      amount_cents_remaining: consumption.amountCentsRemaining,
      frequency_duration_remaining: consumption.frequencyDurationRemaining,
      ...(consumption.terminated ? { status: 'terminated', terminated_at: at } : {}),
      updated_at: db.fn.now(),
    });
}
