/**
 * A subscription's workflow bills every boundary on the time-skipping server, with the real
 * worker, activities and Postgres. Every expected amount is worked out by hand in comments.
 */
import { moveClockTo } from '../support/temporal';
import { useWorkflowTestbed } from '../support/testbed';

const TASK_QUEUE = 'subscription-billing-test';
const bed = useWorkflowTestbed(TASK_QUEUE);

interface WireInvoice {
  number: string;
  sequential_id: number;
  issuing_date: string;
  total_amount_cents: number;
  fees_amount_cents: number;
  billing_periods: { subscription_from_datetime: string | null; subscription_to_datetime: string | null }[];
  fees: { item: { type: string }; amount_cents: number; units: string }[];
}

async function invoicesOf(customer: string): Promise<WireInvoice[]> {
  const response = await bed.api.get(`/invoices?external_customer_id=${customer}&per_page=100`).expect(200);
  return (response.body.invoices as WireInvoice[]).sort((a, b) => a.sequential_id - b.sequential_id);
}

it('bills a monthly in-advance anniversary plan: 13 invoices of 12000 over 12 skipped months, periods contiguous', async () => {
  {
    await moveClockTo(bed.env, '2027-01-19T10:30:00Z');
    await bed.api.post('/plans', { plan: { name: 'Team', code: 'team', interval: 'monthly', amount_cents: 12000, amount_currency: 'USD', pay_in_advance: true } }).expect(200);
    await bed.api.post('/customers', { customer: { external_id: 'acme', currency: 'USD', timezone: 'UTC' } }).expect(200);
    const created = await bed.api.post('/subscriptions', { subscription: { external_customer_id: 'acme', plan_code: 'team', external_id: 'acme-team', billing_time: 'anniversary' } }).expect(200);
    expect(created.body.subscription.status).toBe('active');
    // The test clock runs at real speed between skips, so the start is 10:30:00 and a few milliseconds.
    expect(created.body.subscription.started_at).toMatch(/^2027-01-19T10:30:0\d\.\d{3}Z$/);
    // 2027-01-19 10:30 + 365 days = 2028-01-19 10:30: boundaries 2027-02-19 … 2028-01-19 (12 of them) are crossed.
    await bed.env.sleep('365 days');
  }

  const invoices = await invoicesOf('acme');
  expect(invoices).toHaveLength(13); // the starting invoice + 12 boundaries
  expect(invoices.map((invoice) => invoice.sequential_id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  // Anniversary in advance: each invoice bills a whole month at 12000 (first one included, reference §5.2 a).
  for (const invoice of invoices) expect(invoice.total_amount_cents).toBe(12000);
  const periods = invoices.map((invoice) => invoice.billing_periods[0]!);
  expect(periods[0]).toMatchObject({ subscription_from_datetime: '2027-01-19T00:00:00.000Z', subscription_to_datetime: '2027-02-18T23:59:59.999Z' });
  expect(periods[1]).toMatchObject({ subscription_from_datetime: '2027-02-19T00:00:00.000Z', subscription_to_datetime: '2027-03-18T23:59:59.999Z' });
  expect(periods[12]).toMatchObject({ subscription_from_datetime: '2028-01-19T00:00:00.000Z', subscription_to_datetime: '2028-02-18T23:59:59.999Z' });
  for (let i = 1; i < periods.length; i++) {
    // Contiguous and non-overlapping: each period starts 1 ms after the previous one ends.
    expect(Date.parse(periods[i]!.subscription_from_datetime!)).toBe(Date.parse(periods[i - 1]!.subscription_to_datetime!) + 1);
  }
  expect(invoices.map((invoice) => invoice.issuing_date).slice(0, 3)).toEqual(['2027-01-19', '2027-02-19', '2027-03-19']);
});

it('prorates the first invoice of a monthly in-arrears calendar plan started mid-month by days/D', async () => {
  {
    await moveClockTo(bed.env, '2028-03-15T09:00:00Z');
    await bed.api.post('/plans', { plan: { name: 'Basic', code: 'basic', interval: 'monthly', amount_cents: 12000, amount_currency: 'USD', pay_in_advance: false } }).expect(200);
    await bed.api.post('/subscriptions', { subscription: { external_customer_id: 'globex', plan_code: 'basic', external_id: 'globex-basic', billing_time: 'calendar' } }).expect(200);
    // Nothing is billed at the start of an arrears plan.
    expect(await invoicesOf('globex')).toHaveLength(0);
    await bed.env.sleep('47 days'); // 2028-03-15 09:00 → 2028-05-01 09:00: crosses 2028-04-01 and 2028-05-01
  }
  const invoices = await invoicesOf('globex');
  expect(invoices).toHaveLength(2);
  // March 2028 has D = 31 days; billed 15th–31st inclusive = 17 days: 12000 × 17 / 31 = 6580.645… → 6581.
  expect(invoices[0]).toMatchObject({ issuing_date: '2028-04-01', total_amount_cents: 6581 });
  expect(invoices[0]!.billing_periods[0]).toMatchObject({ subscription_from_datetime: '2028-03-15T00:00:00.000Z', subscription_to_datetime: '2028-03-31T23:59:59.999Z' });
  // April is a whole period: 12000.
  expect(invoices[1]).toMatchObject({ issuing_date: '2028-05-01', total_amount_cents: 12000 });
});
