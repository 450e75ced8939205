/**
 * The Billow Console in a real browser (the system Chromium through puppeteer-core) against the
 * product started as `npm start -- --sandbox`: signing in, then both walkthroughs of
 * /work/shared/scenarios reproduced through the console alone — metrics, tax, plans with their
 * charges, customers, subscriptions, the sandbox clock — with the events sent through the API as a
 * product would; then current usage, invoices, the PDF, the seat history, and the events debugger
 * showing a refused event with its reason. Every page visited is checked with axe-core.
 *
 * Both walkthroughs run side by side in one sandbox. The clock is moved to 19 January of the next
 * year (the scenarios' 2027-01-19 when run in 2026), so the scenarios' day counts hold as written:
 * 19 Jan – 18 Feb is 31 days whatever the year, and no amount below depends on February's length.
 */
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { apiClient, ConsoleDriver, launchBrowser, startSandboxProduct, type RunningProduct } from './support/console';
import { pdfText } from '../support/pdf-text';

let product: RunningProduct;
let closeBrowser: () => Promise<void>;
let page: Page;
let ui: ConsoleDriver;
let api: ReturnType<typeof apiClient>;
let year: number;
const started = Date.now();
const a11y: Record<string, string[]> = {};

/** The day `month-day` of the walkthrough's year, at 00:00 UTC. */
const day = (monthDay: string) => `${year}-${monthDay}`;

/**
 * One step of the walkthrough: the steps build on each other, so after a failure the later ones
 * are failed at once (instead of each waiting out its timeouts), with a screenshot of the failure.
 */
let failedStep: string | null = null;
function step(name: string, run: () => Promise<void>, timeout = 180_000): void {
  it(name, async () => {
    if (failedStep) throw new Error(`not run: the earlier step "${failedStep}" failed`);
    try {
      await run();
    } catch (error) {
      failedStep = name;
      const shot = path.join(os.tmpdir(), `billow-console-failure-${Date.now()}.png`);
      await page?.screenshot({ path: shot as `${string}.png`, fullPage: true }).catch(() => undefined);
      throw new Error(`${(error as Error).message}\n(screenshot: ${shot})`);
    }
  }, timeout);
}

async function checkAccessibility(name: string): Promise<void> {
  const violations = await ui.accessibilityViolations();
  a11y[name] = violations.map((violation) => `${violation.impact} ${violation.id}: ${violation.help} (${violation.nodes.slice(0, 3).join(', ')})`);
}

beforeAll(async () => {
  product = await startSandboxProduct();
  const launched = await launchBrowser();
  closeBrowser = launched.close;
  page = await launched.browser.newPage();
  await page.setViewport({ width: 1366, height: 900 });
  await page.emulateTimezone('UTC');
  ui = new ConsoleDriver(page, product.baseUrl);
  api = apiClient(product.baseUrl, product.apiKey);
  const clock = await api('GET', '/sandbox/clock');
  const now = new Date(clock.body.clock.now);
  // The next 19 January at least two days ahead of the sandbox's "now".
  year = now.getUTCFullYear() + (Date.UTC(now.getUTCFullYear(), 0, 17) > now.getTime() ? 0 : 1);
}, 300_000);

afterAll(async () => {
  await closeBrowser?.();
  await product?.stop();
  // How long the browser tests take, for the report.
  process.stdout.write(`console browser tests: ${Math.round((Date.now() - started) / 1000)} s\n`);
});

