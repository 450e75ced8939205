/**
 * `POST /events/estimate_fees`: the fees one event would be billed now by the pay-in-advance charges
 * of its subscription's plan on its metric, priced by the very code that bills a stored event
 * (`billEventInAdvance`: the difference rule over the period's events, the charge's taxes, its own
 * invoice when invoiceable) inside a transaction that is rolled back: the event, its fees and their
 * invoice are never stored, so the fees answered have no `lago_id` and no invoice.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/knex';
import { dryRun } from '../../db/dry-run';
import { insertEventIn } from '../../db/events';
import { feesOfEvent } from '../../db/invoices';
import { liveChargesOfPlans } from '../../db/charges';
import { findBillableMetricByCode } from '../../db/billable-metrics';
import { findSubscriptionByExternalId } from '../../db/subscriptions';
import { loadSubscriptionContext } from '../../db/subscription-context';
import { estimatedFee, serializeFee, type EstimatedFeeJson } from '../../serializers/invoice';
import { invalidField, notFound } from '../../runtime/errors';
import { billEventInAdvance } from './in-advance-charges';

export interface FeeEstimateInput {
  code: string;
  external_subscription_id: string;
  properties?: Record<string, unknown>;
}

export async function estimateEventFees(db: Db, organizationId: string, input: FeeEstimateInput, nowMs: number): Promise<EstimatedFeeJson[]> {
  const subscription = await findSubscriptionByExternalId(db, organizationId, input.external_subscription_id, 'active');
  if (!subscription) throw notFound('subscription');
  const metric = await findBillableMetricByCode(db, organizationId, input.code);
  if (!metric) throw notFound('billable_metric');
  const charges = (await liveChargesOfPlans(db, [subscription.plan_id])).filter((charge) => charge.pay_in_advance && charge.billable_metric_id === metric.id);
  // Lago's answer when no pay-in-advance charge of the plan prices this metric.
  if (charges.length === 0) throw invalidField('code', 'does_not_match_an_instant_charge');
  const ctx = await loadSubscriptionContext(db, subscription.id);
  const transactionId = `estimate:${randomUUID()}`;
  return dryRun(db, async (trx) => {
    await insertEventIn(trx, organizationId, {
      transactionId, externalSubscriptionId: subscription.external_id, code: metric.code, timestampMs: nowMs,
      properties: input.properties ?? {}, preciseTotalAmountCents: null, subscriptionId: subscription.id, customerId: subscription.customer_id,
    }, nowMs);
    await billEventInAdvance(trx, { subscriptionId: subscription.id, transactionId });
    const owner = { customerId: ctx.customer.id, externalCustomerId: ctx.customer.external_id, paymentStatus: 'pending' as const };
    return (await feesOfEvent(trx, organizationId, transactionId)).map((fee) => estimatedFee(serializeFee(fee, owner, subscription.external_id)));
  });
}
