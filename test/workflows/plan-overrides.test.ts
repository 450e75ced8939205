/**
 * Per-customer overrides (issue 16 point 6) with the real worker, activities and Postgres on the
 * time-skipping server: a subscription whose `plan_overrides` price it differently from its plan is
 * billed on its child plan while another subscription on the plan is billed at list price; the
 * parent never changes and GET /plans never lists the child; a second override updates the child
 * in place; the subscription's charge routes; `cascade_updates`. Every figure is worked out by hand.
 */
import { moveClockTo } from '../support/temporal';
import { useWorkflowTestbed } from '../support/testbed';
import { createPlan, settle, sleepUntil, subscribe } from '../support/scenario';

const bed = useWorkflowTestbed('plan-overrides-test');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function usage(transactionId: string, subscription: string, n: number, region = 'eu'): Promise<void> {
  await bed.api.post('/events', { event: { transaction_id: transactionId, code: 'calls', external_subscription_id: subscription, properties: { n, region } } }).expect(200);
}

async function invoicesOf(customer: string): Promise<Json[]> {
  const response = await bed.api.get(`/invoices?external_customer_id=${customer}&per_page=100`).expect(200);
  return (response.body.invoices as Json[]).sort((a, b) => a.sequential_id - b.sequential_id);
}

const feeRows = (invoice: Json) => (invoice.fees as Json[]).map((fee) => [`${fee.item.type}:${fee.item.code}`, fee.units, fee.amount_cents]);

let parentPlanId: string;
let parentChargeId: string;

beforeAll(async () => {
  await moveClockTo(bed.env, '2031-01-01T00:05:00Z');
  await bed.api.post('/billable_metrics', { billable_metric: {
    name: 'Calls', code: 'calls', aggregation_type: 'sum_agg', field_name: 'n', filters: [{ key: 'region', values: ['eu', 'us'] }],
  } }).expect(200);
  const metric = (await bed.api.get('/billable_metrics/calls').expect(200)).body.billable_metric as Json;
  // The plan: 50.00 a month in arrears, calls at 1.00 each.
  await createPlan(bed.api, {
    name: 'Base', code: 'base', interval: 'monthly', amount_cents: 5000, amount_currency: 'EUR', pay_in_advance: false,
    charges: [{ billable_metric_id: metric.lago_id, code: 'calls_charge', charge_model: 'standard', properties: { amount: '1' } }],
  });
  const plan = (await bed.api.get('/plans/base').expect(200)).body.plan as Json;
  parentPlanId = plan.lago_id;
  parentChargeId = plan.charges[0].lago_id;
  for (const customer of ['olga', 'pat']) await bed.api.post('/customers', { customer: { external_id: customer, currency: 'EUR', timezone: 'UTC' } }).expect(200);
});

