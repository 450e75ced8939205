import { z } from 'zod';
import type { SubscriptionRow } from '../db/subscriptions';
import type { PlanRow } from '../db/plans';
import type { CustomerRow } from '../db/customers';
import { cents, isoMillis, isoSeconds, responseSchemas, wire } from './common';
import { planSchema, serializePlan } from './plan';

export const subscriptionSchema = z.object({
  lago_id: wire.uuid,
  external_id: z.string(),
  lago_customer_id: wire.uuid,
  external_customer_id: z.string(),
  name: z.string().nullable(),
  plan_code: z.string(),
  plan_amount_cents: wire.cents,
  plan_amount_currency: wire.currency,
  status: z.enum(['pending', 'active', 'terminated', 'canceled']),
  billing_time: z.enum(['calendar', 'anniversary']),
  subscription_at: wire.dateTime,
  started_at: wire.dateTime.nullable(),
  trial_ended_at: wire.dateTime.nullable(),
  ending_at: wire.dateTime.nullable(),
  terminated_at: wire.dateTime.nullable(),
  canceled_at: wire.dateTime.nullable(),
  created_at: wire.dateTime,
  previous_plan_code: z.string().nullable(),
  next_plan_code: z.string().nullable(),
  downgrade_plan_date: wire.date.nullable(),
  current_billing_period_started_at: wire.dateTime.nullable(),
  current_billing_period_ending_at: wire.dateTime.nullable(),
  /** Null when never set, as Lago answers outside pay-in-advance plans. */
  on_termination_credit_note: z.enum(['credit', 'refund', 'skip']).nullable(),
  on_termination_invoice: z.enum(['generate', 'skip']),
  /** True: no progressive invoice whatever the thresholds (issue 15). */
  progressive_billing_disabled: z.boolean(),
  consolidate_invoice: z.boolean(),
  purchase_order_number: z.string().nullable(),
  /** Billow cancels no subscription for a failed payment or a timeout. */
  cancellation_reason: z.null(),
  activated_at: wire.dateTime.nullable(),
  plan: planSchema,
}).register(responseSchemas, { id: 'Subscription' });
export type SubscriptionJson = z.output<typeof subscriptionSchema>;

export interface SubscriptionContext {
  plan: PlanRow;
  customer: CustomerRow;
  currentPeriod?: { fromMs: number; toMs: number } | null;
  nextPlanCode?: string | null;
  previousPlanCode?: string | null;
  downgradePlanDate?: string | null;
}

export function serializeSubscription(subscription: SubscriptionRow, context: SubscriptionContext): SubscriptionJson {
  const period = context.currentPeriod;
  return {
    lago_id: subscription.id,
    external_id: subscription.external_id,
    lago_customer_id: subscription.customer_id,
    external_customer_id: context.customer.external_id,
    name: subscription.name,
    plan_code: context.plan.code,
    plan_amount_cents: cents(context.plan.amount_cents),
    plan_amount_currency: context.plan.amount_currency,
    status: subscription.status,
    billing_time: subscription.billing_time,
    subscription_at: isoSeconds(subscription.subscription_at),
    started_at: isoMillis(subscription.started_at),
    trial_ended_at: isoSeconds(subscription.trial_ended_at),
    ending_at: isoSeconds(subscription.ending_at),
    terminated_at: isoSeconds(subscription.terminated_at),
    canceled_at: isoSeconds(subscription.canceled_at),
    created_at: isoSeconds(subscription.created_at),
    previous_plan_code: context.previousPlanCode ?? null,
    next_plan_code: context.nextPlanCode ?? null,
    downgrade_plan_date: context.downgradePlanDate ?? null,
    current_billing_period_started_at: period ? isoSeconds(new Date(period.fromMs)) : null,
    current_billing_period_ending_at: period ? isoSeconds(new Date(period.toMs)) : null,
    on_termination_credit_note: subscription.on_termination_credit_note as SubscriptionJson['on_termination_credit_note'],
    on_termination_invoice: subscription.on_termination_invoice as SubscriptionJson['on_termination_invoice'],
    progressive_billing_disabled: subscription.progressive_billing_disabled ?? false,
    consolidate_invoice: subscription.consolidate_invoice ?? true,
    purchase_order_number: subscription.purchase_order_number ?? null,
    cancellation_reason: null,
    activated_at: isoSeconds(subscription.started_at),
    plan: serializePlan(context.plan),
  };
}
