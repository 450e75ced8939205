/**
 * Applying coupons to customers, listing and removing them (reference §1.9).
 * - the coupon must exist, be active and not expired (else 404 `coupon_not_found`), the customer
 *   must exist (404 `customer_not_found`);
 * - a coupon that is not reusable is applied at most once per customer, ever
 *   (422 `coupon: coupon_is_not_reusable`);
 * - the terms are the coupon's, overridden by what the request sends (frequency,
 *   frequency_duration, amount_cents and amount_currency for fixed amounts, percentage_rate for
 *   percentages; an override of the other type's field is ignored, as Lago does);
 * - a fixed amount in another currency than the customer's is refused
 *   (422 `amount_currency: currencies_does_not_match`): the invoice could not take it;
 * - what is left starts full: amount_cents_remaining = amount_cents for a fixed `once` coupon,
 *   frequency_duration_remaining = frequency_duration for a recurring one (null otherwise).
 * Removing an applied coupon terminates it (answering it again if already terminated).
 */
import type { Db } from '../../db/knex';
import {
  appliedCouponsWithDetails,
  findAppliedCoupon,
  insertAppliedCoupon,
  terminateAppliedCoupons,
  type AppliedCouponDetails,
} from '../../db/coupons';
import { findCustomerByExternalId } from '../../db/customers';
import { invalidField, notFound } from '../../runtime/errors';
import type { ApplyCouponInput } from '../../api/schemas/applied-coupons';
import { getCoupon, isApplicable } from '../catalog/coupons';
import { isUuid, Problems } from '../../runtime/errors';

export async function applyCoupon(db: Db, organizationId: string, input: ApplyCouponInput, nowMs: number): Promise<AppliedCouponDetails> {
  return db.transaction(async (trx) => {
    const customer = await findCustomerByExternalId(trx, organizationId, input.external_customer_id);
    if (!customer) throw notFound('customer');
    const coupon = await getCoupon(trx, organizationId, input.coupon_code);
    if (!isApplicable(coupon, nowMs)) throw notFound('coupon');
    // One application at a time per customer and coupon, so "not reusable" holds under concurrency.
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`applied_coupon:${customer.id}:${coupon.id}`]);
    if (!coupon.reusable && (await trx('applied_coupons').where({ customer_id: customer.id, coupon_id: coupon.id }).first('id'))) {
      throw invalidField('coupon', 'coupon_is_not_reusable');
    }

    const problems = new Problems();
    const frequency = input.frequency ?? coupon.frequency;
    const frequencyDuration = frequency === 'recurring' ? (input.frequency_duration ?? coupon.frequency_duration) : null;
    if (frequency === 'recurring' && frequencyDuration === null) problems.add('frequency_duration', 'value_is_mandatory');
    const fixed = coupon.coupon_type === 'fixed_amount';
    const amountCents = fixed ? (input.amount_cents ?? coupon.amount_cents) : null;
    const amountCurrency = fixed ? (input.amount_currency ?? coupon.amount_currency) : null;
    if (fixed && customer.currency && amountCurrency !== customer.currency) problems.add('amount_currency', 'currencies_does_not_match');
    problems.throwIfAny();

    const applied = await insertAppliedCoupon(trx, organizationId, {
      coupon_id: coupon.id,
      customer_id: customer.id,
      amount_cents: amountCents,
      amount_cents_remaining: fixed && frequency === 'once' ? amountCents : null,
      amount_currency: amountCurrency,
      percentage_rate: fixed ? null : (input.percentage_rate ?? coupon.percentage_rate),
      frequency,
      frequency_duration: frequencyDuration,
      frequency_duration_remaining: frequencyDuration,
    });
    return (await findAppliedCoupon(trx, organizationId, applied.id))!;
  });
}

export interface AppliedCouponFilters {
  externalCustomerId?: string;
  status?: string;
  couponCodes?: string[];
}

/** The organization's applied coupons, newest first, optionally for one (live) customer. */
export function appliedCouponsQuery(db: Db, organizationId: string, filters: AppliedCouponFilters) {
  const query = appliedCouponsWithDetails(db, organizationId).orderBy([
    { column: 'applied_coupons.created_at', order: 'desc' },
    { column: 'applied_coupons.id', order: 'desc' },
  ]);
  if (filters.externalCustomerId !== undefined) query.where({ 'customers.external_id': filters.externalCustomerId }).whereNull('customers.deleted_at');
  if (filters.status !== undefined) query.where({ 'applied_coupons.status': filters.status });
  if (filters.couponCodes !== undefined) query.whereIn('coupons.code', filters.couponCodes);
  return query;
}

export async function removeAppliedCoupon(db: Db, organizationId: string, externalCustomerId: string, id: string, nowMs: number): Promise<AppliedCouponDetails> {
  return db.transaction(async (trx) => {
    const customer = await findCustomerByExternalId(trx, organizationId, externalCustomerId);
    if (!customer) throw notFound('customer');
    const applied = isUuid(id) ? await findAppliedCoupon(trx, organizationId, id) : undefined;
    if (!applied || applied.customer_id !== customer.id) throw notFound('applied_coupon');
    await terminateAppliedCoupons(trx, [applied.id], new Date(nowMs));
    return (await findAppliedCoupon(trx, organizationId, applied.id))!;
  });
}
