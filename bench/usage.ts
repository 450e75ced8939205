/**
 * `npm run bench:usage`: latency of `GET /customers/:id/current_usage` over HTTP with 1,000,000
 * events in one subscription's current period, spread over a count, a sum and a unique-count
 * metric (loaded with one COPY, then VACUUM ANALYZE as autovacuum would). Prints the first
 * (cold) request, then p50/p95 of a bounded series of requests, then the same while a batch of
 * 100 new events arrives before each request. Target: p95 < 50 ms.
 *
 * Knobs (environment): BENCH_USAGE_EVENTS (default 1000000), BENCH_REQUESTS (100).
 */
import http from 'node:http';
import { copyFrom } from './support/copy';
import { percentile, startBenchStack } from './support/stack';
import { insertPlan, insertSubscription, insertTax } from '../test/support/usage-fixtures';
import { currentMonthStart, insertUsageMetrics } from './support/usage-metrics';
import { apiCall as call } from './support/http';

const EVENTS = Number(process.env.BENCH_USAGE_EVENTS ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100);
const USERS = 50_000;

async function main() {
  const stack = await startBenchStack();
  try {
    const { db, organizationId } = stack;
    const now = new Date();
    const periodStart = currentMonthStart(now);
    const { calls, storage, mtu } = await insertUsageMetrics(db, organizationId);
    const tiers = [
      { from_value: 0, to_value: 10000, per_unit_amount: '0', flat_amount: '0' },
      { from_value: 10001, to_value: 25000, per_unit_amount: '0.012', flat_amount: '0' },
      { from_value: 25001, to_value: null, per_unit_amount: '0.01', flat_amount: '0' },
    ];
    const plan = await insertPlan(db, organizationId, {
      code: 'usage', amount_cents: 12000,
      charges: [
        { metricId: calls.id, code: 'calls', charge_model: 'standard', properties: { amount: '0.001' } },
        { metricId: storage.id, code: 'storage', charge_model: 'package', properties: { amount: '5', package_size: 100, free_units: 0 } },
        { metricId: mtu.id, code: 'mtu', charge_model: 'graduated', properties: { graduated_ranges: tiers } },
      ],
    });
    const subscription = await insertSubscription(db, organizationId, { customerExternalId: 'bench', externalId: 'bench-sub', planId: plan.id, startedAt: new Date(periodStart) });
    await insertTax(db, organizationId, 'vat_20', '20', subscription.customerId);

    const client = await stack.client();
    const span = Math.max(1, now.getTime() - periodStart - 60_000);
    const codes = ['calls', 'storage', 'mtu'];
    function* lines() {
      let chunk = '';
      for (let n = 0; n < EVENTS; n++) {
        const code = codes[n % 3]!;
        const ts = new Date(periodStart + Math.floor((n / EVENTS) * span)).toISOString();
        const properties = code === 'storage' ? `{"gb": ${(n % 50) / 10}}` : code === 'mtu' ? `{"user_id": "user-${n % USERS}"}` : `{"region": "eu"}`;
        chunk += `${organizationId}\tload-${n}\tbench-sub\t${code}\t${ts}\t${properties}\t${subscription.id}\t${subscription.customerId}\n`;
        if (chunk.length > 64 * 1024) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    }
    const loadStarted = process.hrtime.bigint();
    await copyFrom(client, 'events', ['organization_id', 'transaction_id', 'external_subscription_id', 'code', 'timestamp', 'properties', 'subscription_id', 'customer_id'], lines());
    const loadSeconds = Number(process.hrtime.bigint() - loadStarted) / 1e9;
    await client.query('VACUUM (ANALYZE) events');
    await client.end();

    const base = new URL(stack.baseUrl);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const path = '/api/v1/customers/bench/current_usage?external_subscription_id=bench-sub';
    const first = await call(agent, base, stack.apiKey, 'GET', path);
    if (first.status !== 200) throw new Error(`current_usage answered ${first.status}: ${first.text.slice(0, 300)}`);
    const usage = JSON.parse(first.text).customer_usage as { amount_cents: number; charges_usage: { units: string; events_count: number }[] };

    const quiet: number[] = [];
    for (let i = 0; i < REQUESTS; i++) quiet.push((await call(agent, base, stack.apiKey, 'GET', path)).ms);

    const busy: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const events = Array.from({ length: 100 }, (_, j) => ({
        transaction_id: `live-${i}-${j}`, code: codes[j % 3], external_subscription_id: 'bench-sub',
        properties: j % 3 === 1 ? { gb: 1 } : j % 3 === 2 ? { user_id: `new-user-${i}-${j}` } : { region: 'us' },
      }));
      const posted = await call(agent, base, stack.apiKey, 'POST', '/api/v1/events/batch', { events });
      if (posted.status !== 200) throw new Error(`batch answered ${posted.status}: ${posted.text.slice(0, 300)}`);
      busy.push((await call(agent, base, stack.apiKey, 'GET', path)).ms);
    }
    const last = JSON.parse((await call(agent, base, stack.apiKey, 'GET', path)).text).customer_usage as typeof usage;
    agent.destroy();

    const fmt = (values: number[]) => `p50 ${percentile(values, 50).toFixed(1)} ms, p95 ${percentile(values, 95).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms`;
    console.log('bench:usage');
    console.log(`  loaded ${EVENTS} events (count, sum, unique count over ${USERS} users) by COPY in ${loadSeconds.toFixed(1)} s`);
    console.log(`  usage: ${usage.charges_usage.map((c) => `${c.units} units/${c.events_count} events`).join(', ')}; amount ${usage.amount_cents} cents`);
    console.log(`  first request (cold): ${first.ms.toFixed(1)} ms`);
    console.log(`  ${REQUESTS} requests, no new events: ${fmt(quiet)}`);
    console.log(`  ${REQUESTS} requests, 100 new events before each: ${fmt(busy)}  (after: ${last.charges_usage.map((c) => c.events_count).join('/')} events)`);
    const p95 = Math.max(percentile(quiet, 95), percentile(busy, 95));
    console.log(`  target p95 < 50 ms: ${p95 < 50 ? 'met' : 'MISSED'}`);
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
