/**
 * A customer's current usage (reference/lago-api.md §1.6): the charges period of its active
 * subscription that contains "now", priced by `computeChargesUsage` (the one pricing path), with
 * the customer's taxes applied per fee by the invoice-totals core, as an invoice would.
 */
import { chargeTaxes, loadBillingContext } from './subscription-invoices';
import type { Db } from '../../db/knex';
import { findCustomerByExternalId } from '../../db/customers';
import { findOrganization } from '../../db/organizations';
import { findPlanById } from '../../db/plans';
import { notFound } from '../../runtime/errors';
import { addDays, localDateOf, type LocalDate } from '../../billing/calendar';
import { chargesScopeAt } from '../../billing/periods';
import { computeInvoiceTotals } from '../../billing/invoice-totals';
import { computeChargesUsage, type ChargesUsage, type UsageAggregator } from '../usage/charge-usage';
import { applicableTimezone, subscriptionTerms } from '../../billing/subscription-terms';
import type { SubscriptionRow } from '../../db/subscriptions';

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
  const subscription = (await db('subscriptions')
    .where({ organization_id: input.organizationId, customer_id: customer.id, external_id: input.externalSubscriptionId, status: 'active' })
    .first()) as SubscriptionRow | undefined;
  if (!subscription) throw notFound('customer');
  const [plan, organization] = await Promise.all([findPlanById(db, input.organizationId, subscription.plan_id), findOrganization(db, input.organizationId)]);
  if (!plan || !organization) throw notFound('customer');
  const timezone = applicableTimezone(customer, organization);
  const scope = chargesScopeAt(subscriptionTerms(subscription, plan, timezone), input.atMs);

  const [usage, billing] = await Promise.all([
    computeChargesUsage(db, { subscriptionId: subscription.id, fromMs: scope.fromMs, toMs: scope.toMs }, { aggregator: input.aggregator }),
    input.applyTaxes ? loadBillingContext(db, subscription.id) : Promise.resolve(null),
  ]);
  // The taxes the invoice will apply to each charge (charge, then plan, then customer).
  const taxRatesOf = (chargeId: string) => (billing ? chargeTaxes(billing, chargeId).map((tax) => ({ code: tax.code, rate: tax.rate })) : []);
  const totals = computeInvoiceTotals({
    currency: usage.currency,
    fees: usage.charges.flatMap((line) =>
      line.buckets.map((bucket, index) => ({
        id: `${line.charge.id}:${index}`,
        amountCents: bucket.fee.amountCents,
        kind: 'charge' as const,
        chargeId: line.charge.id,
        planId: plan.id,
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
    issuingDate: addDays(localDateOf(scope.toMs, timezone), 1),
    amountCents: totals.feesAmountCents,
    taxesAmountCents: totals.taxesAmountCents,
    totalAmountCents: totals.feesAmountCents + totals.taxesAmountCents,
  };
}
