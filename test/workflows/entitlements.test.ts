/**
 * A subscription's entitlements follow its plan changes (issue 16 point 7), on the time-skipping
 * server with the real worker: an upgrade changes the answer the moment it is made, a downgrade the
 * moment it takes effect at the period's end. Entitlements are computed from the plan the active
 * subscription is on when asked; an override belongs to the subscription it was made on (Lago's
 * semantics: the upgrade's new subscription starts from its new plan).
 */
import { moveClockTo } from '../support/temporal';
import { useWorkflowTestbed } from '../support/testbed';
import { createPlan, sleepUntil, subscribe, settle } from '../support/scenario';

const TASK_QUEUE = 'entitlements-test';
const bed = useWorkflowTestbed(TASK_QUEUE);

type Entitlement = { code: string; privileges: { code: string; value: unknown; plan_value: unknown; override_value: unknown }[] };

/** `feature.privilege = value (plan value, override)` for each privilege of the answer, sorted by feature. */
async function granted(query = ''): Promise<string[]> {
  const res = await bed.api.get(`/subscriptions/flip-sub/entitlements${query}`);
  if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
  return (res.body.entitlements as Entitlement[]).flatMap((e) => e.privileges.map((p) => `${e.code}.${p.code} = ${String(p.value)} (${String(p.plan_value)}, ${String(p.override_value)})`));
}

it('an upgrade flips the entitlements at once, a downgrade when it takes effect; overrides stay with their subscription', async () => {
  await moveClockTo(bed.env, '2034-03-10T09:00:00Z');
  await bed.api.post('/features', { feature: { code: 'seats', privileges: [{ code: 'max', value_type: 'integer' }] } }).expect(200);
  await bed.api.post('/features', { feature: { code: 'sso', privileges: [{ code: 'provider', value_type: 'select', config: { select_options: ['google', 'okta'] } }] } }).expect(200);
  await createPlan(bed.api, { name: 'Basic', code: 'basic', interval: 'monthly', amount_cents: 1000, amount_currency: 'USD', pay_in_advance: true });
  await createPlan(bed.api, { name: 'Pro', code: 'pro', interval: 'monthly', amount_cents: 5000, amount_currency: 'USD', pay_in_advance: true });
  await bed.api.post('/plans/basic/entitlements', { entitlements: { seats: { max: 3 } } }).expect(200);
  await bed.api.post('/plans/pro/entitlements', { entitlements: { seats: { max: 50 }, sso: { provider: 'okta' } } }).expect(200);
  await bed.api.post('/customers', { customer: { external_id: 'flip', currency: 'USD', timezone: 'UTC' } }).expect(200);

  await subscribe(bed.api, { external_customer_id: 'flip', plan_code: 'basic', external_id: 'flip-sub', billing_time: 'calendar' });
  await settle(bed.env);
  expect(await granted()).toEqual(['seats.max = 3 (3, null)']);
  // This subscription's own override: 5 seats instead of the plan's 3.
  await bed.api.patch('/subscriptions/flip-sub/entitlements', { entitlements: { seats: { max: 5 } } }).expect(200);
  expect(await granted()).toEqual(['seats.max = 5 (3, 5)']);

  // The upgrade (5000 > 1000) happens on the request: the next answer is pro's, without basic's override.
  await sleepUntil(bed.env, '2034-03-15T09:00:00Z');
  expect(await granted()).toEqual(['seats.max = 5 (3, 5)']);
  const upgraded = await subscribe(bed.api, { external_customer_id: 'flip', plan_code: 'pro', external_id: 'flip-sub' });
  expect(upgraded).toMatchObject({ plan_code: 'pro', status: 'active', previous_plan_code: 'basic' });
  expect(await granted()).toEqual(['seats.max = 50 (50, null)', 'sso.provider = okta (okta, null)']);
  // The terminated basic subscription keeps its own answer.
  expect(await granted('?subscription_status=terminated')).toEqual(['seats.max = 5 (3, 5)']);
  await settle(bed.env);

  // A downgrade waits for the period's end (calendar: 2034-04-01): until then pro's; its pending subscription is basic's.
  const downgrading = await subscribe(bed.api, { external_customer_id: 'flip', plan_code: 'basic', external_id: 'flip-sub' });
  expect(downgrading).toMatchObject({ plan_code: 'pro', next_plan_code: 'basic', downgrade_plan_date: '2034-04-01' });
  expect(await granted('?subscription_status=pending')).toEqual(['seats.max = 3 (3, null)']);
  await sleepUntil(bed.env, '2034-03-31T23:00:00Z');
  expect(await granted()).toEqual(['seats.max = 50 (50, null)', 'sso.provider = okta (okta, null)']);
  await sleepUntil(bed.env, '2034-04-01T01:00:00Z');
  await settle(bed.env);
  expect(await granted()).toEqual(['seats.max = 3 (3, null)']);
  const active = await bed.api.get('/subscriptions/flip-sub').expect(200);
  expect(active.body.subscription).toMatchObject({ plan_code: 'basic', previous_plan_code: 'pro' });
});
