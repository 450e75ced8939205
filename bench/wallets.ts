/**
 * `LOG_LEVEL=warn npx tsx bench/wallets.ts`: what reading live wallets costs. A wallet's ongoing
 * balance is computed when it is read, from its customer's current usage (one usage computation
 * per customer, through the API's incremental usage cache), so a list pays one per customer shown.
 *
 * Loads BENCH_WALLET_CUSTOMERS customers (default 50), each with one subscription (three metrics:
 * count, sum, unique count), BENCH_WALLET_EVENTS events in its current period (default 10000,
 * loaded by COPY) and two wallets; then prints p50/p95 of `GET /wallets?per_page=100` (every wallet,
 * every customer's usage), of one customer's wallet (`GET /customers/:id/wallets/:code`), and of that
 * read right after a batch of 100 new events of the customer (the balance it shows includes them).
 */
import http from 'node:http';
import { copyFrom } from './support/copy';
import { percentile, startBenchStack } from './support/stack';
import { insertPlan, insertSubscription, insertTax } from '../test/support/usage-fixtures';
import { currentMonthStart, insertUsageMetrics } from './support/usage-metrics';
import { apiCall as call } from './support/http';

const CUSTOMERS = Number(process.env.BENCH_WALLET_CUSTOMERS ?? 50);
const EVENTS = Number(process.env.BENCH_WALLET_EVENTS ?? 10_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 30);

async function main() {
  const stack = await startBenchStack();
  try {
    const { db, organizationId } = stack;
    const now = new Date();
    const periodStart = currentMonthStart(now);
    const { calls, storage, mtu } = await insertUsageMetrics(db, organizationId);
    const plan = await insertPlan(db, organizationId, {
      code: 'usage', amount_cents: 12000, amount_currency: 'EUR',
      charges: [
        { metricId: calls.id, code: 'calls', charge_model: 'standard', properties: { amount: '0.001' } },
        { metricId: storage.id, code: 'storage', charge_model: 'standard', properties: { amount: '0.05' } },
        { metricId: mtu.id, code: 'mtu', charge_model: 'standard', properties: { amount: '0.01' } },
      ],
    });
    const subscriptions: { id: string; customerId: string }[] = [];
    for (let c = 0; c < CUSTOMERS; c++) {
      subscriptions.push(await insertSubscription(db, organizationId, { customerExternalId: `c${c}`, externalId: `c${c}-sub`, planId: plan.id, startedAt: new Date(periodStart), currency: 'EUR' }));
    }
    await insertTax(db, organizationId, 'vat_20', '20', subscriptions[0]!.customerId);

    const client = await stack.client();
    const span = Math.max(1, now.getTime() - periodStart - 60_000);
    const codes = ['calls', 'storage', 'mtu'];
    function* lines() {
      let chunk = '';
      for (const [c, subscription] of subscriptions.entries()) {
        for (let n = 0; n < EVENTS; n++) {
          const code = codes[n % 3]!;
          const ts = new Date(periodStart + Math.floor((n / EVENTS) * span)).toISOString();
          const properties = code === 'storage' ? `{"gb": ${(n % 50) / 10}}` : code === 'mtu' ? `{"user_id": "user-${n % 500}"}` : '{}';
          chunk += `${organizationId}\tload-${c}-${n}\tc${c}-sub\t${code}\t${ts}\t${properties}\t${subscription.id}\t${subscription.customerId}\n`;
          if (chunk.length > 64 * 1024) {
            yield chunk;
            chunk = '';
          }
        }
      }
      if (chunk) yield chunk;
    }
    await copyFrom(client, 'events', ['organization_id', 'transaction_id', 'external_subscription_id', 'code', 'timestamp', 'properties', 'subscription_id', 'customer_id'], lines());
    await client.query('VACUUM (ANALYZE) events');
    await client.end();

    const base = new URL(stack.baseUrl);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let c = 0; c < CUSTOMERS; c++) {
      for (const [code, priority, credits] of [['a', 1, '100'], ['b', 2, '1000']] as const) {
        const res = await call(agent, base, stack.apiKey, 'POST', `/api/v1/customers/c${c}/wallets`, { wallet: { code, priority, currency: 'EUR', rate_amount: '1', granted_credits: credits } });
        if (res.status !== 200) throw new Error(`wallet answered ${res.status}: ${res.text.slice(0, 300)}`);
      }
    }

    const listPath = '/api/v1/wallets?per_page=100';
    const firstList = await call(agent, base, stack.apiKey, 'GET', listPath);
    if (firstList.status !== 200) throw new Error(`list answered ${firstList.status}: ${firstList.text.slice(0, 300)}`);
    const listed = JSON.parse(firstList.text).wallets as unknown[];
    const list: number[] = [];
    for (let i = 0; i < REQUESTS; i++) list.push((await call(agent, base, stack.apiKey, 'GET', listPath)).ms);

    const onePath = '/api/v1/customers/c1/wallets/a';
    const one: number[] = [];
    for (let i = 0; i < REQUESTS * 3; i++) one.push((await call(agent, base, stack.apiKey, 'GET', onePath)).ms);

    const afterBatch: number[] = [];
    let shown = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const events = Array.from({ length: 100 }, (_, j) => ({ transaction_id: `live-${i}-${j}`, code: 'calls', external_subscription_id: 'c1-sub', properties: {} }));
      const posted = await call(agent, base, stack.apiKey, 'POST', '/api/v1/events/batch', { events });
      if (posted.status !== 200) throw new Error(`batch answered ${posted.status}: ${posted.text.slice(0, 300)}`);
      const read = await call(agent, base, stack.apiKey, 'GET', onePath);
      afterBatch.push(read.ms);
      shown = JSON.parse(read.text).wallet.ongoing_usage_balance_cents as number;
    }
    agent.destroy();

    const fmt = (values: number[]) => `p50 ${percentile(values, 50).toFixed(1)} ms, p95 ${percentile(values, 95).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms`;
    console.log('bench:wallets');
    console.log(`  ${CUSTOMERS} customers × ${EVENTS} events (count, sum, unique count), 2 wallets each`);
    console.log(`  GET /wallets?per_page=100 (${listed.length} wallets, ${CUSTOMERS} usage computations): first ${firstList.ms.toFixed(1)} ms; ${REQUESTS} requests: ${fmt(list)}`);
    console.log(`  GET /customers/:id/wallets/:code: ${REQUESTS * 3} requests: ${fmt(one)}`);
    console.log(`  the same right after a batch of 100 events of the customer: ${fmt(afterBatch)} (last ongoing usage shown: ${shown} cents)`);
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
