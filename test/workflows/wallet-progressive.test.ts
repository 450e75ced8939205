/**
 * Live wallets and progressive billing on the real worker (issue 15 pt 4), hand-worked: a standard
 * charge of 1.00 per event (100 cents), base fee 10.00 in arrears, monthly, calendar billing, no
 * taxes, a usage threshold of 100.00; a wallet of 200.00 granted at 1.00 a credit.
 *
 * A wallet's ongoing usage is the current usage minus what the period's progressive invoices billed
 * already (they drew on the wallet when issued): counting it again would take it off twice.
 */
import { moveClockTo } from '../support/temporal';
import { useWorkflowTestbed } from '../support/testbed';
import { createPlan, settle, subscribe } from '../support/scenario';

const TASK_QUEUE = 'wallet-progressive-test';
const bed = useWorkflowTestbed(TASK_QUEUE);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let sequence = 0;
/** A batch of `count` events for the subscription (unique transaction ids). */
async function batch(subscription: string, count: number): Promise<void> {
  const events = Array.from({ length: count }, () => ({ transaction_id: `${subscription}-${++sequence}`, code: 'wp_calls', external_subscription_id: subscription }));
  await bed.api.post('/events/batch', { events }).expect(200);
}

async function invoicesOf(customer: string): Promise<Json[]> {
  const response = await bed.api.get(`/invoices?external_customer_id=${customer}&per_page=100`).expect(200);
  return (response.body.invoices as Json[]).sort((a, b) => a.sequential_id - b.sequential_id);
}

/** The wallet as the API shows it: [balance, ongoing balance, ongoing usage balance] in cents. */
async function balances(customer: string): Promise<[number, number, number]> {
  const wallet = (await bed.api.get(`/customers/${customer}/wallets/main`).expect(200)).body.wallet as Json;
  return [wallet.balance_cents, wallet.ongoing_balance_cents, wallet.ongoing_usage_balance_cents];
}

async function customerWithWallet(customer: string, planCode: string): Promise<Json> {
  await bed.api.post('/customers', { customer: { external_id: customer, currency: 'EUR', timezone: 'UTC' } }).expect(200);
  await subscribe(bed.api, { external_customer_id: customer, plan_code: planCode, external_id: `${customer}-sub`, billing_time: 'calendar' });
  const wallet = await bed.api.post(`/customers/${customer}/wallets`, { wallet: { code: 'main', currency: 'EUR', rate_amount: '1', granted_credits: '200' } }).expect(200);
  return wallet.body.wallet as Json;
}

beforeAll(async () => {
  await bed.api.post('/billable_metrics', { billable_metric: { name: 'Calls', code: 'wp_calls', aggregation_type: 'count_agg' } }).expect(200);
  const metricId = (await bed.api.get('/billable_metrics/wp_calls').expect(200)).body.billable_metric.lago_id as string;
  await createPlan(bed.api, {
    name: 'wp', code: 'wp_plan', interval: 'monthly', amount_cents: 1000, amount_currency: 'EUR', pay_in_advance: false,
    charges: [{ billable_metric_id: metricId, charge_model: 'standard', properties: { amount: '1' } }],
    usage_thresholds: [{ amount_cents: 10000, threshold_display_name: 'Hundred', recurring: false }],
  });
});

it('a progressive invoice paid from the wallet is not counted again in its ongoing balance', async () => {
  await moveClockTo(bed.env, '2033-01-01T06:00:00Z');
  await customerWithWallet('wp-net', 'wp_plan');
  await settle(bed.env);
  expect(await balances('wp-net')).toEqual([20000, 20000, 0]);

  await moveClockTo(bed.env, '2033-01-05T10:00:00Z');
  // 50 + 49 = 99 events: 9900 of usage, below the threshold: 20000 − 9900 = 10100.
  await batch('wp-net-sub', 50);
  await batch('wp-net-sub', 49);
  await settle(bed.env);
  expect(await balances('wp-net')).toEqual([20000, 10100, 9900]);
  // The 150th event: 15000 ≥ 10000, a progressive invoice of 15000, paid from the wallet.
  await batch('wp-net-sub', 51);
  await settle(bed.env);
  const [progressive] = await invoicesOf('wp-net');
  expect(progressive).toMatchObject({ invoice_type: 'progressive_billing', fees_amount_cents: 15000, prepaid_credit_amount_cents: 15000, total_amount_cents: 0 });
  // Balance 20000 − 15000 = 5000. Ongoing usage: 15000 of current usage − 15000 billed = 0, so the
  // ongoing balance is 5000 (counting the usage again would give 5000 − 15000, 0 at the floor).
  expect(await balances('wp-net')).toEqual([5000, 5000, 0]);

  // 30 more events: 18000 − 15000 = 3000 not billed yet; 5000 − 3000 = 2000.
  await moveClockTo(bed.env, '2033-01-06T10:00:00Z');
  await batch('wp-net-sub', 30);
  await settle(bed.env);
  expect(await balances('wp-net')).toEqual([5000, 2000, 3000]);
  expect(await invoicesOf('wp-net')).toHaveLength(1);
});

it('an alert at an ongoing balance of 50.00 fires once though three concurrent batches cross it together, whenever the progressive invoice lands', async () => {
  await moveClockTo(bed.env, '2033-02-01T06:00:00Z');
  const wallet = await customerWithWallet('wp-alert', 'wp_plan');
  await bed.api.post('/customers/wp-alert/wallets/main/alerts', { alert: {
    alert_type: 'wallet_ongoing_balance_amount', code: 'fifty', thresholds: [{ value: 5000 }],
  } }).expect(200);
  await settle(bed.env);

  await moveClockTo(bed.env, '2033-02-05T10:00:00Z');
  // 3 × 50 = 150 events: 15000 of usage. Whether the progressive invoice (of 10000 or 15000, as the
  // batches land) drew on the wallet before an evaluation or not, the ongoing balance is the same:
  // (20000 − billed) − (usage − billed) = 20000 − 15000 = 5000, at the threshold.
  await Promise.all([batch('wp-alert-sub', 50), batch('wp-alert-sub', 50), batch('wp-alert-sub', 50)]);
  await settle(bed.env);
  const triggered = async () => (await bed.database.db('webhook_events').where({ webhook_type: 'alert.triggered' }).orderBy('created_at'))
    .map((row) => row.payload.triggered_alert as Json).filter((alert) => alert.lago_wallet_id === wallet.lago_id);
  let webhooks = await triggered();
  expect(webhooks.map((w) => [w.alert_code, w.current_value, w.crossed_thresholds.map((t: Json) => t.value)])).toEqual([['fifty', 5000, ['5000.0']]]);
  // Every progressive invoice was paid from the wallet: 15000 drawn, 5000 left, none of the usage unbilled.
  const progressive = (await invoicesOf('wp-alert')).filter((invoice) => invoice.invoice_type === 'progressive_billing');
  expect(progressive.reduce((sum, invoice) => sum + (invoice.fees_amount_cents as number), 0)).toBe(15000);
  expect(await balances('wp-alert')).toEqual([5000, 5000, 0]);

  // 30 more events: 2000, still below: nothing more.
  await batch('wp-alert-sub', 30);
  await settle(bed.env);
  webhooks = await triggered();
  expect(webhooks).toHaveLength(1);
  expect((await bed.api.get('/customers/wp-alert/wallets/main/alerts/fifty').expect(200)).body.alert).toMatchObject({ previous_value: 2000 });
});
