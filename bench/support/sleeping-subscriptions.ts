/**
 * Subscriptions asleep until their period ends, made the way a bench needs many of them fast:
 * rows written directly, two subscriptions per customer (which share their invoice of the day), and
 * each one's workflow started through Billow's client, as the API's relay starts it.
 */
import type { Db } from '../../src/db/knex';
import { subscriptionTerms } from '../../src/billing/subscription-terms';
import type { SubscriptionWorkflows } from '../../src/workflows/client';
import { insertMetric, insertPlan, insertSubscription } from '../../test/support/usage-fixtures';
import { inBatches } from './processes';

const PLAN_CODE = 'weekly';
const PLAN_ROW = { interval: 'weekly' as const, pay_in_advance: false, bill_charges_monthly: false, trial_period: '0' };

/** A weekly plan of $10 in arrears with one metered charge (a cent per API call). */
export async function insertWeeklyPlan(db: Db, organizationId: string): Promise<{ id: string }> {
  const metric = await insertMetric(db, organizationId, { code: 'api_calls', aggregation_type: 'count_agg' });
  return insertPlan(db, organizationId, {
    code: PLAN_CODE, interval: 'weekly', amount_cents: 1000, amount_currency: 'USD', pay_in_advance: false,
    charges: [{ metricId: metric.id, charge_model: 'standard', properties: { amount: '0.01' } }],
  });
}

export interface SleepingSubscriptions {
  organizationId: string;
  planId: string;
  /** Subscriptions `sub-<from>` to `sub-<from + count - 1>`, of customers `cus-<i / 2>`. */
  from: number;
  count: number;
  /** Anniversary periods of a week from this instant, in the customers' `timezone`. */
  startedAt: Date;
  timezone: string;
}

/** Writes the subscriptions (and their customers not written yet) and starts their workflows, 50 at once. */
export async function createSleepingSubscriptions(db: Db, workflows: SubscriptionWorkflows, batch: SleepingSubscriptions): Promise<void> {
  const { organizationId, from, count, startedAt, timezone } = batch;
  // Customers first, so that concurrent inserts never race on one customer; an odd `from`'s customer exists.
  const customers = [];
  for (let c = Math.ceil(from / 2); c < Math.ceil((from + count) / 2); c++) {
    customers.push({ organization_id: organizationId, external_id: `cus-${c}`, sequential_id: c + 1, name: `cus-${c}`, currency: 'USD', timezone });
  }
  for (let i = 0; i < customers.length; i += 1000) await db('customers').insert(customers.slice(i, i + 1000));
  const terms = subscriptionTerms({ billing_time: 'anniversary', subscription_at: startedAt, started_at: startedAt, ending_at: null }, PLAN_ROW, timezone);
  await inBatches([...Array(count).keys()].map((k) => from + k), 50, async (i) => {
    const externalId = `sub-${i}`;
    const customerExternalId = `cus-${Math.floor(i / 2)}`;
    const row = await insertSubscription(db, organizationId, { customerExternalId, externalId, planId: batch.planId, startedAt, billingTime: 'anniversary', timezone });
    await workflows.start({
      state: { organizationId, subscriptionId: row.id, planCode: PLAN_CODE, terms, billedThrough: null, started: false },
      externalId, customerExternalId, planCode: PLAN_CODE, status: 'active',
    });
  });
}
