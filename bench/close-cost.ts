/**
 * `npm run bench:close-cost`: the closePeriod activity's own cost, without Temporal. N
 * subscriptions (two per customer, a weekly plan with a base fee and a standard usage charge, a
 * few events each, a webhook endpoint listening to `invoice.created`) all close one billing date,
 * by the use case the activity calls (`closeBillingDate`), a few at a time. Prints per close: the
 * Node CPU (process.cpuUsage), the Postgres CPU (the postmaster and its backends, from /proc),
 * the statements and transactions the close sent (counted at pg's client), the table scans and
 * rows Postgres reports (pg_stat_user_tables, pg_stat_database), and the wall time.
 *
 * Knobs (environment):
 *   BENCH_CLOSE_COST_N            subscriptions (default 500; two per customer: N/2 invoices)
 *   BENCH_CLOSE_COST_CONCURRENCY  closes at a time (default 8)
 *   BENCH_CLOSE_COST_EVENTS       events per subscription (default 3)
 *   BENCH_CLOSE_COST_TRACE        "1": first print the statements of one customer's two closes
 * Hot spots: `LOG_LEVEL=warn node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/close-cost.ts`
 * (the profile covers setup too; the closes are what dominates it).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { createDb, migrate, type Db } from '../src/db/knex';
import { ensureDatabase } from '../src/db/databases';
import { createOrganization } from '../src/db/organizations';
import { logger } from '../src/runtime/logger';
import { addDays, startOfLocalDay, type LocalDate } from '../src/billing/calendar';
import { closeBillingDate } from '../src/services/invoicing';
import { insertMetric, insertPlan } from '../test/support/usage-fixtures';
import { runBench, withScratchPostgres } from './support/scratch';
import pg from 'pg';

const N = Number(process.env.BENCH_CLOSE_COST_N ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CLOSE_COST_CONCURRENCY ?? 8);
const EVENTS = Number(process.env.BENCH_CLOSE_COST_EVENTS ?? 3);
const WARMUP = Math.min(40, Math.max(2, Math.floor(N / 10)));
const BILLING_DATE: LocalDate = '2026-11-30';
const TIMEZONE = 'UTC';

const log = logger.child({ component: 'bench:close-cost' });
const say = (line: string) => process.stdout.write(`${line}\n`);

/** CPU seconds of a process and its waited-for children (a backend that exited counts in the postmaster's). */
function procCpuSeconds(pid: number, withChildren: boolean): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + (withChildren ? Number(fields[13]) + Number(fields[14]) : 0);
    return ticks / 100;
  } catch {
    return 0;
  }
}

/** The postmaster and every live backend of it. */
function postgresCpuSeconds(postmasterPid: number | undefined): number | null {
  if (!postmasterPid) return null;
  let total = procCpuSeconds(postmasterPid, true);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(fields[1]) === postmasterPid) total += procCpuSeconds(Number(entry), false);
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

