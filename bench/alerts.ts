/**
 * `npm run bench:alerts` (issue 15 pt 5): usage alerts' cost to ingestion and their latency.
 *
 * 1. Ingestion throughput through `POST /api/v1/events/batch` (batches of 100, concurrent
 *    keep-alive connections), three timed phases in the same run on the same stack: plain
 *    subscriptions (no alert), the same number of events on subscriptions that each have alerts
 *    (current usage amount with fixed and recurring thresholds, units of a metric), plain again.
 *    Printed: each rate, and alerted / mean(plain) (target ≥ 0.8).
 * 2. Latency, measured during a fourth phase like the alerted one (not counted in the ratio, since
 *    the probes are extra work): probes on their own subscriptions (an alert at
 *    80.00 on a 1.00-per-call charge) send one batch of 100 calls that crosses it and poll until the
 *    triggered alert (with its `alert.triggered` webhook, same transaction) is recorded. Printed:
 *    p50 and p95 from sending the event to the row being committed (target p95 < 2 s).
 *
 *    One probe starts every BENCH_PROBE_EVERY_MS (they overlap). Also printed: where the probes'
 *    time went, stage by stage, from the API process's record of each evaluation (requested at the
 *    events' commit → evaluation started → usage priced → alerts' transaction committed).
 *
 * Knobs (environment): BENCH_EVENTS per phase (default 100000), BENCH_CONCURRENCY (8),
 * BENCH_SUBSCRIPTIONS per phase (10), BENCH_PROBES (40), BENCH_PROBE_EVERY_MS (400).
 */
import http from 'node:http';
import { percentile, startBenchStack } from './support/stack';
import { insertMetric, insertPlan, insertSubscription } from '../test/support/usage-fixtures';
import { apiCall as request } from './support/http';

const TOTAL = Number(process.env.BENCH_EVENTS ?? 100_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 10);
const PROBES = Number(process.env.BENCH_PROBES ?? 40);
const PROBE_EVERY_MS = Number(process.env.BENCH_PROBE_EVERY_MS ?? 400);
const BATCH = 100;

function batchBody(prefix: string, subscriptionPrefix: string, batch: number, startMs: number) {
  const events = [];
  for (let i = 0; i < BATCH; i++) {
    const n = batch * BATCH + i;
    events.push({
      transaction_id: `${prefix}-${n}`,
      code: n % 2 === 0 ? 'api_calls' : 'data_gb',
      external_subscription_id: `${subscriptionPrefix}-${n % SUBSCRIPTIONS}`,
      timestamp: (startMs + n) / 1000,
      properties: { region: n % 3 === 0 ? 'eu' : 'us', gb: (n % 97) / 10 },
    });
  }
  return { events };
}

