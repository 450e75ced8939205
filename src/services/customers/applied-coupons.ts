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
  customerHasAppliedCoupon,
  findAppliedCoupon,
  insertAppliedCoupon,
  listAppliedCouponDetails,
  lockCouponApplication,
  terminateAppliedCoupons,
  type AppliedCouponDetails,
  type AppliedCouponFilters,
} from '../../db/coupons';
import type { CouponFrequency } from '../../billing/coupons';
import { invalidField, isUuid, notFound, Problems } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import { getCoupon, isApplicable } from '../catalog';
import { getCustomer } from './customers';

/** Applying a coupon to a customer; the terms sent override the coupon's own. */
export interface ApplyCouponInput {
  external_customer_id: string;
  coupon_code: string;
  frequency?: CouponFrequency | null;
  frequency_duration?: number | null;
  amount_cents?: bigint | null;
  amount_currency?: string | null;
  /** Percent as an exact decimal string. */
  percentage_rate?: string | null;
}

export type { AppliedCouponFilters };

export async function applyCoupon(db: Db, organizationId: string, input: ApplyCouponInput, nowMs: number): Promise<AppliedCouponDetails> {
  return db.transaction(async (trx) => {
    const customer = await getCustomer(trx, organizationId, input.external_customer_id);
    const coupon = await getCoupon(trx, organizationId, input.coupon_code);
    if (!isApplicable(coupon, nowMs)) throw notFound('coupon');
    // One application at a time per customer and coupon, so "not reusable" holds under concurrency.
    await lockCouponApplication(trx, customer.id, coupon.id);
    if (!coupon.reusable && (await customerHasAppliedCoupon(trx, customer.id, coupon.id))) {
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

/** The organization's applied coupons, newest first, optionally for one (live) customer. */
export async function listAppliedCoupons(db: Db, organizationId: string, filters: AppliedCouponFilters, page: Page): Promise<Paginated<AppliedCouponDetails>> {
  return listAppliedCouponDetails(db, organizationId, filters, page);
}

/** The applied coupons of one live customer (404 `customer_not_found` otherwise), newest first. */
export async function listCustomerAppliedCoupons(
  db: Db,
  organizationId: string,
  externalCustomerId: string,
  filters: Pick<AppliedCouponFilters, 'status'>,
  page: Page,
): Promise<Paginated<AppliedCouponDetails>> {
  const customer = await getCustomer(db, organizationId, externalCustomerId);
  return listAppliedCouponDetails(db, organizationId, { status: filters.status, customerId: customer.id }, page);
}

export async function removeAppliedCoupon(db: Db, organizationId: string, externalCustomerId: string, id: string, nowMs: number): Promise<AppliedCouponDetails> {
  return db.transaction(async (trx) => {
    const customer = await getCustomer(trx, organizationId, externalCustomerId);
    const applied = isUuid(id) ? await findAppliedCoupon(trx, organizationId, id) : undefined;
    if (!applied || applied.customer_id !== customer.id) throw notFound('applied_coupon');
    await terminateAppliedCoupons(trx, [applied.id], new Date(nowMs));
    return (await findAppliedCoupon(trx, organizationId, applied.id))!;
  });
}