async function inPool<T>(items: T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

interface PgCounters { tables: Map<string, { seq: number; seqRows: number }>; seqScans: number; idxScans: number; tupReturned: number; tupFetched: number; tupWritten: number; xacts: number }

async function pgCounters(db: Db): Promise<PgCounters> {
  // Statistics are flushed by backends at the end of a transaction, at most once a second.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await db.raw('SELECT pg_stat_clear_snapshot()');
  const { rows: [tables] } = (await db.raw(
    `SELECT coalesce(sum(seq_scan), 0)::bigint AS seq, coalesce(sum(idx_scan), 0)::bigint AS idx FROM pg_stat_user_tables`,
  )) as { rows: { seq: bigint; idx: bigint }[] };
  const { rows: byTable } = (await db.raw(
    `SELECT relname, coalesce(seq_scan, 0)::bigint AS seq, coalesce(seq_tup_read, 0)::bigint AS seq_rows FROM pg_stat_user_tables`,
  )) as { rows: { relname: string; seq: bigint; seq_rows: bigint }[] };
  const { rows: [database] } = (await db.raw(
    `SELECT tup_returned, tup_fetched, tup_inserted + tup_updated + tup_deleted AS written, xact_commit + xact_rollback AS xacts
       FROM pg_stat_database WHERE datname = current_database()`,
  )) as { rows: { tup_returned: bigint; tup_fetched: bigint; written: bigint; xacts: bigint }[] };
  return {
    tables: new Map(byTable.map((row) => [row.relname, { seq: Number(row.seq), seqRows: Number(row.seq_rows) }])),
    seqScans: Number(tables!.seq), idxScans: Number(tables!.idx),
    tupReturned: Number(database!.tup_returned), tupFetched: Number(database!.tup_fetched), tupWritten: Number(database!.written), xacts: Number(database!.xacts),
  };
}

async function setup(db: Db, n: number, warmup: number): Promise<{ measured: string[]; warm: string[] }> {
  const { organization } = await createOrganization(db, { name: 'Bench Close Cost Org' });
  await db('webhook_endpoints').insert({ organization_id: organization.id, webhook_url: 'http://127.0.0.1:9/hook', signature_algo: 'hmac', event_types: JSON.stringify(['invoice.created']) });
  const metric = await insertMetric(db, organization.id, { code: 'api_calls', aggregation_type: 'count_agg' });
  const plan = await insertPlan(db, organization.id, {
    code: 'weekly', interval: 'weekly', amount_cents: 1000, amount_currency: 'USD', pay_in_advance: false,
    charges: [{ metricId: metric.id, charge_model: 'standard', properties: { amount: '0.01' } }],
  });
  const startedAt = new Date(startOfLocalDay(addDays(BILLING_DATE, -7), TIMEZONE));
  const total = n + warmup;
  const customers = [...Array(Math.ceil(total / 2)).keys()].map((c) => ({
    organization_id: organization.id, external_id: `cus-${c}`, sequential_id: c + 1, name: `cus-${c}`, currency: 'USD', timezone: TIMEZONE,
  }));
  const customerIds: string[] = [];
  for (let i = 0; i < customers.length; i += 1000) {
    customerIds.push(...(await db('customers').insert(customers.slice(i, i + 1000)).returning('id')).map((row: { id: string }) => row.id));
  }
  const subscriptions = [...Array(total).keys()].map((i) => ({
    organization_id: organization.id, customer_id: customerIds[Math.floor(i / 2)]!, plan_id: plan.id, external_id: `sub-${i}`, status: 'active',
    billing_time: 'anniversary', subscription_at: startedAt, started_at: startedAt, workflow_id: `subscription/${organization.id}/sub-${i}`,
  }));
  const ids: string[] = [];
  for (let i = 0; i < subscriptions.length; i += 1000) {
    ids.push(...(await db('subscriptions').insert(subscriptions.slice(i, i + 1000)).returning('id')).map((row: { id: string }) => row.id));
  }
  const events = ids.flatMap((id, i) => Array.from({ length: EVENTS }, (_, e) => ({
    organization_id: organization.id, transaction_id: `tx-${i}-${e}`, external_subscription_id: `sub-${i}`, code: 'api_calls',
    timestamp: new Date(startedAt.getTime() + (e + 1) * 3_600_000 * 24), subscription_id: id, customer_id: customerIds[Math.floor(i / 2)]!,
  })));
  for (let i = 0; i < events.length; i += 2000) await db('events').insert(events.slice(i, i + 2000));
  await db.raw('ANALYZE');
  return { warm: ids.slice(n), measured: ids.slice(0, n) };
}

async function main(): Promise<void> {
  await withScratchPostgres('close-cost', log, async ({ postgres }) => {
    const databaseUrl = await ensureDatabase(postgres.url, `bench_close_cost_${Date.now()}`);
    const db = createDb(databaseUrl, { max: 10 });
    try {
      await migrate(db);
      const { measured, warm } = await setup(db, N, WARMUP);
      let statements = 0;
      let trace: string[] | null = null;
      let transactions = 0;
      let savepoints = 0;
      // Every statement sent, knex's and the plain ones of src/db/pg.ts alike: counted at pg's client.
      const clientProto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
      const sendQuery = clientProto.query;
      clientProto.query = function countedQuery(this: unknown, ...args: unknown[]) {
        const first = args[0];
        const text = typeof first === 'string' ? first : (first as { text?: string } | null)?.text ?? '';
        const sql = text.trimStart().slice(0, 12).toUpperCase();
        if (trace) trace.push(text.replace(/\s+/g, ' ').slice(0, 160));
        if (sql.startsWith('BEGIN')) transactions += 1;
        else if (sql.startsWith('SAVEPOINT')) savepoints += 1;
        else if (!sql.startsWith('COMMIT') && !sql.startsWith('ROLLBACK') && !sql.startsWith('RELEASE')) statements += 1;
        return sendQuery.apply(this, args);
      };
      const close = (subscriptionId: string) => closeBillingDate(db, { subscriptionId, billingDate: BILLING_DATE });
      if (process.env.BENCH_CLOSE_COST_TRACE === '1') {
        // The statements of one customer's two closes, one after the other.
        for (const id of warm.slice(0, 2)) {
          trace = [];
          await close(id);
          say(`-- close of ${id}: ${trace.length} statements\n${trace.join('\n')}`);
        }
        trace = null;
      }
      // Warm-up (JIT, the pool's connections, caches), not counted.
      await inPool(warm, CONCURRENCY, close);
      const pg0 = await pgCounters(db);
      statements = 0; transactions = 0; savepoints = 0;
      const pgCpu0 = postgresCpuSeconds(postgres.pid);
      const cpu0 = process.cpuUsage();
      const wall0 = performance.now();
      let issued = 0;
      await inPool(measured, CONCURRENCY, async (id) => {
        const invoice = await close(id);
        if (invoice?.created) issued += 1;
      });
      const wallMs = performance.now() - wall0;
      const cpu = process.cpuUsage(cpu0);
      const pgCpu1 = postgresCpuSeconds(postgres.pid);
      const counted = { statements, transactions, savepoints };
      const pg1 = await pgCounters(db);
      const invoices = Number((await db('invoices').count({ c: '*' }))[0]!.c);
      const per = (value: number) => (value / N).toFixed(1);
      const nodeMs = (cpu.user + cpu.system) / 1000;
      say(`close-cost: N = ${N} closes (${N / 2} consolidated invoices issued by the first close of each customer; ${issued} created), concurrency ${CONCURRENCY}, ${EVENTS} events each`);
      say(`  wall ${wallMs.toFixed(0)} ms (${(N / (wallMs / 1000)).toFixed(1)} closes/s)`);
      say(`  Node CPU per close: ${(nodeMs / N).toFixed(2)} ms (user ${(cpu.user / 1000 / N).toFixed(2)}, system ${(cpu.system / 1000 / N).toFixed(2)})`);
      say(`  Postgres CPU per close: ${pgCpu0 === null || pgCpu1 === null ? 'not readable' : `${((1000 * (pgCpu1 - pgCpu0)) / N).toFixed(2)} ms`}`);
      say(`  statements per close: ${per(counted.statements)}; transactions (BEGIN) per close: ${per(counted.transactions)}; savepoints per close: ${per(counted.savepoints)}`);
      say(`  Postgres per close: seq scans ${per(pg1.seqScans - pg0.seqScans)}, index scans ${per(pg1.idxScans - pg0.idxScans)}, rows returned ${per(pg1.tupReturned - pg0.tupReturned)}, fetched ${per(pg1.tupFetched - pg0.tupFetched)}, written ${per(pg1.tupWritten - pg0.tupWritten)}, commits ${per(pg1.xacts - pg0.xacts)}`);
      const seqByTable = [...pg1.tables].map(([name, after]) => ({ name, seq: after.seq - (pg0.tables.get(name)?.seq ?? 0), rows: after.seqRows - (pg0.tables.get(name)?.seqRows ?? 0) }))
        .filter((entry) => entry.seq > 0).sort((a, b) => b.seq - a.seq).slice(0, 8);
      say(`  seq scans per close by table (rows read): ${seqByTable.map((entry) => `${entry.name} ${per(entry.seq)} (${per(entry.rows)})`).join(', ')}`);
      // What was billed, independent of ids and clocks: to compare runs before and after a change (it must not move).
      const fingerprint = createHash('sha256');
      const material: string[] = [];
      const hashed = { update: (text: string) => (material.push(text), fingerprint.update(text)) };
      const normalize = (text: string) => text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'ID')
        .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/g, (at) => (at.includes('T00:00:00') || at.includes('T23:59:59') ? at : 'AT'));
      // By customer, not by number: the organization's numbers follow the order the closes finished in.
      const billed = await db('invoices').join('customers', 'customers.id', 'invoices.customer_id').orderBy('customers.external_id')
        .select('customers.external_id', 'total_amount_cents', 'fees_amount_cents', 'taxes_amount_cents', 'invoices.sequential_id', 'issuing_date', 'billing_periods');
      // A customer's two subscriptions were inserted by one statement (one created_at): their parts' order is their random ids'.
      for (const row of billed) (row.billing_periods as { external_subscription_id: string }[]).sort((a, b) => a.external_subscription_id.localeCompare(b.external_subscription_id));
      for (const row of billed) hashed.update(normalize(JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))));
      const fees = await db('fees').join('invoices', 'invoices.id', 'fees.invoice_id').join('customers', 'customers.id', 'invoices.customer_id')
        .join('subscriptions', 'subscriptions.id', 'fees.subscription_id').orderBy(['customers.external_id', 'subscriptions.external_id', 'fees.fee_type'])
        .select('fees.fee_type', 'fees.amount_cents', 'fees.units', 'fees.events_count', 'fees.precise_amount_cents', 'fees.from_datetime', 'fees.to_datetime');
      for (const row of fees) hashed.update(normalize(JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))));
      const payloads = await db('webhook_events').joinRaw('JOIN invoices ON invoices.id::text = webhook_events.object_id').join('customers', 'customers.id', 'invoices.customer_id')
        .orderBy('customers.external_id').select('webhook_events.payload');
      // Numbers and slugs follow the order the closes finished in; the fees of one insert come back in
      // no set order (same type, same created_at): each payload is compared as the multiset of its fields.
      const payloadKey = (payload: unknown) => normalize(JSON.stringify(payload)).replace(/"(number|organization_sequential_id|slug)":("[^"]*"|\d+)/g, '"$1":"N"')
        .split(',').sort().join(',');
      for (const row of payloads) hashed.update(payloadKey(row.payload));
      if (process.env.BENCH_CLOSE_COST_DUMP) fs.writeFileSync(process.env.BENCH_CLOSE_COST_DUMP, material.join('\n'));
      say(`  billed: ${billed.length} invoices, ${fees.length} fees, ${payloads.length} webhook payloads; fingerprint (ids and creation instants left out) ${fingerprint.digest('hex').slice(0, 16)}`);
      say(`  invoices in the database: ${invoices} (expected ${(N + WARMUP) / 2}); load average ${os.loadavg().map((value) => value.toFixed(2)).join(', ')} on ${os.cpus().length} cores`);
    } finally {
      await db.destroy();
    }
  });
}

runBench(main);
