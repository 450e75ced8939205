/**
 * Fixed charges on the real worker (issue 16 point 5): seats set by API, billed in arrears prorated
 * by day, in advance with an increase billed at once, and monthly on a yearly plan
 * (bill_fixed_charges_monthly). Every figure is worked out by hand beside it.
 * April, September and November 2031 have 30 days; May and October 2031 have 31; January 2032 has 31, February 29.
 */
import { moveClockTo } from '../support/temporal';
import { useWorkflowTestbed } from '../support/testbed';
import { assertBillingInvariants } from '../support/invariants';
import { createPlan, invoiceTable, settle, sleepUntil, subscribe } from '../support/scenario';

const TASK_QUEUE = 'fixed-charges-test';
const bed = useWorkflowTestbed(TASK_QUEUE);

afterEach(async () => assertBillingInvariants(bed.database.db));

async function addOn(code: string, name: string): Promise<string> {
  const response = await bed.api.post('/add_ons', { add_on: { name, code, amount_cents: 100, amount_currency: 'EUR' } }).expect(200);
  return response.body.add_on.lago_id as string;
}

async function setUnits(subscription: string, code: string, units: string, applyUnitsImmediately = true): Promise<Record<string, unknown>> {
  const response = await bed.api.put(`/subscriptions/${subscription}/fixed_charges/${code}`, { fixed_charge: { units, apply_units_immediately: applyUnitsImmediately } });
  if (response.status !== 200) throw new Error(`${response.status} ${JSON.stringify(response.body)}`);
  return response.body.fixed_charge as Record<string, unknown>;
}

const byItem = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));

it('in arrears: 10 seats raised to 15 on day 16 of a 30-day month, prorated by day, and a platform fee in full', async () => {
  await moveClockTo(bed.env, '2031-04-01T08:00:00Z');
  await bed.api.post('/customers', { customer: { external_id: 'arrears', currency: 'EUR', timezone: 'UTC' } }).expect(200);
  const seat = await addOn('seat', 'Seat');
  const platform = await addOn('platform', 'Platform fee');
  await createPlan(bed.api, {
    name: 'Seats', code: 'seats_arrears', interval: 'monthly', amount_cents: 0, amount_currency: 'EUR', pay_in_advance: false,
    fixed_charges: [
      { add_on_id: seat, charge_model: 'standard', units: 10, prorated: true, properties: { amount: '10' } },
      { add_on_id: platform, charge_model: 'standard', units: 1, properties: { amount: '99' } },
    ],
  });
  await subscribe(bed.api, { external_customer_id: 'arrears', plan_code: 'seats_arrears', external_id: 'arrears-sub', billing_time: 'calendar' });
  await settle(bed.env);
  expect(await invoiceTable(bed.api, 'arrears')).toEqual([]); // nothing in advance

  await sleepUntil(bed.env, '2031-04-16T10:00:00Z');
  expect(await setUnits('arrears-sub', 'seat', '15')).toMatchObject({ code: 'seat', units: 15, prorated: true });
  // In arrears, a change bills nothing at once.
  expect(await invoiceTable(bed.api, 'arrears')).toEqual([]);
  const listed = await bed.api.get('/subscriptions/arrears-sub/fixed_charges').expect(200);
  expect(listed.body.fixed_charges.map((charge: { code: string; units: number }) => [charge.code, charge.units])).toEqual([['seat', 15], ['platform', 1]]);
  // The plan keeps its own units.
  expect((await bed.api.get('/plans/seats_arrears/fixed_charges/seat').expect(200)).body.fixed_charge.units).toBe(10);
  // While the plan has a subscription, its units stay (a subscription's change through its own route); its price may change.
  const locked = await bed.api.put('/plans/seats_arrears/fixed_charges/seat', { fixed_charge: { units: '20' } });
  expect([locked.status, locked.body.error_details]).toEqual([422, { units: ['cannot_change_with_active_subscriptions'] }]);

  await sleepUntil(bed.env, '2031-05-01T12:00:00Z');
  const invoices = await invoiceTable(bed.api, 'arrears');
  expect(invoices.map((invoice) => [invoice.issuingDate, invoice.reason, invoice.total, invoice.lines.map((line) => [line.item, line.from, line.to, line.units, line.amount]).sort(byItem)])).toEqual([
    ['2031-05-01', 'subscription_periodic', 22_400, [
      // 1 × 99.00, not prorated: 9900.
      ['fixed_charge:platform', '2031-04-01', '2031-04-30', '1.0', 9_900],
      // Seats: April 1–15 at 10, April 16–30 at 15, D = 30: 10 × 15/30 + 15 × 15/30 = 5 + 7.5 = 12.5 units × 10.00 = 125.00.
      ['fixed_charge:seat', '2031-04-01', '2031-04-30', '12.5', 12_500],
    ]],
  ]);
  // Lago's fee shape.
  const invoice = (await bed.api.get(`/invoices?external_customer_id=arrears`).expect(200)).body.invoices[0];
  const seatFee = (invoice.fees as { item: { code: string } }[]).find((fee) => fee.item.code === 'seat') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(seatFee).toMatchObject({
    lago_charge_id: null, lago_fixed_charge_id: expect.any(String), pay_in_advance: false, amount_cents: 12_500, unit_amount_cents: 1_000,
    item: { type: 'fixed_charge', code: 'seat', name: 'Seat', lago_item_id: seat, item_type: 'AddOn' },
  });
  // 15 seats in force all of May.
  await sleepUntil(bed.env, '2031-06-01T12:00:00Z');
  const may = (await invoiceTable(bed.api, 'arrears'))[1]!;
  expect(may.lines.map((line) => [line.item, line.units, line.amount]).sort(byItem)).toEqual([
    ['fixed_charge:platform', '1.0', 9_900],
    ['fixed_charge:seat', '15.0', 15_000], // 15 × 31/31 × 10.00
  ]);
});

