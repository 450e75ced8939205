/** The subscription as the API shows it: its plan, customer, current period and plan changes. */
import type { Conn } from '../../db/knex';
import { planChangeCodes, type SubscriptionRow } from '../../db/subscriptions';
import { contextOf } from '../../db/subscription-context';
import { localDateOf } from '../../billing/calendar';
import { nextBillingDate, periodContaining } from '../../billing/periods';
import { serializeSubscription } from '../../serializers/subscription';

export async function presentSubscription(db: Conn, subscription: SubscriptionRow, nowMs: number) {
  const [ctx, codes] = await Promise.all([contextOf(db, subscription), planChangeCodes(db, subscription)]);
  const active = subscription.status === 'active';
  const today = localDateOf(Math.max(nowMs, ctx.terms.startedAt), ctx.timezone);
  const downgrading = active && codes.pendingPlanCode !== null;
  return serializeSubscription(subscription, {
    plan: ctx.plan,
    customer: ctx.customer,
    currentPeriod: active ? periodContaining(ctx.terms.schedule, today) : null,
    previousPlanCode: codes.previousPlanCode,
    nextPlanCode: downgrading ? codes.pendingPlanCode : null,
    downgradePlanDate: downgrading ? nextBillingDate(ctx.terms, today) : null,
  });
}
