/**
 * Coupons: created, changed and (softly) deleted by code (reference §1.9).
 * - fixed_amount needs amount_cents and amount_currency; percentage needs percentage_rate; the
 *   other type's fields are stored as null;
 * - recurring needs frequency_duration (≥ 1); once and forever drop it;
 * - time_limit needs an expiration_at in the future; no_expiration drops it;
 * - applies_to limits the coupon to plans or to billable metrics, never both
 *   (`base: only_one_limitation_type_per_coupon_allowed`); unknown codes are 404s.
 * An applied coupon keeps the terms it was applied with, so changing a coupon only affects later
 * applications (its limits apply to every invoice). Deleting a coupon terminates its applied coupons.
 */
import type { Conn, Db } from '../../db/knex';
import {
  findCouponByCode,
  insertCoupon,
  listLiveCoupons,
  loadCouponViews,
  replaceCouponTargets,
  softDeleteCoupon,
  terminateAppliedCouponsOfCoupon,
  updateCoupon,
  type CouponFields,
  type CouponRow,
  type CouponView,
} from '../../db/coupons';
import { findPlansByCodes } from '../../db/plans';
import { findBillableMetricsByCodes } from '../../db/billable-metrics';
import type { CouponFrequency, CouponType } from '../../billing/coupons';
import { invalidField, notFound, Problems } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import { uniqueCode } from './unique-code';

export interface CreateCouponInput {
  name: string;
  code: string;
  description?: string | null;
  coupon_type: CouponType;
  amount_cents?: bigint | null;
  amount_currency?: string | null;
  /** Percent as an exact decimal string. */
  percentage_rate?: string | null;
  frequency: CouponFrequency;
  frequency_duration?: number | null;
  reusable?: boolean | null;
  expiration?: CouponRow['expiration'] | null;
  /** An ISO 8601 date-time. */
  expiration_at?: string | null;
  /** Plan codes or billable metric codes the coupon is limited to (never both). */
  applies_to?: { plan_codes?: string[] | null; billable_metric_codes?: string[] | null } | null;
}

export type UpdateCouponInput = Partial<CreateCouponInput>;

async function view(db: Conn, coupon: CouponRow): Promise<CouponView> {
  return (await loadCouponViews(db, [coupon]))[0]!;
}

export async function getCoupon(db: Conn, organizationId: string, code: string): Promise<CouponRow> {
  const coupon = await findCouponByCode(db, organizationId, code);
  if (!coupon) throw notFound('coupon');
  return coupon;
}

/** Validates the merged terms; `nowMs` judges expiration_at when it is being set. */
function couponFields(input: UpdateCouponInput, current: CouponRow | undefined, nowMs: number): CouponFields {
  const problems = new Problems();
  const pick = <K extends keyof CreateCouponInput & keyof CouponRow>(key: K) => (input[key] !== undefined ? input[key] : current?.[key]);

  const couponType = pick('coupon_type') as CouponRow['coupon_type'];
  let amountCents = (pick('amount_cents') ?? null) as bigint | null;
  let amountCurrency = (pick('amount_currency') ?? null) as string | null;
  let percentageRate = (pick('percentage_rate') ?? null) as string | null;
  if (couponType === 'fixed_amount') {
    if (amountCents === null) problems.add('amount_cents', 'value_is_mandatory');
    if (amountCurrency === null) problems.add('amount_currency', 'value_is_mandatory');
    percentageRate = null;
  } else {
    if (percentageRate === null) problems.add('percentage_rate', 'value_is_mandatory');
    amountCents = null;
    amountCurrency = null;
  }

  const frequency = pick('frequency') as CouponRow['frequency'];
  let frequencyDuration = (pick('frequency_duration') ?? null) as number | null;
  if (frequency !== 'recurring') frequencyDuration = null;
  else if (frequencyDuration === null) problems.add('frequency_duration', 'value_is_mandatory');

  const expiration = (pick('expiration') ?? 'no_expiration') as CouponRow['expiration'];
  let expirationAt: Date | null = input.expiration_at !== undefined ? (input.expiration_at === null ? null : new Date(input.expiration_at)) : (current?.expiration_at ?? null);
  if (expiration === 'no_expiration') expirationAt = null;
  else if (expirationAt === null) problems.add('expiration_at', 'value_is_mandatory');
  else if (input.expiration_at !== undefined && expirationAt.getTime() <= nowMs) problems.add('expiration_at', 'invalid_date');

  problems.throwIfAny();
  return {
    code: pick('code') as string,
    name: pick('name') as string,
    description: (pick('description') ?? null) as string | null,
    coupon_type: couponType,
    amount_cents: amountCents,
    amount_currency: amountCurrency,
    percentage_rate: percentageRate,
    frequency,
    frequency_duration: frequencyDuration,
    reusable: (pick('reusable') ?? true) as boolean,
    expiration,
    expiration_at: expirationAt,
    limited_plans: current?.limited_plans ?? false,
    limited_billable_metrics: current?.limited_billable_metrics ?? false,
  };
}