it('an overridden subscription is billed 40.00 + 100 × 0.50 = 90.00 while one on the plan is billed 50.00 + 100 × 1.00 = 150.00; the plan is unchanged', async () => {
  const olga = await subscribe(bed.api, {
    external_customer_id: 'olga', plan_code: 'base', external_id: 'olga-sub', billing_time: 'calendar',
    plan_overrides: { amount_cents: 4000, name: 'Base for Olga', charges: [{ id: parentChargeId, properties: { amount: '0.5' } }] },
  });
  await subscribe(bed.api, { external_customer_id: 'pat', plan_code: 'base', external_id: 'pat-sub', billing_time: 'calendar' });
  await settle(bed.env);

  // Olga's plan is a child of the plan: same code, its own id, the overrides applied.
  const child = olga.plan as Json;
  expect([olga.plan_code, olga.plan_amount_cents, child.code, child.parent_id, child.amount_cents, child.name]).toEqual(['base', 4000, 'base', parentPlanId, 4000, 'Base for Olga']);
  expect(child.lago_id).not.toBe(parentPlanId);
  const olgaCharges = (await bed.api.get('/subscriptions/olga-sub/charges').expect(200)).body.charges as Json[];
  expect(olgaCharges.map((charge) => [charge.code, charge.properties.amount, charge.lago_parent_id])).toEqual([['calls_charge', '0.5', parentChargeId]]);
  // Pat's subscription reads the plan's own charge.
  const patCharge = (await bed.api.get('/subscriptions/pat-sub/charges/calls_charge').expect(200)).body.charge as Json;
  expect([patCharge.lago_id, patCharge.properties.amount, patCharge.lago_parent_id]).toEqual([parentChargeId, '1', null]);

  // GET /plans lists the plan alone, unchanged; the code still names the plan.
  const plans = (await bed.api.get('/plans').expect(200)).body.plans as Json[];
  expect(plans.map((plan) => [plan.lago_id, plan.amount_cents, plan.name, plan.parent_id, plan.charges[0].properties.amount])).toEqual([[parentPlanId, 5000, 'Base', null, '1']]);

  await usage('olga-1', 'olga-sub', 60);
  await usage('olga-2', 'olga-sub', 40);
  await usage('pat-1', 'pat-sub', 100);
  await sleepUntil(bed.env, '2031-01-31T12:00:00Z');

  // Current usage reads the child: 100 × 0.50 = 50.00 for Olga, 100 × 1.00 = 100.00 for Pat.
  const olgaUsage = (await bed.api.get('/customers/olga/current_usage?external_subscription_id=olga-sub').expect(200)).body.customer_usage as Json;
  const patUsage = (await bed.api.get('/customers/pat/current_usage?external_subscription_id=pat-sub').expect(200)).body.customer_usage as Json;
  expect([olgaUsage.amount_cents, patUsage.amount_cents]).toEqual([5000, 10000]);
  const preview = (await bed.api.post('/invoices/preview', { customer: { external_id: 'olga' }, subscriptions: { external_ids: ['olga-sub'] } }).expect(200)).body.invoice as Json;

  await sleepUntil(bed.env, '2031-02-01T12:00:00Z');
  const [olgaInvoice] = await invoicesOf('olga');
  const [patInvoice] = await invoicesOf('pat');
  // Olga: base 40.00 (the override, a full January) + 100 calls × 0.50 = 50.00 → 90.00.
  expect(feeRows(olgaInvoice!)).toEqual([['subscription:base', '1.0', 4000], ['charge:calls', '100.0', 5000]]);
  expect(olgaInvoice!.total_amount_cents).toBe(9000);
  // Pat: base 50.00 + 100 calls × 1.00 = 100.00 → 150.00.
  expect(feeRows(patInvoice!)).toEqual([['subscription:base', '1.0', 5000], ['charge:calls', '100.0', 10000]]);
  expect(patInvoice!.total_amount_cents).toBe(15000);
  // The preview taken on Jan 31 is the invoice issued.
  expect([feeRows(preview), preview.total_amount_cents]).toEqual([feeRows(olgaInvoice!), 9000]);

  // POST /subscriptions again with the plan's code: the same subscription (compared by the parent), not a plan change.
  const again = await subscribe(bed.api, { external_customer_id: 'olga', plan_code: 'base', external_id: 'olga-sub' });
  expect([again.lago_id, (again.plan as Json).lago_id, again.plan_amount_cents]).toEqual([olga.lago_id, child.lago_id, 4000]);
});

it('PUT /subscriptions overrides: a child created on the first, updated in place on the second; refusals change nothing', async () => {
  const first = (await bed.api.put('/subscriptions/pat-sub', { subscription: { plan_overrides: { amount_cents: 3000 } } }).expect(200)).body.subscription as Json;
  expect([first.plan.parent_id, first.plan.amount_cents, first.plan_amount_cents]).toEqual([parentPlanId, 3000, 3000]);
  const second = (await bed.api.put('/subscriptions/pat-sub', { subscription: { plan_overrides: { invoice_display_name: 'Pat deal' } } }).expect(200)).body.subscription as Json;
  // The same child, the earlier override kept.
  expect([second.plan.lago_id, second.plan.amount_cents, second.plan.invoice_display_name]).toEqual([first.plan.lago_id, 3000, 'Pat deal']);
  expect(Number((await bed.database.db('plans').where({ parent_id: parentPlanId }).count('id as n'))[0]!.n)).toBe(2);

  // Refused, naming the field; nothing changes.
  const refused = async (body: Json, status: number, details: Json | string) => {
    const response = await bed.api.put('/subscriptions/pat-sub', { subscription: { plan_overrides: body } });
    expect([response.status, typeof details === 'string' ? response.body.code : response.body.error_details]).toEqual([status, details]);
  };
  await refused({ amount_cents: 1, trial_period: 10 }, 422, { 'plan_overrides.trial_period': ['not_editable'] });
  await refused({ amount_cents: 1, amount_currency: 'USD' }, 422, { 'plan_overrides.amount_currency': ['currencies_does_not_match'] });
  await refused({ amount_cents: 1, charges: [{ id: '00000000-0000-4000-8000-000000000000', properties: { amount: '1' } }] }, 404, 'charge_not_found');
  await refused({ amount_cents: 1, charges: [{ id: parentChargeId, properties: { amount: 'x' } }] }, 422, { 'plan_overrides.charges.0.properties.amount': ['invalid_amount'] });
  await refused({ fixed_charges: [{ id: parentChargeId, units: 2 }] }, 422, { 'plan_overrides.fixed_charges': ['feature_not_supported'] });
  expect(((await bed.api.get('/subscriptions/pat-sub').expect(200)).body.subscription as Json).plan_amount_cents).toBe(3000);
  expect(((await bed.api.get('/plans/base').expect(200)).body.plan as Json).amount_cents).toBe(5000);

  // A new subscription by the plan's code is on the plan, never on a child.
  const quinn = await subscribe(bed.api, { external_customer_id: 'olga', plan_code: 'base', external_id: 'quinn-sub' });
  expect([(quinn.plan as Json).lago_id, quinn.plan_amount_cents]).toEqual([parentPlanId, 5000]);
  await bed.api.delete('/subscriptions/quinn-sub').expect(200);
  await settle(bed.env);
});

