/**
 * A customer's current usage (reference/lago-api.md §1.6): the charges period of its active
 * subscription that contains "now", priced by `computeChargesUsage` (the one pricing path), with
 * the customer's taxes applied per fee by the invoice-totals core, as an invoice would.
 */
import type { Db } from '../../db/knex';
import { findCustomerByExternalId } from '../../db/customers';
import { findActiveSubscriptionOfCustomer } from '../../db/subscriptions';
import { contextOf } from '../../db/subscription-context';
import { notFound } from '../../runtime/errors';
import { addDays, localDateOf, type LocalDate } from '../../billing/calendar';
import { chargesScopeAt } from '../../billing/periods';
import { computeInvoiceTotals } from '../../billing/invoice-totals';
import { computeChargesUsage, type ChargesUsage, type UsageAggregator } from '../usage';
import { chargeTaxes } from './subscription-invoices';

export interface CurrentUsageInput {
  organizationId: string;
  externalCustomerId: string;
  externalSubscriptionId: string | undefined;
  /** "Now": the injected clock (the sandbox clock in sandbox mode). */
  atMs: number;
  applyTaxes: boolean;
  aggregator?: UsageAggregator;
}

export interface CurrentUsage {
  usage: ChargesUsage;
  fromMs: number;
  toMs: number;
  /** The day the period's invoice will be issued: the day after it ends. */
  issuingDate: LocalDate;
  amountCents: bigint;
  taxesAmountCents: bigint;
  totalAmountCents: bigint;
}

/** 404 `customer_not_found` when the customer or its active subscription is missing (as Lago). */
export async function currentUsage(db: Db, input: CurrentUsageInput): Promise<CurrentUsage> {
  const customer = await findCustomerByExternalId(db, input.organizationId, input.externalCustomerId);
  if (!customer || input.externalSubscriptionId === undefined) throw notFound('customer');
  const subscription = await findActiveSubscriptionOfCustomer(db, input.organizationId, customer.id, input.externalSubscriptionId);
  if (!subscription) throw notFound('customer');
  const ctx = await contextOf(db, subscription);
  const scope = chargesScopeAt(ctx.terms, input.atMs);
  const usage = await computeChargesUsage(db, ctx, { fromMs: scope.fromMs, toMs: scope.toMs }, { aggregator: input.aggregator });
  // The taxes the invoice will apply to each charge (charge, then plan, then customer).
  const taxRatesOf = (chargeId: string) => (input.applyTaxes ? chargeTaxes(ctx, chargeId).map((tax) => ({ code: tax.code, rate: tax.rate })) : []);
  const totals = computeInvoiceTotals({
    currency: usage.currency,
    fees: usage.charges.flatMap((line) =>
      line.buckets.map((bucket, index) => ({
        id: `${line.charge.id}:${index}`,
        amountCents: bucket.fee.amountCents,
        kind: 'charge' as const,
        chargeId: line.charge.id,
        planId: ctx.plan.id,
        billableMetricId: line.metric.id,
        taxRates: taxRatesOf(line.charge.id),
      })),
    ),
    coupons: [],
    prepaidCreditCents: 0n,
  });
  return {
    usage,
    fromMs: scope.fromMs,
    toMs: scope.toMs,
    issuingDate: addDays(localDateOf(scope.toMs, ctx.timezone), 1),
    amountCents: totals.feesAmountCents,
    taxesAmountCents: totals.taxesAmountCents,
    totalAmountCents: totals.feesAmountCents + totals.taxesAmountCents,
  };
}
