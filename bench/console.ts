/**
 * The Billow Console's budgets (issue 13), measured and printed, never asserted by a test:
 *
 * 1. First load: the JavaScript a signed-in person's browser downloads to show the console's
 *    landing page (the customer list), gzipped: budget under 300 KB.
 * 2. A customer with 5,000 invoices: from navigation to the customer page showing its first page of
 *    invoices (paginated, 20 a page) with the total count and a frame painted after them — opened
 *    cold (a full page load) and from the customer list (a click in the loaded app) — then to the
 *    next page after a click: budget under 1 s, on this machine. The machine's load is printed
 *    with the figures: on 2 shared cores, other work inflates them.
 *
 * Runs on the benches' own stack (embedded Postgres, a migrated database, an organization), with
 * the API and the console served in this process by the same app the API process builds, and the
 * system Chromium. The 5,000 invoices are inserted with one SQL statement (a bench fixture, as
 * bench/usage.ts seeds events with COPY): the page reads them through the public API like any others.
 *
 *   npm run bench:console            (BENCH_RUNS=5 by default)
 */
import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { buildApp } from '../src/api/app';
import { consoleRouter } from '../src/console';
import { createDb } from '../src/db/knex';
import { systemClock } from '../src/runtime/clock';
import type { SubscriptionWorkflows } from '../src/workflows/client';
import { startBenchStack } from './support/stack';
import { launchBrowser } from '../test/e2e/support/console';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const INVOICES = 5000;
const ROOT = path.resolve(__dirname, '..');

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  execFileSync('bash', ['-c', 'source scripts/lib.sh && ensure_console'], { cwd: ROOT, stdio: 'inherit' });
  const stack = await startBenchStack();
  const db = createDb(stack.databaseUrl, { max: 10 });
  const unavailable = async () => {
    throw new Error('no Temporal in this bench');
  };
  const workflows = { start: unavailable, view: unavailable, terminate: unavailable, changePlan: unavailable, notifyUsage: async () => {} } as unknown as SubscriptionWorkflows;
  const app = buildApp(
    { db, workflows, clock: systemClock, publicUrl: 'http://127.0.0.1' },
    { console: consoleRouter(db, { sandbox: false, secure: false, temporalUiUrl: null, temporalNamespace: 'default' }) },
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { browser, close } = await launchBrowser();
  try {
    // A customer with 5,000 finalized invoices.
    const created = await fetch(`${base}/api/v1/customers`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${stack.apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ customer: { external_id: 'big', name: 'Big Customer', currency: 'USD', timezone: 'America/New_York' } }),
    });
    if (created.status !== 200) throw new Error(`customer: ${created.status} ${await created.text()}`);
    const client = await stack.client();
    try {
      await client.query(
        `INSERT INTO invoices (organization_id, customer_id, idempotency_key, invoice_type, status, payment_status, sequential_id, number,
           issuing_date, payment_due_date, currency, fees_amount_cents, sub_total_excluding_taxes_amount_cents, sub_total_including_taxes_amount_cents,
           total_amount_cents, created_at)
         SELECT c.organization_id, c.id, 'bench:' || n, 'one_off', 'finalized', 'pending', n, 'BIG-' || lpad(n::text, 5, '0'),
           DATE '2020-01-01' + n, DATE '2020-01-01' + n, 'USD', 1000 + n, 1000 + n, 1000 + n, 1000 + n, TIMESTAMPTZ '2020-01-01' + n * INTERVAL '1 day'
         FROM customers c, generate_series(1, $1::int) n WHERE c.external_id = 'big'`,
        [INVOICES],
      );
    } finally {
      await client.end();
    }

    const page = await browser.newPage();
    await page.setViewport({ width: 1366, height: 900 });
    await page.goto(`${base}/console/`, { waitUntil: 'domcontentloaded' });
    await page.locator('[name=api_key]').fill(stack.apiKey);
    await page.locator('button[type=submit]').click();
    await page.waitForSelector('[data-testid=organization-name]');

    // 1. First load, signed in, of the landing page: every script the browser fetched.
    const firstLoads: number[] = [];
    const files = new Map<string, number>();
    for (let run = 0; run < Math.min(RUNS, 3); run += 1) {
      const fresh = await browser.newPage();
      await fresh.setCacheEnabled(false);
      const scripts: Promise<void>[] = [];
      let gzipped = 0;
      fresh.on('response', (response) => {
        if (response.request().resourceType() !== 'script') return;
        scripts.push(response.buffer().then((body) => {
          const size = zlib.gzipSync(body, { level: 6 }).length;
          gzipped += size;
          files.set(path.basename(new URL(response.url()).pathname), size);
        }));
      });
      await fresh.goto(`${base}/console/customers`, { waitUntil: 'networkidle0' });
      await fresh.waitForSelector('[data-testid=customer-count]');
      await Promise.all(scripts);
      firstLoads.push(gzipped);
      await fresh.close();
    }

    // 2. The customer page with 5,000 invoices: navigation → first page of invoices shown with the count; then page 2.
    const toContent: number[] = [];
    const inApp: number[] = [];
    const toNextPage: number[] = [];
    const shown = () => page.waitForFunction(
      () => document.querySelector('[data-testid=invoice-count]')?.textContent?.startsWith('5000 invoice')
        && document.querySelectorAll('[data-testid=customer-invoices] tbody tr').length === 20,
      { polling: 'raf', timeout: 30_000 },
    );
    const painted = () => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
    for (let run = 0; run < RUNS; run += 1) {
      await page.goto(`${base}/console/invoices`, { waitUntil: 'networkidle0' }); // the app is loaded and cached, as in use
      const t0 = Date.now();
      await page.goto(`${base}/console/customers/big`, { waitUntil: 'domcontentloaded' });
      await shown();
      // Interactive: the main thread answers (a frame is painted after the rows).
      await painted();
      toContent.push(Date.now() - t0);
      const first = await page.$eval('[data-testid=customer-invoices] tbody tr a', (a) => a.textContent);
      const t1 = Date.now();
      await page.locator('button[aria-label="Page 2"]').click();
      await page.waitForFunction((before) => document.querySelector('[data-testid=customer-invoices] tbody tr a')?.textContent !== before, { polling: 'raf', timeout: 30_000 }, first);
      toNextPage.push(Date.now() - t1);

      // As a person usually arrives: from the customer list, in the app already loaded.
      await page.goto(`${base}/console/customers`, { waitUntil: 'networkidle0' });
      const link = await page.waitForSelector('a::-p-text(Big Customer)');
      const t2 = Date.now();
      await link!.click();
      await shown();
      await painted();
      inApp.push(Date.now() - t2);
    }

    // The API's own share: the first page of the 5,000 invoices, as the page asks for it.
    const apiTimes: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const t0 = Date.now();
      const answer = await fetch(`${base}/api/v1/invoices?external_customer_id=big&page=1&per_page=20`, { headers: { Authorization: `Bearer ${stack.apiKey}` } });
      await answer.json();
      apiTimes.push(Date.now() - t0);
    }

    const firstLoad = median(firstLoads);
    const content = median(toContent);
    const next = median(toNextPage);
    const kb = (bytes: number) => (bytes / 1024).toFixed(1);
    const lines = [
      `Billow Console budgets (load average at the end: ${os.loadavg().map((n) => n.toFixed(1)).join(', ')} on ${os.cpus().length} cores)`,
      `  first load JavaScript (gzipped, signed-in landing page): ${kb(firstLoad)} KB over ${files.size} files   budget < 300 KB: ${firstLoad < 300 * 1024 ? 'PASS' : 'FAIL'}`,
      ...[...files.entries()].sort((a, b) => b[1] - a[1]).map(([name, size]) => `      ${kb(size).padStart(7)} KB  ${name}`),
      `  customer page with ${INVOICES} invoices, interactive (median of ${RUNS}):`,
      `      opened cold (a full page load: the app's code, the session, then the page): ${content} ms   budget < 1000 ms: ${content < 1000 ? 'PASS' : 'FAIL'}   (runs: ${toContent.join(', ')} ms)`,
      `      from the customer list (a click in the loaded app): ${median(inApp)} ms   budget < 1000 ms: ${median(inApp) < 1000 ? 'PASS' : 'FAIL'}   (runs: ${inApp.join(', ')} ms)`,
      `  next page of its invoices after a click (median of ${RUNS}): ${next} ms   (runs: ${toNextPage.join(', ')} ms)`,
      `  of which the API: GET /invoices?external_customer_id=…&per_page=20 over ${INVOICES} invoices (median of ${RUNS}): ${median(apiTimes)} ms`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await close();
    server.close();
    await db.destroy();
    await stack.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
