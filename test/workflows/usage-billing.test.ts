/**
 * Usage on the workflow: pay-in-advance charges billed the moment their event arrives, and a
 * yearly plan whose usage is billed every month (bill_charges_monthly). Hand-worked figures.
 */
import { moveClockTo } from '../support/temporal';
import { useWorkflowTestbed } from '../support/testbed';
import { assertBillingInvariants } from '../support/invariants';
import { createPlan, invoiceTable, settle, sleepUntil, subscribe } from '../support/scenario';

const TASK_QUEUE = 'usage-billing-test';
const bed = useWorkflowTestbed(TASK_QUEUE);

afterEach(async () => assertBillingInvariants(bed.database.db));

async function metric(code: string, aggregationType: string, fieldName?: string): Promise<string> {
  const response = await bed.api.post('/billable_metrics', { billable_metric: { name: code, code, aggregation_type: aggregationType, field_name: fieldName } }).expect(200);
  return response.body.billable_metric.lago_id as string;
}

async function event(transactionId: string, code: string, properties: Record<string, unknown> = {}, subscription = 'pia-sub'): Promise<void> {
  await bed.api.post('/events', { event: { transaction_id: transactionId, code, external_subscription_id: subscription, properties } }).expect(200);
}

it('pay-in-advance charges: each event is priced at once, with its own invoice when invoiceable', async () => {
  await moveClockTo(bed.env, '2030-06-10T08:00:00Z');
  const calls = await metric('api_calls', 'count_agg');
  const storage = await metric('storage_gb', 'sum_agg', 'gb');
  await bed.api.post('/taxes', { tax: { name: 'VAT 10%', code: 'vat_10', rate: '10' } }).expect(200);
  await bed.api.post('/taxes', { tax: { name: 'VAT 20%', code: 'vat_20', rate: '20' } }).expect(200);
  await bed.api.post('/customers', { customer: { external_id: 'pia', currency: 'USD', timezone: 'UTC', tax_codes: ['vat_10'] } }).expect(200);
  await createPlan(bed.api, {
    name: 'Pay as you go', code: 'payg', interval: 'monthly', amount_cents: 0, amount_currency: 'USD', pay_in_advance: false,
    charges: [
      { billable_metric_id: calls, charge_model: 'standard', pay_in_advance: true, invoiceable: true, properties: { amount: '0.5' }, tax_codes: ['vat_20'] },
      { billable_metric_id: storage, charge_model: 'standard', pay_in_advance: true, invoiceable: false, properties: { amount: '2' } },
    ],
  });
  await subscribe(bed.api, { external_customer_id: 'pia', plan_code: 'payg', external_id: 'pia-sub', billing_time: 'calendar' });
  await event('call-1', 'api_calls');
  await event('call-2', 'api_calls');
  await event('disk-1', 'storage_gb', { gb: 3 });
  await settle(bed.env);

  const invoices = await invoiceTable(bed.api, 'pia');
  // Each call: 1 × 0.50 = 50, taxed by the charge's own 20 % (not the customer's 10 %) = 10 → 60;
  // its own invoice, numbered in order.
  expect(invoices.map((invoice) => [invoice.sequentialId, invoice.reason, invoice.total, invoice.taxes, invoice.lines.map((line) => [line.item, line.units, line.amount])])).toEqual([
    [1, 'in_advance_charge', 60, 10, [['charge:api_calls', '1.0', 50]]],
    [2, 'in_advance_charge', 60, 10, [['charge:api_calls', '1.0', 50]]],
  ]);
  // Storage is not invoiceable: a fee of 3 × 2.00 = 600 without an invoice.
  const fees = await bed.database.db('fees').whereNull('invoice_id').where({ event_transaction_id: 'disk-1' });
  expect(fees.map((fee) => [BigInt(fee.amount_cents), fee.pay_in_advance, fee.invoiceable])).toEqual([[600n, true, false]]);
  expect(await bed.database.db('webhook_events').where({ object_id: fees[0].id }).pluck('webhook_type')).toEqual(['fee.created']);

  // Replaying an event changes nothing; at the month end the in-advance charges are not billed again.
  await event('call-1', 'api_calls');
  await sleepUntil(bed.env, '2030-07-01T12:00:00Z');
  expect((await invoiceTable(bed.api, 'pia')).map((invoice) => invoice.sequentialId)).toEqual([1, 2]);
});

it('a yearly plan with bill_charges_monthly: the base fee once a year, the usage every month', async () => {
  await moveClockTo(bed.env, '2031-01-01T10:00:00Z');
  const requests = await metric('requests', 'count_agg');
  await createPlan(bed.api, {
    name: 'Annual', code: 'annual', interval: 'yearly', amount_cents: 120000, amount_currency: 'USD', pay_in_advance: true, bill_charges_monthly: true,
    charges: [{ billable_metric_id: requests, charge_model: 'standard', properties: { amount: '1' } }],
  });
  await subscribe(bed.api, { external_customer_id: 'yara', plan_code: 'annual', external_id: 'yara-sub', billing_time: 'calendar' });
  for (let i = 1; i <= 5; i++) await event(`jan-${i}`, 'requests', {}, 'yara-sub');
  await sleepUntil(bed.env, '2031-02-01T12:00:00Z');
  for (let i = 1; i <= 2; i++) await event(`feb-${i}`, 'requests', {}, 'yara-sub');
  await sleepUntil(bed.env, '2031-03-01T12:00:00Z');

  const invoices = await invoiceTable(bed.api, 'yara');
  expect(invoices.map((invoice) => [invoice.issuingDate, invoice.lines.map((line) => [line.item, line.from, line.to, line.units, line.amount])])).toEqual([
    // Started on Jan 1: the whole calendar year in advance, 120000.
    ['2031-01-01', [['subscription:annual', '2031-01-01', '2031-12-31', '1.0', 120000]]],
    // January's 5 requests × 1.00 = 500; no base fee until next year.
    ['2031-02-01', [['charge:requests', '2031-01-01', '2031-01-31', '5.0', 500]]],
    // February's 2 requests × 1.00 = 200.
    ['2031-03-01', [['charge:requests', '2031-02-01', '2031-02-28', '2.0', 200]]],
  ]);
});