it('cascade_updates reaches the children whose charge was not overridden; without it, children keep theirs', async () => {
  const amountOf = async (subscription: string) => ((await bed.api.get(`/subscriptions/${subscription}/charges/calls_charge`).expect(200)).body.charge as Json).properties.amount;
  // Pat's child copied the charge at 1.00 (not overridden); Olga's overrode it to 0.50.
  await bed.api.put('/plans/base/charges/calls_charge', { charge: { properties: { amount: '2' }, cascade_updates: true } }).expect(200);
  expect([await amountOf('pat-sub'), await amountOf('olga-sub')]).toEqual(['2', '0.5']);
  await bed.api.put('/plans/base/charges/calls_charge', { charge: { properties: { amount: '3' } } }).expect(200);
  expect([await amountOf('pat-sub'), await amountOf('olga-sub')]).toEqual(['2', '0.5']);
  // Where Billow does not cascade, true is refused rather than ignored.
  const refusal = await bed.api.put('/plans/base', { plan: { amount_cents: 100, cascade_updates: true } });
  expect([refusal.status, refusal.body.error_details]).toEqual([422, { cascade_updates: ['feature_not_supported'] }]);
});

it("a subscription's charge and filter routes override its charge; the March invoice bills 30.00 + 40 × 0.25 + 20 × 0.10 = 42.00", async () => {
  const put = (await bed.api.put('/subscriptions/pat-sub/charges/calls_charge', { charge: { properties: { amount: '0.25' }, invoice_display_name: 'Pat calls' } }).expect(200)).body.charge as Json;
  expect([put.properties.amount, put.invoice_display_name, put.lago_parent_id]).toEqual(['0.25', 'Pat calls', parentChargeId]);
  // The plan keeps 3.00 (its last change).
  expect(((await bed.api.get('/plans/base/charges/calls_charge').expect(200)).body.charge as Json).properties.amount).toBe('3');
  const bad = await bed.api.put('/subscriptions/pat-sub/charges/calls_charge', { charge: { properties: { amount: '-1' } } });
  expect([bad.status, bad.body.error_details]).toEqual([422, { 'properties.amount': ['invalid_amount'] }]);
  await bed.api.put('/subscriptions/pat-sub/charges/nope', { charge: { properties: { amount: '1' } } }).expect(404);

  const base = '/subscriptions/pat-sub/charges/calls_charge/filters';
  const created = (await bed.api.post(base, { filter: { values: { region: ['us'] }, properties: { amount: '0.5' } } }).expect(200)).body.filter as Json;
  expect([created.charge_code, created.values, created.properties.amount]).toEqual(['calls_charge', { region: ['us'] }, '0.5']);
  const updated = (await bed.api.put(`${base}/${created.lago_id}`, { filter: { properties: { amount: '0.1' }, invoice_display_name: 'US calls' } }).expect(200)).body.filter as Json;
  expect([updated.lago_id, updated.properties.amount, updated.invoice_display_name]).toEqual([created.lago_id, '0.1', 'US calls']);
  expect(((await bed.api.get(base).expect(200)).body.filters as Json[]).map((filter) => filter.lago_id)).toEqual([created.lago_id]);
  const extra = (await bed.api.post(base, { filter: { values: { region: ['eu'] }, properties: { amount: '9' } } }).expect(200)).body.filter as Json;
  await bed.api.delete(`${base}/${extra.lago_id}`).expect(200);
  await bed.api.get(`${base}/${extra.lago_id}`).expect(404);
  // The plan's charge has no filter.
  expect(((await bed.api.get('/plans/base/charges/calls_charge/filters').expect(200)).body.filters as Json[])).toEqual([]);

  await usage('pat-eu', 'pat-sub', 40, 'eu');
  await usage('pat-us', 'pat-sub', 20, 'us');
  await sleepUntil(bed.env, '2031-03-01T12:00:00Z');
  const february = (await invoicesOf('pat'))[1]!;
  // Base 30.00 (the PUT override); 40 EU calls at the charge's 0.25 = 10.00; 20 US calls at the filter's 0.10 = 2.00 → 42.00.
  expect(february.fees_amount_cents).toBe(4200);
  expect(february.total_amount_cents).toBe(4200);
  expect((february.fees as Json[]).find((fee) => fee.item.type === 'subscription')!.amount_cents).toBe(3000);
});

