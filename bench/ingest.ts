/**
 * `npm run bench:ingest`: events per second through `POST /api/v1/events/batch` (batches of 100,
 * concurrent keep-alive connections on loopback), then the raw `COPY … FROM STDIN` rate of the
 * same number of rows into the same table, on the same machine, in the same run, and the ratio.
 * Targets: ≥ 30,000 events/s, and ≥ half the COPY rate. Prints what it measures, whatever it is.
 *
 * Knobs (environment): BENCH_EVENTS (default 200000), BENCH_CONCURRENCY (8), BENCH_MAX_SECONDS (60).
 */
import http from 'node:http';
import { copyFrom } from './support/copy';
import { percentile, startBenchStack } from './support/stack';
import { insertMetric, insertPlan, insertSubscription } from '../test/support/usage-fixtures';
import { apiCall } from './support/http';

const TOTAL = Number(process.env.BENCH_EVENTS ?? 200_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 60);
const BATCH = 100;
const SUBSCRIPTIONS = 10;

const post = (agent: http.Agent, url: URL, apiKey: string, body: Buffer) => apiCall(agent, url, apiKey, 'POST', '/api/v1/events/batch', body);

function batchBody(prefix: string, batch: number, startMs: number): Buffer {
  const events = [];
  for (let i = 0; i < BATCH; i++) {
    const n = batch * BATCH + i;
    events.push({
      transaction_id: `${prefix}-${n}`,
      code: n % 2 === 0 ? 'api_calls' : 'data_gb',
      external_subscription_id: `sub-${n % SUBSCRIPTIONS}`,
      timestamp: (startMs + n) / 1000,
      properties: { region: n % 3 === 0 ? 'eu' : 'us', gb: (n % 97) / 10 },
    });
  }
  return Buffer.from(JSON.stringify({ events }));
}

async function main() {
  const stack = await startBenchStack({ apiPool: Math.max(10, CONCURRENCY + 2) });
  try {
    const { db, organizationId } = stack;
    const calls = await insertMetric(db, organizationId, { code: 'api_calls', aggregation_type: 'count_agg' });
    const data = await insertMetric(db, organizationId, { code: 'data_gb', aggregation_type: 'sum_agg', field_name: 'gb' });
    const plan = await insertPlan(db, organizationId, {
      code: 'bench',
      charges: [
        { metricId: calls.id, charge_model: 'standard', properties: { amount: '0.001' } },
        { metricId: data.id, charge_model: 'standard', properties: { amount: '0.1' } },
      ],
    });
    const subscriptions = [];
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      subscriptions.push(await insertSubscription(db, organizationId, { customerExternalId: `cust-${i}`, externalId: `sub-${i}`, planId: plan.id, startedAt: new Date(Date.now() - 86_400_000) }));
    }

    const url = new URL(stack.baseUrl);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const startMs = Date.now() - 3_600_000;
    // Warm-up (not timed): JIT, connection pools, prepared statements, caches.
    for (let b = 0; b < 20; b++) {
      const res = await post(agent, url, stack.apiKey, batchBody('warm', b, startMs));
      if (res.status !== 200) throw new Error(`warm-up batch answered ${res.status}: ${res.text.slice(0, 300)}`);
    }

    const batches = Math.ceil(TOTAL / BATCH);
    const bodies = Array.from({ length: batches }, (_, b) => batchBody('ev', b, startMs));
    const latencies: number[] = [];
    let next = 0;
    let sent = 0;
    const started = process.hrtime.bigint();
    const deadline = Date.now() + MAX_SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < batches && Date.now() < deadline) {
          const body = bodies[next++]!;
          const t0 = process.hrtime.bigint();
          const res = await post(agent, url, stack.apiKey, body);
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          if (res.status !== 200) throw new Error(`batch answered ${res.status}: ${res.text.slice(0, 300)}`);
          sent += BATCH;
        }
      }),
    );
    const apiSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    agent.destroy();
    const [{ count }] = (await db('events').where({ organization_id: organizationId }).where('transaction_id', 'like', 'ev-%').count({ count: '*' })) as [{ count: bigint }];
    if (Number(count) !== sent) throw new Error(`expected ${sent} stored events, found ${count}`);
    const apiRate = sent / apiSeconds;

    // The same number of rows, raw: one COPY FROM STDIN into the same table.
    const client = await stack.client();
    const subscriptionIds = subscriptions.map((s) => s.id);
    const customerIds = subscriptions.map((s) => s.customerId);
    function* lines() {
      let chunk = '';
      for (let n = 0; n < sent; n++) {
        const s = n % SUBSCRIPTIONS;
        const ts = new Date(startMs + n).toISOString();
        chunk += `${organizationId}\tcopy-${n}\tsub-${s}\t${n % 2 === 0 ? 'api_calls' : 'data_gb'}\t${ts}\t{"gb": ${(n % 97) / 10}, "region": "${n % 3 === 0 ? 'eu' : 'us'}"}\t${subscriptionIds[s]}\t${customerIds[s]}\n`;
        if (chunk.length > 64 * 1024) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    }
    const copyStarted = process.hrtime.bigint();
    await copyFrom(client, 'events', ['organization_id', 'transaction_id', 'external_subscription_id', 'code', 'timestamp', 'properties', 'subscription_id', 'customer_id'], lines());
    const copySeconds = Number(process.hrtime.bigint() - copyStarted) / 1e9;
    await client.end();
    const copyRate = sent / copySeconds;

    console.log('bench:ingest');
    console.log(`  API: ${sent} events in ${sent / BATCH} batches of ${BATCH}, ${CONCURRENCY} connections, ${apiSeconds.toFixed(2)} s → ${Math.round(apiRate)} events/s`);
    console.log(`       batch latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms`);
    console.log(`  COPY FROM STDIN (one statement, same table, same rows count): ${copySeconds.toFixed(2)} s → ${Math.round(copyRate)} rows/s`);
    console.log(`  ratio API / COPY: ${(apiRate / copyRate).toFixed(2)}  (targets: ≥ 30000 events/s: ${apiRate >= 30_000 ? 'met' : 'MISSED'}; ≥ 0.5 of COPY: ${apiRate / copyRate >= 0.5 ? 'met' : 'MISSED'})`);
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
