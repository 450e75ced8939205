/**
 * What a customer's wallets will be asked to pay and has not been invoiced yet (Lago's
 * `Wallets::Balance::AllocateOngoingUsageByWalletsService` inputs), read at the instant asked, so a
 * wallet's ongoing balance is as fresh as the last event stored:
 *
 * - the current usage of each active subscription: the charges period containing `atMs`, priced by
 *   the one pricing path (`computeChargesUsage`), each fee with its taxes as the invoice will apply
 *   them; no coupons (Lago's current usage has none: they apply when the invoice is issued).
 *   Pay-in-advance charges are left out: their fees are invoiced when their events arrive.
 * - minus what the period's progressive invoices billed already (issue 15 pt 4, as Lago's
 *   `progressive_billing_fees`): the current usage counts it again, and those invoices drew on
 *   the wallets already (or are drafts, counted below). Negative buckets: a metric billed beyond
 *   its current usage offsets the others in its currency, as credits offset an invoice.
 * - the customer's draft invoices (a grace period), which draw nothing until finalized: each fee
 *   minus its coupons plus its taxes.
 *
 * Amounts come as buckets by currency, fee type and billable metric, for `applies_to`.
 */
import type { Db } from '../../db/knex';
import type { Cents } from '../../billing/money';
import { liveSubscriptionsOfCustomer } from '../../db/subscriptions';
import { contextOf } from '../../db/subscription-context';
import { draftInvoiceFeeBuckets, progressiveBilledFeeBuckets } from '../../db/wallets';
import { chargesScopeAt } from '../../billing/periods';
import { computeInvoiceTotals } from '../../billing/invoice-totals';
import type { FeeBucket } from '../../billing/wallet-credits';
import { computeChargesUsage, type UsageAggregator } from '../usage';
import { chargeTaxes } from './subscription-invoices';

export interface OngoingUsageBucket extends FeeBucket {
  currency: string;
}

export interface OngoingUsageInput {
  organizationId: string;
  customerId: string;
  atMs: number;
  aggregator?: UsageAggregator;
}

/** The customer's not yet invoiced usage at `atMs`, after taxes, by currency, fee type and metric. */
export async function ongoingUsageBuckets(db: Db, input: OngoingUsageInput): Promise<OngoingUsageBucket[]> {
  const subscriptions = (await liveSubscriptionsOfCustomer(db, input.customerId))
    .filter((subscription) => subscription.status === 'active' && subscription.organization_id === input.organizationId);
  const perSubscription = await Promise.all(subscriptions.map(async (subscription) => {
    const ctx = await contextOf(db, subscription);
    const scope = chargesScopeAt(ctx.terms, input.atMs);
    const usage = await computeChargesUsage(db, ctx, { fromMs: scope.fromMs, toMs: scope.toMs }, { aggregator: input.aggregator });
    const lines = usage.charges.filter((line) => !line.charge.pay_in_advance);
    const fees = lines.flatMap((line) => line.buckets.map((bucket, index) => ({
      id: `${line.charge.id}:${index}`,
      amountCents: bucket.fee.amountCents,
      kind: 'charge' as const,
      chargeId: line.charge.id,
      planId: ctx.plan.id,
      billableMetricId: line.metric.id,
      taxRates: chargeTaxes(ctx, line.charge.id).map((tax) => ({ code: tax.code, rate: tax.rate })),
    })));
    const billed = (await progressiveBilledFeeBuckets(db, subscription.id, scope.fromMs)).map((bucket): OngoingUsageBucket => ({ ...bucket, amountCents: -bucket.amountCents }));
    if (fees.length === 0) return billed;
    const totals = computeInvoiceTotals({ currency: usage.currency, fees, coupons: [], prepaidCreditCents: 0n });
    const metricOf = new Map(fees.map((fee) => [fee.id, fee.billableMetricId]));
    return [...totals.fees.map((fee): OngoingUsageBucket => ({
      currency: usage.currency, feeType: 'charge', billableMetricId: metricOf.get(fee.id)!, amountCents: fee.totalAmountCents,
    })), ...billed];
  }));
  const drafts = await draftInvoiceFeeBuckets(db, input.organizationId, input.customerId);
  return [...perSubscription.flat(), ...drafts].filter((bucket) => bucket.amountCents !== 0n);
}

/** Σ of the buckets in one currency. */
export function bucketsTotal(buckets: readonly OngoingUsageBucket[], currency: string): Cents {
  return buckets.filter((bucket) => bucket.currency === currency).reduce((sum, bucket) => sum + bucket.amountCents, 0n);
}