/** Resolves applies_to into plan and metric ids; undefined keeps the current limits. */
async function resolveTargets(db: Conn, organizationId: string, appliesTo: CreateCouponInput['applies_to']): Promise<{ planIds: string[]; metricIds: string[] }> {
  const planCodes = [...new Set(appliesTo?.plan_codes ?? [])];
  const metricCodes = [...new Set(appliesTo?.billable_metric_codes ?? [])];
  if (planCodes.length > 0 && metricCodes.length > 0) throw invalidField('base', 'only_one_limitation_type_per_coupon_allowed');
  const plans = await findPlansByCodes(db, organizationId, planCodes);
  if (plans.length !== planCodes.length) throw notFound('plan');
  const metrics = await findBillableMetricsByCodes(db, organizationId, metricCodes);
  if (metrics.length !== metricCodes.length) throw notFound('billable_metric');
  return { planIds: plans.map((plan) => plan.id), metricIds: metrics.map((metric) => metric.id) };
}

export async function createCoupon(db: Db, organizationId: string, input: CreateCouponInput, nowMs: number): Promise<CouponView> {
  const fields = couponFields(input, undefined, nowMs);
  return uniqueCode(() =>
    db.transaction(async (trx) => {
      const { planIds, metricIds } = await resolveTargets(trx, organizationId, input.applies_to);
      const coupon = await insertCoupon(trx, organizationId, { ...fields, limited_plans: planIds.length > 0, limited_billable_metrics: metricIds.length > 0 });
      await replaceCouponTargets(trx, coupon.id, planIds, metricIds);
      return view(trx, coupon);
    }),
  );
}

export async function getCouponView(db: Db, organizationId: string, code: string): Promise<CouponView> {
  return view(db, await getCoupon(db, organizationId, code));
}

export async function listCoupons(db: Db, organizationId: string, page: Page): Promise<Paginated<CouponView>> {
  const { rows, meta } = await listLiveCoupons(db, organizationId, page);
  return { rows: await loadCouponViews(db, rows), meta };
}

export async function updateCouponByCode(db: Db, organizationId: string, code: string, input: UpdateCouponInput, nowMs: number): Promise<CouponView> {
  return uniqueCode(() =>
    db.transaction(async (trx) => {
      const current = await getCoupon(trx, organizationId, code);
      const fields = couponFields(input, current, nowMs);
      if (input.applies_to !== undefined) {
        const { planIds, metricIds } = await resolveTargets(trx, organizationId, input.applies_to);
        await replaceCouponTargets(trx, current.id, planIds, metricIds);
        fields.limited_plans = planIds.length > 0;
        fields.limited_billable_metrics = metricIds.length > 0;
      }
      return view(trx, await updateCoupon(trx, current.id, fields));
    }),
  );
}

export async function deleteCouponByCode(db: Db, organizationId: string, code: string, nowMs: number): Promise<CouponView> {
  return db.transaction(async (trx) => {
    const coupon = await getCoupon(trx, organizationId, code);
    const { targets } = await view(trx, coupon);
    await terminateAppliedCouponsOfCoupon(trx, coupon.id, new Date(nowMs));
    return { coupon: await softDeleteCoupon(trx, coupon.id, new Date(nowMs)), targets };
  });
}

/** A coupon can be applied while active and not past its expiration. */
export function isApplicable(coupon: CouponRow, nowMs: number): boolean {
  if (coupon.status !== 'active' || coupon.deleted_at) return false;
  return !(coupon.expiration === 'time_limit' && coupon.expiration_at && coupon.expiration_at.getTime() <= nowMs);
}