it('a subscription moved onto its child keeps its fixed-charge units and its plan\'s entitlements; April bills 20.00 + 5 seats × 10.00 = 70.00', async () => {
  await bed.api.post('/features', { feature: { code: 'seats', privileges: [{ code: 'max', value_type: 'integer' }] } }).expect(200);
  const seat = (await bed.api.post('/add_ons', { add_on: { name: 'Seat', code: 'seat', amount_cents: 1000, amount_currency: 'EUR' } }).expect(200)).body.add_on as Json;
  // 0.00 base in arrears; seats at 10.00 each, not prorated (the last day's units in full).
  await createPlan(bed.api, {
    name: 'Seats', code: 'seats', interval: 'monthly', amount_cents: 0, amount_currency: 'EUR', pay_in_advance: false,
    fixed_charges: [{ add_on_id: seat.lago_id, code: 'seat', charge_model: 'standard', units: 2, properties: { amount: '10' } }],
  });
  await bed.api.post('/plans/seats/entitlements', { entitlements: { seats: { max: 7 } } }).expect(200);
  await bed.api.post('/customers', { customer: { external_id: 'rae', currency: 'EUR', timezone: 'UTC' } }).expect(200);
  await sleepUntil(bed.env, '2031-04-01T06:00:00Z');
  await subscribe(bed.api, { external_customer_id: 'rae', plan_code: 'seats', external_id: 'rae-sub', billing_time: 'calendar' });
  await settle(bed.env);
  await bed.api.put('/subscriptions/rae-sub/fixed_charges/seat', { fixed_charge: { units: '5', apply_units_immediately: true } }).expect(200);
  const parentSeat = ((await bed.api.get('/plans/seats/fixed_charges/seat').expect(200)).body.fixed_charge as Json).lago_id;

  const moved = (await bed.api.put('/subscriptions/rae-sub', { subscription: { plan_overrides: { amount_cents: 2000 } } }).expect(200)).body.subscription as Json;
  expect([moved.plan.parent_id, moved.plan.amount_cents]).toEqual([expect.any(String), 2000]);
  const seatNow = (await bed.api.get('/subscriptions/rae-sub/fixed_charges/seat').expect(200)).body.fixed_charge as Json;
  // The child's copy of the fixed charge, with the subscription's 5 units carried over.
  expect([seatNow.units, seatNow.lago_parent_id]).toEqual([5, parentSeat]);
  const granted = (await bed.api.get('/subscriptions/rae-sub/entitlements').expect(200)).body.entitlements as Json[];
  expect(granted.map((entitlement) => [entitlement.code, entitlement.privileges.map((privilege: Json) => privilege.value)])).toEqual([['seats', [7]]]);

  await sleepUntil(bed.env, '2031-05-01T12:00:00Z');
  const [april] = await invoicesOf('rae');
  // Base 20.00 (the override) + 5 seats × 10.00 = 50.00 → 70.00.
  expect([april!.fees_amount_cents, april!.total_amount_cents]).toEqual([7000, 7000]);
});

it('a subscription on a child upgrades to another plan, with overrides of its own: a child of the new plan', async () => {
  await createPlan(bed.api, { name: 'Premium', code: 'premium', interval: 'monthly', amount_cents: 6000, amount_currency: 'EUR', pay_in_advance: false });
  const premiumId = ((await bed.api.get('/plans/premium').expect(200)).body.plan as Json).lago_id;
  // Olga pays 40.00 on her child of base; premium at 55.00 (overridden) is worth more a year: an upgrade, applied at once.
  const upgraded = await subscribe(bed.api, { external_customer_id: 'olga', plan_code: 'premium', external_id: 'olga-sub', plan_overrides: { amount_cents: 5500 } });
  await settle(bed.env);
  expect([upgraded.plan_code, upgraded.status, upgraded.previous_plan_code, upgraded.plan_amount_cents, (upgraded.plan as Json).parent_id]).toEqual(['premium', 'active', 'base', 5500, premiumId]);
  expect(((await bed.api.get('/plans/premium').expect(200)).body.plan as Json).amount_cents).toBe(6000);
});

it("a plan's new code reaches its children: a subscription on a child answers the plan's code", async () => {
  await bed.api.put('/plans/base', { plan: { code: 'base_v2' } }).expect(200);
  const pat = (await bed.api.get('/subscriptions/pat-sub').expect(200)).body.subscription as Json;
  expect([pat.plan_code, pat.plan.code, pat.plan.parent_id]).toEqual(['base_v2', 'base_v2', parentPlanId]);
  // The plan answers by its new code only.
  await bed.api.get('/plans/base').expect(404);
  expect(((await bed.api.get('/plans/base_v2').expect(200)).body.plan as Json).lago_id).toBe(parentPlanId);
});
