/**
 * One subscription's life (DESIGN.md §4): activate at its start, sleep until each billing
 * boundary, close the period, continue as new. Orchestration only: dates come from the billing
 * core, money and I/O from activities.
 */
import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { BillingActivities } from '../activities';
import { localDateOf, startOfLocalDay } from '../billing/calendar';
import { nextBillingDate } from '../billing/periods';
import { stateQuery, type SubscriptionWorkflowState } from './messages';

const { startSubscription, closePeriod } = proxyActivities<BillingActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function subscriptionWorkflow(state: SubscriptionWorkflowState): Promise<void> {
  const timezone = state.terms.schedule.timezone;
  const upcomingBillingDate = () => nextBillingDate(state.terms, state.billedThrough ?? localDateOf(state.terms.startedAt, timezone));

  setHandler(stateQuery, () => {
    const billingDate = upcomingBillingDate();
    return {
      subscriptionId: state.subscriptionId,
      status: state.started ? 'active' : 'pending',
      billedThrough: state.billedThrough,
      nextBillingDate: billingDate,
      nextBillingAt: new Date(startOfLocalDay(billingDate, timezone)).toISOString(),
    };
  });

  if (!state.started) {
    await sleepUntil(state.terms.startedAt);
    await startSubscription({ subscriptionId: state.subscriptionId });
    state.started = true;
  }

  const billingDate = upcomingBillingDate();
  await sleepUntil(startOfLocalDay(billingDate, timezone));
  await closePeriod({ subscriptionId: state.subscriptionId, billingDate });
  state.billedThrough = billingDate;

  await condition(allHandlersFinished);
  await continueAsNew<typeof subscriptionWorkflow>(state);
}

async function sleepUntil(instantMs: number): Promise<void> {
  const remaining = instantMs - Date.now();
  if (remaining > 0) await condition(() => false, remaining);
}
