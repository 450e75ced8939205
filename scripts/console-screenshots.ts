/**
 * `npm run docs:screenshots`: PNGs of the Billow Console's main pages in docs/, taken from a real
 * `npm start -- --sandbox` with the two walkthroughs' objects (created through the API, the
 * sandbox clock moved past the first invoices) and the system Chromium.
 */
import fs from 'node:fs';
import path from 'node:path';
import { apiClient, ConsoleDriver, launchBrowser, startSandboxProduct } from '../test/e2e/support/console';

const DOCS = path.resolve(__dirname, '..', 'docs');

async function main(): Promise<void> {
  const product = await startSandboxProduct();
  const { browser, close } = await launchBrowser();
  try {
    const api = apiClient(product.baseUrl, product.apiKey);
    const must = async (method: string, route: string, body?: unknown) => {
      const answer = await api(method, route, body);
      if (answer.status !== 200) throw new Error(`${method} ${route}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    };
    const now = new Date((await must('GET', '/sandbox/clock')).clock.now);
    const year = now.getUTCFullYear() + (Date.UTC(now.getUTCFullYear(), 0, 17) > now.getTime() ? 0 : 1);
    await must('POST', '/sandbox/clock/advance', { to: `${year}-01-19T00:00:00Z` });
    await must('POST', '/taxes', { tax: { name: 'VAT 12.5', code: 'vat_12_5', rate: '12.5' } });
    const mtu = (await must('POST', '/billable_metrics', { billable_metric: { name: 'Monthly Tracked Users', code: 'mtu', aggregation_type: 'unique_count_agg', field_name: 'user_id' } })).billable_metric;
    const seats = (await must('POST', '/billable_metrics', { billable_metric: { name: 'Seats', code: 'seats', aggregation_type: 'unique_count_agg', field_name: 'seat_id', recurring: true } })).billable_metric;
    await must('POST', '/plans', { plan: { name: 'Team', code: 'team', interval: 'monthly', amount_cents: 12000, amount_currency: 'USD', pay_in_advance: true, charges: [{ billable_metric_id: mtu.lago_id, charge_model: 'graduated', properties: { graduated_ranges: [
      { from_value: 0, to_value: 10000, per_unit_amount: '0', flat_amount: '0' },
      { from_value: 10001, to_value: 25000, per_unit_amount: '0.012', flat_amount: '0' },
      { from_value: 25001, to_value: null, per_unit_amount: '0.01', flat_amount: '0' },
    ] } }] } });
    await must('POST', '/plans', { plan: { name: 'Pro', code: 'pro', interval: 'monthly', amount_cents: 0, amount_currency: 'EUR', pay_in_advance: false, charges: [{ billable_metric_id: seats.lago_id, charge_model: 'standard', prorated: true, properties: { amount: '8.25' } }] } });
    await must('POST', '/customers', { customer: { external_id: 'acme', name: 'Acme', currency: 'USD', timezone: 'UTC', tax_codes: ['vat_12_5'], billing_configuration: { payment_provider: 'stripe' } } });
    await must('POST', '/customers', { customer: { external_id: 'airbnb', name: 'Airbnb', currency: 'EUR', timezone: 'Europe/Paris' } });
    await must('POST', '/subscriptions', { subscription: { external_customer_id: 'acme', plan_code: 'team', external_id: 'acme-team', name: 'Project 1', billing_time: 'anniversary' } });
    await must('POST', '/subscriptions', { subscription: { external_customer_id: 'airbnb', plan_code: 'pro', external_id: 'airbnb-pro', billing_time: 'anniversary' } });
    const seat = (id: string, operation: string) => must('POST', '/events', { event: { transaction_id: `${id}-${operation}`, code: 'seats', external_subscription_id: 'airbnb-pro', properties: { seat_id: id, operation_type: operation } } });
    await seat('seat_1', 'add');
    await seat('seat_3', 'add');
    await must('POST', '/sandbox/clock/advance', { to: `${year}-02-03T00:00:00Z` });
    await seat('seat_2', 'add');
    await seat('seat_3', 'remove');
    await must('POST', '/sandbox/clock/advance', { to: `${year}-02-20T00:00:00Z` });
    await must('POST', '/events/batch', { events: Array.from({ length: 100 }, (_, i) => ({ transaction_id: `u-${i}`, code: 'mtu', external_subscription_id: 'acme-team', properties: { user_id: `user-${i}` } })) });

    const page = await browser.newPage();
    await page.setViewport({ width: 1366, height: 860 });
    await page.emulateTimezone('UTC');
    const ui = new ConsoleDriver(page, product.baseUrl);
    const shoot = async (name: string, fullPage = true) => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      const file = path.join(DOCS, `console-${name}.png`) as `${string}.png`;
      await page.screenshot({ path: file, fullPage });
      process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
    };
    fs.mkdirSync(DOCS, { recursive: true });
    await ui.open('/');
    await ui.waitForText('Billow Console');
    await shoot('sign-in');
    await ui.type('api_key', product.apiKey);
    await ui.click('Sign in');
    await ui.waitForText('Acme', { within: 'main' });
    await shoot('customers');
    await ui.open('/customers/acme');
    await ui.waitForText('100', { within: '[data-testid=usage-line-mtu] [data-testid=usage-units]' });
    await ui.waitForText('$135.00', { within: '[data-testid=customer-invoices]' });
    await shoot('customer');
    await ui.open('/plans/team');
    await ui.waitForText('units cost', { within: '[data-testid=price-preview]' });
    await shoot('plan-editor');
    await ui.open('/customers/airbnb');
    await ui.waitForText('€16.77', { within: '[data-testid=customer-invoices]' });
    await page.locator('[data-testid=customer-invoices] tbody tr a').click();
    await ui.waitForText('Total €16.77', { within: '[data-testid=invoice-total]' });
    await shoot('invoice');
    await ui.open('/subscriptions/airbnb-pro');
    await ui.waitForText('seat_3', { within: '[data-testid=seat-history-seats]' });
    await shoot('subscription');
    await ui.open('/events');
    await ui.waitForText('counted', { within: '[data-testid=event-tail]' });
    await ui.type('event_code', 'nope');
    await ui.type('event_subscription', 'acme-team');
    await ui.click('Send event');
    await ui.waitForText('refused (422)', { within: '[data-testid=refused-row]' });
    await shoot('events', false); // the tail is long: the first screenful
  } finally {
    await close();
    await product.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