async function main() {
  const stack = await startBenchStack({ apiPool: Math.max(10, CONCURRENCY + 2) });
  try {
    const { db, organizationId, apiKey } = stack;
    const calls = await insertMetric(db, organizationId, { code: 'api_calls', aggregation_type: 'count_agg' });
    const data = await insertMetric(db, organizationId, { code: 'data_gb', aggregation_type: 'sum_agg', field_name: 'gb' });
    const probeMetric = await insertMetric(db, organizationId, { code: 'probe_calls', aggregation_type: 'count_agg' });
    const plan = await insertPlan(db, organizationId, {
      code: 'bench',
      charges: [
        { metricId: calls.id, charge_model: 'standard', properties: { amount: '0.001' } },
        { metricId: data.id, charge_model: 'standard', properties: { amount: '0.1' } },
      ],
    });
    const probePlan = await insertPlan(db, organizationId, { code: 'probe', charges: [{ metricId: probeMetric.id, charge_model: 'standard', properties: { amount: '1' } }] });
    const startedAt = new Date(Date.now() - 86_400_000);
    for (const prefix of ['plain', 'alerted']) {
      for (let i = 0; i < SUBSCRIPTIONS; i++) {
        await insertSubscription(db, organizationId, { customerExternalId: `${prefix}-cust-${i}`, externalId: `${prefix}-${i}`, planId: plan.id, startedAt });
      }
    }
    for (let i = 0; i < PROBES; i++) {
      await insertSubscription(db, organizationId, { customerExternalId: `probe-cust-${i}`, externalId: `probe-${i}`, planId: probePlan.id, startedAt });
    }

    const url = new URL(stack.baseUrl);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY + 2 });
    const ok = async (method: string, path: string, body: unknown) => {
      const res = await request(agent, url, apiKey, method, `/api/v1${path}`, body);
      if (res.status !== 200) throw new Error(`${method} ${path} answered ${res.status}: ${res.text.slice(0, 300)}`);
      return res;
    };
    // Alerts on every subscription of the alerted phase, and on every probe subscription.
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      await ok('POST', `/subscriptions/alerted-${i}/alerts`, { alerts: [
        // Cents: 1.00, 5.00, then every 2.00 beyond.
        { alert_type: 'current_usage_amount', code: 'spend', thresholds: [{ code: 'low', value: 100 }, { code: 'high', value: 500 }, { code: 'every', value: 200, recurring: true }] },
        { alert_type: 'billable_metric_current_usage_units', code: 'gb', billable_metric_code: 'data_gb', thresholds: [{ value: 1000 }, { value: 50000 }] },
      ] });
    }
    for (let i = 0; i < PROBES; i++) {
      await ok('POST', `/subscriptions/probe-${i}/alerts`, { alert: { alert_type: 'current_usage_amount', code: 'eighty', thresholds: [{ value: 8000 }] } });
    }

    const startMs = Date.now() - 3_600_000;
    // Warm-up (not timed): JIT, pools, prepared statements, caches.
    for (let b = 0; b < 20; b++) await ok('POST', '/events/batch', batchBody('warm-plain', 'plain', b, startMs));
    for (let b = 0; b < 20; b++) await ok('POST', '/events/batch', batchBody('warm-alerted', 'alerted', b, startMs));

    const batches = Math.ceil(TOTAL / BATCH);
    async function phase(label: string, subscriptionPrefix: string): Promise<number> {
      const bodies = Array.from({ length: batches }, (_, b) => batchBody(label, subscriptionPrefix, b, startMs));
      let next = 0;
      const started = process.hrtime.bigint();
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < batches) await ok('POST', '/events/batch', bodies[next++]!);
      }));
      return (batches * BATCH) / (Number(process.hrtime.bigint() - started) / 1e9);
    }

    // The ratio's phases run alone (plain, alerted, plain: a drift between them averages out); the
    // probes, which are extra work, run during a fourth phase with alerts that the ratio leaves out.
    const plainFirst = await phase('plain-1', 'plain');
    const alerted = await phase('alerted-1', 'alerted');
    const plainSecond = await phase('plain-2', 'plain');
    // The probes run while the latency phase does: one starts every PROBE_EVERY_MS on its own
    // subscription (they overlap), so the phase yields enough samples for a p95.
    const probeIds = new Map<string, number>();
    for (const row of (await db('subscriptions').where({ organization_id: organizationId }).whereLike('external_id', 'probe-%').select('id', 'external_id')) as { id: string; external_id: string }[]) {
      probeIds.set(row.id, Number(row.external_id.slice('probe-'.length)));
    }
    const alertIds = new Map<number, string>();
    for (const row of (await db('alerts').where({ organization_id: organizationId, code: 'eighty' }).select('id', 'subscription_external_id')) as { id: string; subscription_external_id: string }[]) {
      alertIds.set(Number(row.subscription_external_id.slice('probe-'.length)), row.id);
    }
    const latencies: number[] = [];
    // The probes are other clients: their own connections, not queued behind the phase's.
    const probeAgent = new http.Agent({ keepAlive: true });
    const accepted: number[] = [];
    let probing = true;
    // One watcher for every probe in flight (one query every 5 ms, however many probes wait).
    const waiting = new Map<string, () => void>();
    let watching = true;
    const watcher = (async () => {
      while (watching || waiting.size > 0) {
        if (waiting.size > 0) {
          const rows = (await db('triggered_alerts').whereIn('alert_id', [...waiting.keys()]).distinct('alert_id')) as { alert_id: string }[];
          for (const { alert_id: id } of rows) {
            waiting.get(id)?.();
            waiting.delete(id);
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    async function probe(i: number): Promise<void> {
      const events = Array.from({ length: BATCH }, (_, k) => ({ transaction_id: `probe-${i}-${k}`, code: 'probe_calls', external_subscription_id: `probe-${i}`, timestamp: (startMs + k) / 1000 }));
      const t0 = process.hrtime.bigint();
      // 100 calls × 1.00 = 100.00 = 10000 cents ≥ 8000: crosses the alert.
      const res = await request(probeAgent, url, apiKey, 'POST', '/api/v1/events/batch', { events });
      if (res.status !== 200) throw new Error(`probe ${i} answered ${res.status}: ${res.text.slice(0, 300)}`);
      accepted.push(Number(process.hrtime.bigint() - t0) / 1e6);
      await new Promise<void>((resolve, reject) => {
        waiting.set(alertIds.get(i)!, resolve);
        setTimeout(() => reject(new Error(`probe ${i}: no alert.triggered after 30 s`)), 30_000).unref();
      });
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const probes = (async () => {
      const running: Promise<void>[] = [];
      for (let i = 0; i < PROBES && probing; i++) {
        running.push(probe(i));
        await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS));
      }
      await Promise.all(running);
      watching = false;
      await watcher;
    })();
    await stack.ask('loop-reset');
    const underProbes = await phase('alerted-2', 'alerted');
    const { loopDelayMs } = (await stack.ask('alert-stages')) as { loopDelayMs: { p50: number; p95: number; max: number } };
    probing = false;
    await probes;
    agent.destroy();
    probeAgent.destroy();

    const [{ count: triggered }] = (await db('triggered_alerts').where({ organization_id: organizationId }).count({ count: '*' })) as [{ count: bigint }];
    const [{ count: webhooks }] = (await db('webhook_events').where({ organization_id: organizationId, webhook_type: 'alert.triggered' }).count({ count: '*' })) as [{ count: bigint }];
    const plain = (plainFirst + plainSecond) / 2;
    const ratio = alerted / plain;
    console.log('bench:alerts');
    console.log(`  ingestion, ${batches * BATCH} events per phase in batches of ${BATCH}, ${CONCURRENCY} connections, ${SUBSCRIPTIONS} subscriptions:`);
    console.log(`    plain (before)  ${Math.round(plainFirst)} events/s`);
    console.log(`    with alerts     ${Math.round(alerted)} events/s  (2 alerts, 5 thresholds on every subscription)`);
    console.log(`    plain (after)   ${Math.round(plainSecond)} events/s`);
    console.log(`    ratio with alerts / plain: ${ratio.toFixed(2)}  (target ≥ 0.8: ${ratio >= 0.8 ? 'met' : 'MISSED'})`);
    console.log(`  event → alert.triggered recorded, during a fourth phase with alerts (${Math.round(underProbes)} events/s beside the probes): ${latencies.length} probes, p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms  (target p95 < 2000 ms: ${percentile(latencies, 95) < 2000 ? 'met' : 'MISSED'})`);
    // Where the probes' time went, from the API process's own record of each evaluation.
    const { alertStages } = (await stack.ask('alert-stages')) as { alertStages: { subscriptionId: string; requestedMs: number; startedMs: number; measuredMs: number; committedMs: number; triggered: number }[] };
    const probeStages = alertStages.filter((stage) => probeIds.has(stage.subscriptionId) && stage.triggered > 0);
    const line = (label: string, values: number[]) =>
      `    ${label.padEnd(44)} p50 ${percentile(values, 50).toFixed(0).padStart(5)} ms  p95 ${percentile(values, 95).toFixed(0).padStart(5)} ms  max ${Math.max(...values).toFixed(0).padStart(5)} ms`;
    console.log(`  stages of the probes (${probeStages.length} evaluations that triggered):`);
    console.log(line('POST sent → answered (events committed)', accepted));
    console.log(line('evaluation requested → started (queue)', probeStages.map((s) => s.startedMs - s.requestedMs)));
    console.log(line('started → usage priced', probeStages.map((s) => s.measuredMs - s.startedMs)));
    console.log(line('usage priced → alerts committed (webhook)', probeStages.map((s) => s.committedMs - s.measuredMs)));
    console.log(line('requested → committed', probeStages.map((s) => s.committedMs - s.requestedMs)));
    const all = alertStages.filter((stage) => !probeIds.has(stage.subscriptionId));
    console.log(`    the API's event loop delay during the latency phase: p50 ${loopDelayMs.p50.toFixed(0)} ms, p95 ${loopDelayMs.p95.toFixed(0)} ms, max ${loopDelayMs.max.toFixed(0)} ms`);
    console.log(`  all evaluations of the alerted subscriptions: ${all.length}, requested → committed p50 ${percentile(all.map((s) => s.committedMs - s.requestedMs), 50).toFixed(0)} ms, p95 ${percentile(all.map((s) => s.committedMs - s.requestedMs), 95).toFixed(0)} ms`);
    console.log(`  triggered alerts recorded: ${triggered} (alert.triggered webhooks: ${webhooks})`);
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