describe('the Billow Console', () => {
  step('serves the console at /console, / redirects there, and a wrong key is refused with a clear message', async () => {
    const root = await fetch(`${product.baseUrl}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    await page.goto(`${product.baseUrl}/`, { waitUntil: 'domcontentloaded' });
    await ui.waitForText('Billow Console');
    expect(page.url()).toBe(`${product.baseUrl}/console/`);
    await checkAccessibility('sign-in');

    const before = Date.now();
    await ui.type('api_key', 'blw_this_is_not_a_key');
    await ui.click('Sign in');
    await ui.waitForText('This API key does not open any organization');
    expect(Date.now() - before).toBeGreaterThanOrEqual(900); // the refusal waits 1 s
  });

  step('signs in with the key: an HttpOnly SameSite=Strict session cookie, nothing in browser storage', async () => {
    await ui.type('api_key', product.apiKey);
    await ui.click('Sign in');
    await ui.waitForText('Billow Demo', { within: '[data-testid=organization-name]' });
    const cookies = await page.cookies();
    const session = cookies.find((cookie) => cookie.name === 'billow_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(session!.value).not.toContain(product.apiKey);
    const storage = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie }));
    expect(storage).toEqual({ local: 0, session: 0, cookie: '' }); // HttpOnly: invisible to the page
    await ui.waitForText('No customer yet');
    await checkAccessibility('customers-empty');
  });

  step('moves the sandbox clock to the walkthroughs’ first day from the clock bar', async () => {
    await ui.setDate('clock_to', day('01-19'));
    await ui.click('Go to date');
    await ui.waitForText(new RegExp(`Sandbox time: Jan 19, ${year}, 00:0\\d UTC`), { within: '[data-testid=sandbox-time]' });
  });

  step('creates the tax, both metrics and both plans with their charges; the price preview prices by the rules', async () => {
    // Hybrid step 2: tax vat_12_5 at 12.5 %.
    await ui.nav('Taxes');
    await ui.type('name', 'VAT 12.5');
    await ui.type('code', 'vat_12_5');
    await ui.type('rate', '12.5');
    await ui.click('Create tax');
    await ui.waitForText('vat_12_5', { within: 'table' });

    // Hybrid step 1: mtu, the distinct user_id values of a period.
    await ui.nav('Billable metrics');
    await ui.click('New metric');
    await ui.type('name', 'Monthly Tracked Users');
    await ui.type('code', 'mtu');
    await ui.select('aggregation_type', 'unique_count_agg');
    await ui.type('field_name', 'user_id');
    // A validation error from the API is shown beside its field: this code is taken below, so first a bad rounding precision.
    await ui.select('rounding_function', 'round');
    await ui.type('rounding_precision', '1.5');
    await ui.click('Create metric');
    await ui.waitForText('This value is not valid.', { within: 'main form' });
    expect(await page.$eval('[name="rounding_precision"]', (input) => input.getAttribute('aria-invalid'))).toBe('true');
    await ui.select('rounding_function', '');
    await ui.click('Create metric');
    await ui.waitForText('Monthly Tracked Users', { within: 'table' });

    // Fair seats step 1: seats, a recurring unique count of seat_id.
    await ui.click('New metric');
    await ui.type('name', 'Seats');
    await ui.type('code', 'seats');
    await ui.select('aggregation_type', 'unique_count_agg');
    await ui.type('field_name', 'seat_id');
    await ui.check('recurring');
    await ui.click('Create metric');
    await ui.waitForText(/recurring/i, { within: 'table' }); // a badge (shown in capitals)
    await checkAccessibility('metrics');

    // Hybrid step 3: Team, $120 a month in advance, graduated MTUs.
    await ui.nav('Plans');
    await ui.click('New plan');
    await ui.type('name', 'Team');
    await ui.type('code', 'team');
    await ui.select('interval', 'monthly');
    await ui.type('amount', '120');
    await ui.type('amount_currency', 'USD');
    await ui.select('pay_in_advance', 'advance');
    await ui.click('Add a charge');
    const mtuId = await page.$eval('select[name="charges.0.billable_metric_id"]', (select) =>
      [...(select as HTMLSelectElement).options].find((option) => option.text.includes('(mtu)'))!.value);
    await ui.select('charges.0.billable_metric_id', mtuId);
    await ui.select('charges.0.charge_model', 'graduated');
    await ui.type('charges.0.properties.tier0.to', '10000');
    await ui.type('charges.0.properties.tier0.price', '0');
    await ui.click('Add a tier');
    await ui.type('charges.0.properties.tier1.to', '25000');
    await ui.type('charges.0.properties.tier1.price', '0.012');
    await ui.click('Add a tier');
    await ui.type('charges.0.properties.tier2.price', '0.01');
    // "Add a tier" starts each tier after the last one: 10001 and 25001, as in the walkthrough.
    expect(await page.$eval('[name="charges.0.properties.tier1.from"]', (input) => (input as HTMLInputElement).value)).toBe('10001');
    expect(await page.$eval('[name="charges.0.properties.tier2.from"]', (input) => (input as HTMLInputElement).value)).toBe('25001');
    // 12,345 MTUs: 10,000 free, then 2,345 × $0.012 = $28.14.
    await ui.waitForText('12,345 units cost $28.14', { within: '[data-testid=price-preview]' });
    // 30,000 MTUs: 15,000 × $0.012 + 5,000 × $0.01 = $180 + $50 = $230.00 (walkthrough step 8).
    await ui.type('preview_units', '30000');
    await ui.waitForText('30,000 units cost $230.00', { within: '[data-testid=price-preview]' });
    await checkAccessibility('plan-editor');
    await ui.click('Create plan');
    await ui.waitForText('mtu · graduated', { within: 'table' });

    // Fair seats step 2: Pro, €0 in arrears, seats at €8.25 prorated.
    await ui.click('New plan');
    await ui.type('name', 'Pro');
    await ui.type('code', 'pro');
    await ui.type('amount', '0');
    await ui.type('amount_currency', 'EUR');
    await ui.select('pay_in_advance', 'arrears');
    await ui.click('Add a charge');
    const seatsId = await page.$eval('select[name="charges.0.billable_metric_id"]', (select) =>
      [...(select as HTMLSelectElement).options].find((option) => option.text.includes('(seats)'))!.value);
    await ui.select('charges.0.billable_metric_id', seatsId);
    await ui.select('charges.0.charge_model', 'standard');
    await ui.type('charges.0.properties.amount', '8.25');
    await ui.check('charges.0.prorated');
    // 12,345 seats × €8.25 = €101,846.25.
    await ui.waitForText('12,345 units cost €101,846.25', { within: '[data-testid=price-preview]' });
    await ui.click('Create plan');
    await ui.waitForText('seats · standard', { within: 'table' });
  });

  step('creates both customers and subscribes them from their pages; Team bills its first month at once: $135.00', async () => {
    // Hybrid step 4: acme, USD, UTC, VAT 12.5, Stripe.
    await ui.nav('Customers');
    await ui.click('New customer');
    await ui.type('external_id', 'acme');
    await ui.type('name', 'Acme');
    await ui.type('currency', 'USD');
    await ui.select('timezone', 'UTC');
    await ui.check('tax.vat_12_5');
    await ui.select('payment_provider', 'stripe');
    await checkAccessibility('customer-form');
    await ui.click('Create customer');
    await ui.waitForText('No subscription', { within: 'main' });
    // Hybrid step 5: Team as acme-team "Project 1", anniversary, from now (19 January).
    await ui.click('Assign a plan');
    await ui.select('plan_code', 'team');
    await ui.type('external_id', 'acme-team', { within: 'form[aria-label="Assign a plan"]' });
    await ui.type('subscription_name', 'Project 1');
    await ui.select('billing_time', 'anniversary');
    await ui.click('Assign plan');
    await ui.waitForText('Project 1', { within: '[data-testid=customer-subscriptions]' });
    // Invoice 1 at once: 12000 + 12.5 % tax 1500 = 13500 → $135.00.
    await ui.waitForText('$135.00', { within: '[data-testid=customer-invoices]', timeout: 60_000 });
    await ui.waitForText(`Next invoice`, { within: '[data-testid=customer-subscriptions]' });
    // Next billing date: the period 19 Jan – 18 Feb closes on 19 February.
    await ui.waitForText(`Feb 19, ${year} (UTC)`, { within: '[data-testid=customer-subscriptions]' });

    // Fair seats steps 3–4: airbnb, EUR, UTC, no tax; airbnb-pro on Pro, anniversary.
    await ui.nav('Customers');
    await ui.click('New customer');
    await ui.type('external_id', 'airbnb');
    await ui.type('name', 'Airbnb');
    await ui.type('currency', 'EUR');
    await ui.click('Create customer');
    await ui.waitForText('No subscription', { within: 'main' });
    await ui.click('Assign a plan');
    await ui.select('plan_code', 'pro');
    await ui.type('external_id', 'airbnb-pro', { within: 'form[aria-label="Assign a plan"]' });
    await ui.click('Assign plan');
    await ui.waitForText('airbnb-pro', { within: '[data-testid=customer-subscriptions]' });

    // The customer list finds them by search.
    await ui.nav('Customers');
    await ui.type('search', 'acm');
    await ui.waitForText('1 customer', { within: '[data-testid=customer-count]' });
  });

  step('shows the live current usage of events sent by the product: 2 MTUs, $0.00', async () => {
    // Hybrid step 6: t1 u1, t2 u2, t3 u1; t1 again changes nothing. Fair seats: seat_1 and seat_3 added on 19 January.
    const mtu = (id: string, user: string) => ({ event: { transaction_id: id, code: 'mtu', external_subscription_id: 'acme-team', properties: { user_id: user } } });
    for (const [id, user] of [['t1', 'u1'], ['t2', 'u2'], ['t3', 'u1'], ['t1', 'u1']] as const) expect((await api('POST', '/events', mtu(id, user))).status).toBe(200);
    for (const seat of ['seat_1', 'seat_3']) {
      expect((await api('POST', '/events', { event: { transaction_id: `${seat}-add`, code: 'seats', external_subscription_id: 'airbnb-pro', properties: { seat_id: seat, operation_type: 'add' } } })).status).toBe(200);
    }
    await ui.open('/customers/acme');
    await ui.waitForText('2', { within: '[data-testid=usage-line-mtu] [data-testid=usage-units]' });
    expect(await ui.textOf('[data-testid=usage-line-mtu] [data-testid=usage-amount]')).toBe('$0.00');
    // The tier breakdown: both users in the free tier (0 – 10,000).
    await ui.waitForText('0 – 10,000', { within: '[data-testid=usage-line-mtu]' });
    await checkAccessibility('customer-page');
  });

  step('advances the clock a fortnight; the seat changes of 3 February are sent', async () => {
    await ui.setDate('clock_to', day('02-03'));
    await ui.click('Go to date');
    await ui.waitForText(`Feb 3, ${year}`, { within: '[data-testid=sandbox-time]' });
    // seat_2 added, seat_3 removed on 3 February.
    expect((await api('POST', '/events', { event: { transaction_id: 'seat_2-add', code: 'seats', external_subscription_id: 'airbnb-pro', properties: { seat_id: 'seat_2', operation_type: 'add' } } })).status).toBe(200);
    expect((await api('POST', '/events', { event: { transaction_id: 'seat_3-remove', code: 'seats', external_subscription_id: 'airbnb-pro', properties: { seat_id: 'seat_3', operation_type: 'remove' } } })).status).toBe(200);
  });

  step('closes the first periods at 19 February: Team’s invoice 2 is $135.00, Pro’s first is €16.77 with its seat history', async () => {
    await ui.setDate('clock_to', day('02-19'));
    await ui.click('Go to date');
    await ui.waitForText(`Feb 19, ${year}`, { within: '[data-testid=sandbox-time]' });
    await ui.click('+1 day');
    await ui.waitForText(`Feb 20, ${year}`, { within: '[data-testid=sandbox-time]' });

    // Fair seats step 6: 8.25 × (31 + 16 + 16)/31 = 8.25 × 63/31 = 16.7661 → €16.77; the fee shows 2 seats.
    await ui.open('/customers/airbnb');
    await ui.waitForText('€16.77', { within: '[data-testid=customer-invoices]', timeout: 60_000 });
    await ui.click(await firstInvoiceNumber());
    await ui.waitForText('Total €16.77', { within: '[data-testid=invoice-total]' });
    expect(await ui.textOf('[data-testid^=fee-charge-seats] [data-testid=fee-units]')).toBe('2');
    const seats = await ui.textOf('[data-testid=fee-seats-seats]');
    // seat_1 the whole period (31 days), seat_2 from 3 Feb (16 days), seat_3 until 3 Feb (16 days).
    expect(seats).toMatch(new RegExp(`seat_1\\s+Jan 19, ${year} \\(UTC\\)\\s+—\\s+31`));
    expect(seats).toMatch(new RegExp(`seat_2\\s+Feb 3, ${year} \\(UTC\\)\\s+—\\s+16`));
    expect(seats).toMatch(new RegExp(`seat_3\\s+Jan 19, ${year} \\(UTC\\)\\s+Feb 3, ${year} \\(UTC\\)\\s+16`));
    await checkAccessibility('invoice');

    // Hybrid step 7: invoice 2 = next month's fee 12000 + mtu 2 units at 0 + tax 1500 = 13500.
    await ui.open('/customers/acme');
    await ui.waitForText(/\$135\.00[\s\S]*\$135\.00/, { within: '[data-testid=customer-invoices]', timeout: 60_000 });
  });

  step('shows the seat history on the subscription page, with its next billing date', async () => {
    await ui.open('/subscriptions/airbnb-pro');
    const history = await ui.waitForText('seat_3', { within: '[data-testid=seat-history-seats]' });
    expect(history).toMatch(new RegExp(`seat_1\\s+Jan 19, ${year}, 00:0\\d UTC\\s+still active`));
    expect(history).toMatch(new RegExp(`seat_2\\s+Feb 3, ${year}, 00:0\\d UTC\\s+still active`));
    expect(history).toMatch(new RegExp(`seat_3\\s+Jan 19, ${year}, 00:0\\d UTC\\s+Feb 3, ${year}, 00:0\\d UTC`));
    expect(await ui.textOf('[data-testid=next-billing-date]')).toBe(`Mar 19, ${year} (UTC)`);
    await ui.waitForText('time-skipping server has no Temporal UI');
    await checkAccessibility('subscription');
  });

  step('tracks 30,000 users in the second period: current usage $230.00; at 19 March invoice 3 is $393.75 and its PDF says so', async () => {
    // Hybrid step 8: 30,000 distinct users, sent by the product in batches of 100.
    const batches = Array.from({ length: 300 }, (_, b) => ({
      events: Array.from({ length: 100 }, (_, i) => ({ transaction_id: `p2-${b * 100 + i}`, code: 'mtu', external_subscription_id: 'acme-team', properties: { user_id: `user-${b * 100 + i}` } })),
    }));
    for (let at = 0; at < batches.length; at += 6) {
      const answers = await Promise.all(batches.slice(at, at + 6).map((batch) => api('POST', '/events/batch', batch)));
      for (const answer of answers) expect(answer.status).toBe(200);
    }
    await ui.open('/customers/acme');
    await ui.waitForText('30,000', { within: '[data-testid=usage-line-mtu] [data-testid=usage-units]', timeout: 60_000 });
    // 15,000 × 0.012 + 5,000 × 0.01 = 180 + 50 = $230.00.
    expect(await ui.textOf('[data-testid=usage-line-mtu] [data-testid=usage-amount]')).toBe('$230.00');

    await ui.click('+1 month'); // 20 February → 20 March: the 19 March closes fire on the way.
    await ui.waitForText(`Mar 20, ${year}`, { within: '[data-testid=sandbox-time]' });
    // Invoice 3: fees 12000 + 23000 = 35000, tax 1500 + 2875 = 4375, total 39375 → $393.75.
    await ui.waitForText('$393.75', { within: '[data-testid=customer-invoices]', timeout: 60_000 });
    await ui.click(await firstInvoiceNumber());
    await ui.waitForText('Total $393.75', { within: '[data-testid=invoice-total]' });
    expect(await ui.textOf('[data-testid^=fee-charge-mtu] [data-testid=fee-amount]')).toBe('$230.00');
    expect(await ui.textOf('[data-testid^=fee-charge-mtu] [data-testid=fee-units]')).toBe('30,000');
    expect(await ui.textOf('[data-testid=invoice-totals]')).toContain('VAT 12.5 (12.5%) $43.75');

    // The PDF link opens the invoice's PDF with the session alone (no key in the page).
    const href = await page.$eval('[data-testid=invoice-pdf]', (link) => (link as HTMLAnchorElement).href);
    expect(href).toMatch(/\/api\/v1\/invoices\/[0-9a-f-]{36}\/pdf$/);
    const pdf = await page.evaluate(async (url) => {
      for (let attempt = 0; attempt < 60; attempt += 1) {
        const response = await fetch(url);
        if (response.status === 200) return { type: response.headers.get('content-type'), bytes: [...new Uint8Array(await response.arrayBuffer())] };
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      return null;
    }, href);
    expect(pdf?.type).toBe('application/pdf');
    const { text } = await pdfText(new Uint8Array(pdf!.bytes));
    expect(text).toContain('393.75');
    expect(text).toContain('Acme');

    // Fair seats step 7: seat_1 and seat_2 the whole second period: 2 × 8.25 = €16.50.
    await ui.open('/customers/airbnb');
    await ui.waitForText('€16.50', { within: '[data-testid=customer-invoices]', timeout: 60_000 });
  });

  step('lists invoices across customers with status and date filters', async () => {
    await ui.nav('Invoices');
    await ui.waitForText('5 invoices', { within: '[data-testid=invoice-count]' }); // acme 3, airbnb 2
    await ui.setDate('issuing_date_from', day('03-01'));
    // Only the two issued on 19 March.
    await ui.waitForText('2 invoices', { within: '[data-testid=invoice-count]' });
    await ui.select('status', 'voided');
    await ui.waitForText('No invoice matches these filters');
    await checkAccessibility('invoices');
  });

  step('shows in the debugger the events as counted and billed, and a refused event with its reason', async () => {
    await ui.nav('Events debugger');
    await ui.waitForText('counted', { within: '[data-testid=event-tail]' });
    await ui.type('event_code', 'nope');
    await ui.type('event_subscription', 'acme-team');
    await ui.type('event_properties', '{"user_id": "u9"}');
    await ui.click('Send event');
    const refused = await ui.waitForText('refused (422)', { within: '[data-testid=refused-row]' });
    expect(refused).toContain('code: metric_not_found — No billable metric has this code.');
    // Filtering by metric keeps the refusal of that code only.
    await ui.select('filter_code', 'seats');
    await ui.waitForText('seat_3-remove', { within: '[data-testid=event-tail]' });
    expect(await page.$('[data-testid=refused-row]')).toBeNull();
    // seat_3's removal on 3 February was billed on Pro's first invoice.
    await ui.waitForText(/Billed on invoice \S+/, { within: '[data-testid=event-tail]' });
    await checkAccessibility('events');
  });

  step('shows the API’s refusal of a webhook URL beside the field', async () => {
    await ui.nav('Webhooks');
    await ui.waitForText('No endpoint');
    await ui.type('webhook_url', 'not a url');
    await ui.click('Add endpoint');
    await ui.waitForText('This is not a valid URL.', { within: 'form[aria-label="Add a webhook endpoint"]' });
    expect(await page.$eval('[name="webhook_url"]', (input) => input.getAttribute('aria-invalid'))).toBe('true');
    expect((await api('GET', '/webhook_endpoints')).body.webhook_endpoints).toHaveLength(0);
    await checkAccessibility('webhooks');
  });

  step('voids an invoice only after confirming', async () => {
    await ui.open('/customers/airbnb');
    await ui.waitForText('€16.50', { within: '[data-testid=customer-invoices]' });
    const number = await firstInvoiceNumber();
    await ui.click(number);
    await ui.waitForText('Total €16.50', { within: '[data-testid=invoice-total]' });
    const id = page.url().split('/').pop()!;
    await ui.click('Void invoice');
    await ui.waitForText('it cannot be un-voided', { within: '[role=dialog]' });
    await ui.click('Cancel', { within: '[role=dialog]' });
    expect((await api('GET', `/invoices/${id}`)).body.invoice.status).toBe('finalized'); // cancelled: nothing changed
    await ui.click('Void invoice');
    await ui.click('Void invoice', { within: '[role=dialog]' });
    await ui.waitForText(new RegExp(`Invoice ${number}\\s+voided`, 'i'), { within: 'main h1' }); // the status badge beside the number
    expect((await api('GET', `/invoices/${id}`)).body.invoice.status).toBe('voided');
  });

  step('signs out: the session ends and the API refuses the old cookie', async () => {
    const cookie = (await page.cookies()).find((c) => c.name === 'billow_session')!;
    await ui.click('Sign out');
    await ui.waitForText('You are signed out.');
    const refused = await fetch(`${product.baseUrl}/api/v1/customers`, { headers: { Cookie: `billow_session=${cookie.value}` } });
    expect(refused.status).toBe(401);
  });

  step('a customer page opened by its address while signed out asks for the key, then shows the customer', async () => {
    // The page's first reads are asked beside the session check and refused (401): that is no ended session.
    await page.goto(`${product.baseUrl}/console/customers/airbnb`, { waitUntil: 'domcontentloaded' });
    await ui.waitForText('Sign in');
    expect(await page.evaluate(() => document.body.innerText)).not.toContain('Your session has ended');
    await ui.type('api_key', product.apiKey);
    await ui.click('Sign in');
    // Asked again after signing in, not left as the refusals cached before.
    await ui.waitForText('€16.50', { within: '[data-testid=customer-invoices]' });
    expect(page.url()).toBe(`${product.baseUrl}/console/customers/airbnb`);
  });

  it('has no serious or critical accessibility violation on any page visited', () => {
    expect(Object.keys(a11y).length).toBeGreaterThanOrEqual(9);
    expect(a11y).toEqual(Object.fromEntries(Object.keys(a11y).map((name) => [name, []])));
  });
});

/** The newest invoice's number on a customer page (the list is newest first). */
async function firstInvoiceNumber(): Promise<string> {
  return page.$eval('[data-testid=customer-invoices] tbody tr a', (link) => (link as HTMLElement).innerText);
}
