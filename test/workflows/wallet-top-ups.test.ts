/**
 * Interval top-ups on the real worker and the time-skipping server: a wallet's monthly rule asks
 * for its workflow through the outbox; the workflow sleeps to each anniversary of the wallet's
 * creation (its creation day skipped, as Lago) and tops up once per date; a terminated rule ends it.
 * Dates worked out by hand in the comments.
 */
import { relayWorkflowRequests } from '../../src/webhooks/relay';
import { runIntervalTopUp, walletTopUpWorkflowId } from '../../src/services/credits';
import { moveClockTo } from '../support/temporal';
import { useWorkflowTestbed } from '../support/testbed';

const TASK_QUEUE = 'wallet-top-ups-test';
const bed = useWorkflowTestbed(TASK_QUEUE);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function intervalTopUps(walletId: string): Promise<Json[]> {
  return bed.database.db('wallet_transactions').where({ wallet_id: walletId, source: 'interval' }).orderBy('created_at');
}

/** Waits (real time) until the wallet has `count` interval top-ups. */
async function waitForTopUps(walletId: string, count: number): Promise<Json[]> {
  for (let i = 0; i < 100; i++) {
    const rows = await intervalTopUps(walletId);
    if (rows.length >= count) return rows;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return intervalTopUps(walletId);
}

it('tops up on each monthly anniversary of the wallet, once per date, until the rule ends', async () => {
  const { api, env, database } = bed;
  const now = await env.currentTimeMs();
  expect(new Date(now).toISOString() < '2026-12-31T12:00:00Z').toBe(true); // the dates below assume the clock starts in December 2026
  expect((await api.post('/customers', { customer: { external_id: 'wendy', currency: 'EUR', timezone: 'UTC' } })).status).toBe(200);
  const created = await api.post('/customers/wendy/wallets', { wallet: {
    code: 'monthly', currency: 'EUR', rate_amount: '1',
    recurring_transaction_rules: [{ trigger: 'interval', interval: 'monthly', granted_credits: '5', transaction_name: 'Monthly grant' }],
  } });
  expect(created.status).toBe(200);
  const wallet = created.body.wallet as Json;
  const ruleId = wallet.recurring_transaction_rules[0].lago_id as string;
  expect(wallet.recurring_transaction_rules[0]).toMatchObject({ trigger: 'interval', interval: 'monthly', method: 'fixed', granted_credits: '5.0', threshold_credits: null });

  // The outbox hands the rule's workflow to Temporal.
  await relayWorkflowRequests({ db: database.db, client: env.client, taskQueue: TASK_QUEUE });
  const handle = env.client.workflow.getHandle(walletTopUpWorkflowId(ruleId));
  expect((await handle.describe()).status.name).toBe('RUNNING');
  expect(await intervalTopUps(wallet.lago_id)).toHaveLength(0);

  // Created on a day of December 2026 (UTC), whose own day does not top up: next on its day of
  // January 2027 at the earliest, so nothing yet on December 31.
  await moveClockTo(env, '2026-12-31T23:00:00Z');
  expect(await intervalTopUps(wallet.lago_id)).toHaveLength(0);
  const day = new Date(now).getUTCDate();
  const january = `2027-01-${String(day).padStart(2, '0')}`;
  await moveClockTo(env, `${january}T00:30:00Z`);
  let rows = await waitForTopUps(wallet.lago_id, 1);
  // 5 granted credits at 1.00: 500 cents, settled at once.
  expect(rows).toEqual([expect.objectContaining({ transaction_status: 'granted', status: 'settled', amount_cents: 500n, name: 'Monthly grant' })]);
  expect((await api.get(`/wallets/${wallet.lago_id}`)).body.wallet).toMatchObject({ balance_cents: 500 });

  // A retried activity for the same date tops up nothing more.
  expect(await runIntervalTopUp(database.db, { organizationId: api.organization.id, ruleId, date: january, nowMs: Date.parse(`${january}T00:31:00Z`) })).toBe(false);
  expect(await intervalTopUps(wallet.lago_id)).toHaveLength(1);

  // February's anniversary (the day clamped to February's 28 days): a second grant, 500 + 500 = 1000.
  const february = `2027-02-${String(Math.min(day, 28)).padStart(2, '0')}`;
  await moveClockTo(env, `${february}T00:30:00Z`);
  rows = await waitForTopUps(wallet.lago_id, 2);
  expect(rows).toHaveLength(2);
  expect((await api.get(`/wallets/${wallet.lago_id}`)).body.wallet).toMatchObject({ balance_cents: 1000 });

  // The rule is removed: at its next date the workflow finds it terminated, tops up nothing and ends.
  const removed = await api.put('/customers/wendy/wallets/monthly', { wallet: { recurring_transaction_rules: [] } });
  expect(removed.body.wallet.recurring_transaction_rules).toEqual([]);
  await moveClockTo(env, `2027-03-${String(Math.min(day, 31)).padStart(2, '0')}T00:30:00Z`);
  for (let i = 0; i < 50 && (await handle.describe()).status.name === 'RUNNING'; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  expect(await intervalTopUps(wallet.lago_id)).toHaveLength(2);
});