it('in advance: billed at the period start, an increase billed at once prorated, a decrease refunding nothing', async () => {
  await moveClockTo(bed.env, '2031-09-01T08:00:00Z');
  await bed.api.post('/customers', { customer: { external_id: 'advance', currency: 'EUR', timezone: 'UTC' } }).expect(200);
  const seat = await addOn('seat_adv', 'Seat');
  await createPlan(bed.api, {
    name: 'Seats in advance', code: 'seats_advance', interval: 'monthly', amount_cents: 0, amount_currency: 'EUR', pay_in_advance: false,
    fixed_charges: [{ add_on_id: seat, code: 'seat', charge_model: 'standard', units: 10, pay_in_advance: true, prorated: true, properties: { amount: '10' } }],
  });
  await subscribe(bed.api, { external_customer_id: 'advance', plan_code: 'seats_advance', external_id: 'advance-sub', billing_time: 'calendar' });
  await settle(bed.env);

  await sleepUntil(bed.env, '2031-09-16T10:00:00Z');
  await setUnits('advance-sub', 'seat', '15');
  await sleepUntil(bed.env, '2031-09-20T10:00:00Z');
  await setUnits('advance-sub', 'seat', '12');
  await sleepUntil(bed.env, '2031-10-01T12:00:00Z');

  const invoices = await invoiceTable(bed.api, 'advance');
  expect(invoices.map((invoice) => [invoice.issuingDate, invoice.reason, invoice.lines.map((line) => [line.item, line.from, line.to, line.units, line.amount])])).toEqual([
    // September 1st: 10 seats for September 1–30 in advance: 10 × 30/30 × 10.00 = 100.00.
    ['2031-09-01', 'subscription_starting', [['fixed_charge:seat', '2031-09-01', '2031-09-30', '10.0', 10_000]]],
    // September 16th: 10 → 15, 5 more than billed, for the 15 days left (16th–30th): 5 × 15/30 × 10.00 = 25.00.
    ['2031-09-16', 'in_advance_charge', [['fixed_charge:seat', '2031-09-16', '2031-09-30', '5.0', 2_500]]],
    // September 20th: 15 → 12, no invoice, no refund. October 1st: 12 seats for October: 12 × 31/31 × 10.00 = 120.00.
    ['2031-10-01', 'subscription_periodic', [['fixed_charge:seat', '2031-10-01', '2031-10-31', '12.0', 12_000]]],
  ]);

  // Not applied at once: 20 seats from November 1st, so October's billed units do not move, and November opens at 20.
  await sleepUntil(bed.env, '2031-10-10T10:00:00Z');
  expect(await setUnits('advance-sub', 'seat', '20', false)).toMatchObject({ units: 12 });
  expect(await invoiceTable(bed.api, 'advance')).toHaveLength(3);
  await sleepUntil(bed.env, '2031-11-01T12:00:00Z');
  const november = (await invoiceTable(bed.api, 'advance'))[3]!;
  // 20 × 30/30 × 10.00 = 200.00.
  expect([november.issuingDate, november.lines.map((line) => [line.item, line.units, line.amount])]).toEqual(['2031-11-01', [['fixed_charge:seat', '20.0', 20_000]]]);
});

it('a yearly plan with bill_fixed_charges_monthly: the base fee once a year, the fixed charges every month', async () => {
  await moveClockTo(bed.env, '2032-01-01T08:00:00Z');
  await bed.api.post('/customers', { customer: { external_id: 'yearly', currency: 'EUR', timezone: 'UTC' } }).expect(200);
  const support = await addOn('support', 'Support seats');
  await createPlan(bed.api, {
    name: 'Annual', code: 'annual_fixed', interval: 'yearly', amount_cents: 120_000, amount_currency: 'EUR', pay_in_advance: true, bill_fixed_charges_monthly: true,
    fixed_charges: [{ add_on_id: support, charge_model: 'standard', units: 3, properties: { amount: '20' } }],
  });
  expect((await bed.api.get('/plans/annual_fixed').expect(200)).body.plan.bill_fixed_charges_monthly).toBe(true);
  await subscribe(bed.api, { external_customer_id: 'yearly', plan_code: 'annual_fixed', external_id: 'yearly-sub', billing_time: 'calendar' });
  await settle(bed.env);
  await sleepUntil(bed.env, '2032-02-01T12:00:00Z');
  await sleepUntil(bed.env, '2032-03-01T12:00:00Z');

  const invoices = await invoiceTable(bed.api, 'yearly');
  expect(invoices.map((invoice) => [invoice.issuingDate, invoice.lines.map((line) => [line.item, line.from, line.to, line.units, line.amount])])).toEqual([
    // Started on January 1st: the whole year in advance, 1200.00.
    ['2032-01-01', [['subscription:annual_fixed', '2032-01-01', '2032-12-31', '1.0', 120_000]]],
    // Each month in arrears, not prorated: 3 × 20.00 = 60.00.
    ['2032-02-01', [['fixed_charge:support', '2032-01-01', '2032-01-31', '3.0', 6_000]]],
    ['2032-03-01', [['fixed_charge:support', '2032-02-01', '2032-02-29', '3.0', 6_000]]],
  ]);
});
