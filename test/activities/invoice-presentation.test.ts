/**
 * Many invoices presented at once (an overdue sweep's page): `rememberInvoicePresentation` reads
 * what their webhook objects show once for all of them, and each object is then exactly what a
 * fresh read presents. Invoices from real closes (2026-12-01, monthly plans paid in advance, started
 * 2026-11-01): a customer with its own tax, a customer whose two subscriptions share one
 * consolidated invoice, a subscription with a pending downgrade and one that replaced another.
 */
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { insertPlan, insertSubscription, insertTax } from '../support/usage-fixtures';
import { closeBillingDate } from '../../src/services/invoicing';
import { createCoupon } from '../../src/services/catalog';
import { applyCoupon } from '../../src/services/customers';
import { invoiceWebhookObject, rememberInvoicePresentation } from '../../src/services/invoicing/invoice-presenter';
import { openReadMemo } from '../../src/db/read-memo';
import { loadSubscriptionContext } from '../../src/db/subscription-context';
import type { InvoiceRow } from '../../src/db/invoices';
import type { OrganizationRow } from '../../src/db/organizations';

let database: TestDatabase;
let organization: OrganizationRow;
const STARTED = new Date('2026-11-01T00:00:00Z');
const NOW_MS = Date.parse('2026-12-03T00:00:00Z');

beforeAll(async () => {
  database = await createTestDatabase();
  ({ organization } = await createTestOrganization(database.db, 'Presentation Org'));
  const { db } = database;
  const team = await insertPlan(db, organization.id, { code: 'team', amount_cents: 5000, pay_in_advance: true });
  const solo = await insertPlan(db, organization.id, { code: 'solo', amount_cents: 1000, pay_in_advance: true });
  const planTax = await insertTax(db, organization.id, 'vat_20', '20');
  await db('plan_taxes').insert({ owner_id: team.id, tax_id: planTax });
  const subscribe = (customer: string, externalId: string, planId: string) =>
    insertSubscription(db, organization.id, { customerExternalId: customer, externalId, planId, startedAt: STARTED });
  const ana = await subscribe('ana', 'ana-team', team.id);
  await insertTax(db, organization.id, 'local_5', '5', ana.customerId);
  await subscribe('bo', 'bo-team', team.id);
  await subscribe('bo', 'bo-solo', solo.id);
  // Ana downgrades at her next boundary: a pending successor on the solo plan.
  await db('subscriptions').insert({
    organization_id: organization.id, customer_id: ana.customerId, plan_id: solo.id, external_id: 'ana-team', status: 'pending',
    billing_time: 'calendar', subscription_at: new Date('2027-01-01T00:00:00Z'), previous_subscription_id: ana.id, workflow_id: 'subscription/x/ana-next',
  });
  // Cy upgraded from solo to team: the team subscription replaced a terminated solo one.
  const old = await subscribe('cy', 'cy-old', solo.id);
  await db('subscriptions').where({ id: old.id }).update({ status: 'terminated', terminated_at: STARTED });
  const cy = await subscribe('cy', 'cy-team', team.id);
  await db('subscriptions').where({ id: cy.id }).update({ previous_subscription_id: old.id });
  await subscribe('dee', 'dee-solo', solo.id);
  // Fay has a coupon of $3.00 off, applied before the close: the close draws it.
  await subscribe('fay', 'fay-solo', solo.id);
  await createCoupon(db, organization.id, { name: 'Three off', code: 'three_off', coupon_type: 'fixed_amount', amount_cents: 300n, amount_currency: 'USD', frequency: 'once' }, STARTED.getTime());
  await applyCoupon(db, organization.id, { external_customer_id: 'fay', coupon_code: 'three_off' }, STARTED.getTime());
  for (const row of await db('subscriptions').where({ organization_id: organization.id, status: 'active' })) {
    await closeBillingDate(db, { subscriptionId: row.id, billingDate: '2026-12-01' });
  }
});

afterAll(async () => database?.drop());

const invoicesOf = (customers: string[]): Promise<InvoiceRow[]> => database.db<InvoiceRow>('invoices')
  .join('customers', 'customers.id', 'invoices.customer_id').whereIn('customers.external_id', customers)
  .where('invoices.organization_id', organization.id).orderBy('invoices.id').select('invoices.*');

/** The objects presented inside one transaction after the page's reads, and how many statements that took. */
async function presentedTogether(invoices: InvoiceRow[]): Promise<{ objects: unknown[]; statements: number }> {
  let statements = 0;
  const count = () => { statements += 1; };
  database.db.on('query', count);
  try {
    const objects = await database.db.transaction(async (trx) => {
      openReadMemo(trx);
      await rememberInvoicePresentation(trx, organization.id, invoices);
      const presented: unknown[] = [];
      for (const invoice of invoices) presented.push(await invoiceWebhookObject(trx, invoice, null, NOW_MS));
      return presented;
    });
    return { objects, statements };
  } finally {
    database.db.off('query', count);
  }
}

it('each invoice of a page is presented exactly as a fresh read presents it: subscriptions, plan changes, taxes, fees', async () => {
  const invoices = await invoicesOf(['ana', 'bo', 'cy', 'dee']);
  expect(invoices).toHaveLength(4); // Bo's two subscriptions share one invoice
  const fresh = [];
  for (const invoice of invoices) fresh.push(await invoiceWebhookObject(database.db, invoice, null, NOW_MS));
  const { objects } = await presentedTogether(invoices);
  expect(objects).toEqual(fresh);
  // What the page shows is what the fixtures hold, not only what both reads agree on.
  const byCustomer = new Map(fresh.map((object) => [(object as { customer: { external_id: string } }).customer.external_id, object as Record<string, any>])); // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(byCustomer.get('ana')!.subscriptions).toEqual([expect.objectContaining({ external_id: 'ana-team', plan_code: 'team', next_plan_code: 'solo' })]);
  expect(byCustomer.get('cy')!.subscriptions).toEqual([expect.objectContaining({ external_id: 'cy-team', previous_plan_code: 'solo' })]);
  expect(byCustomer.get('bo')!.subscriptions.map((s: { external_id: string }) => s.external_id).sort()).toEqual(['bo-solo', 'bo-team']);
  // Ana: 5,000 team fee; the plan's 20 % wins over her own 5 % (Lago: the most specific link applies) = 6,000.
  // Bo: 5,000 × 1.20 + 1,000 untaxed = 7,000. Dee: 1,000 untaxed.
  expect([byCustomer.get('ana')!.total_amount_cents, byCustomer.get('bo')!.total_amount_cents, byCustomer.get('dee')!.total_amount_cents]).toEqual([6000, 7000, 1000]);
});

it('a page of four invoices reads as many statements as a page of two of the same plans', async () => {
  const two = await presentedTogether(await invoicesOf(['bo', 'cy']));
  const four = await presentedTogether(await invoicesOf(['ana', 'bo', 'cy', 'dee']));
  expect(four.objects).toHaveLength(4);
  expect(four.statements).toBe(two.statements);
});

it("the taxes a page reads for its subscriptions' contexts are the ones each context reads alone", async () => {
  const subscriptions = await database.db('subscriptions').where({ organization_id: organization.id, status: 'active' }).orderBy('external_id');
  const alone = [];
  for (const row of subscriptions) alone.push((await loadSubscriptionContext(database.db, row.id)).taxes);
  const together = await database.db.transaction(async (trx) => {
    openReadMemo(trx);
    await rememberInvoicePresentation(trx, organization.id, await invoicesOf(['ana', 'bo', 'cy', 'dee']));
    const taxes = [];
    for (const row of subscriptions) taxes.push((await loadSubscriptionContext(trx, row.id)).taxes);
    return taxes;
  });
  expect(together).toEqual(alone);
  // Ana's context holds her own 5 % and the team plan's 20 %, whichever the core then applies.
  const ana = together[subscriptions.findIndex((row) => row.external_id === 'ana-team')]!;
  expect([ana.customer.map((tax) => tax.code), ana.plan.map((tax) => tax.code)]).toEqual([['local_5'], ['vat_20']]);
});

it("an invoice's fees of one type are listed in the order its writer wrote them, its parts' order, by every read", async () => {
  const { db } = database;
  const plan = await insertPlan(db, organization.id, { code: 'seat', amount_cents: 100, pay_in_advance: true });
  // Twelve subscriptions of one customer, created one after the other: one consolidated invoice of
  // twelve subscription fees written by one statement, so they share their type and creation instant.
  const ids: string[] = [];
  for (let i = 0; i < 12; i += 1) {
    ids.push((await insertSubscription(db, organization.id, { customerExternalId: 'eve', externalId: `eve-${String(i).padStart(2, '0')}`, planId: plan.id, startedAt: STARTED })).id);
  }
  await closeBillingDate(db, { subscriptionId: ids[0]!, billingDate: '2026-12-01' });
  const [invoice] = await invoicesOf(['eve']);
  const expected = Array.from({ length: 12 }, (_, i) => `eve-${String(i).padStart(2, '0')}`);
  const fresh = (await invoiceWebhookObject(db, invoice!, null, NOW_MS)) as { fees: { external_subscription_id: string }[] };
  expect(fresh.fees.map((fee) => fee.external_subscription_id)).toEqual(expected);
  const { objects } = await presentedTogether(await invoicesOf(['ana', 'bo', 'cy', 'dee', 'eve']));
  const together = objects.find((object) => (object as { lago_id: string }).lago_id === invoice!.id) as typeof fresh;
  expect(together.fees.map((fee) => fee.external_subscription_id)).toEqual(expected);
});

it("a close's invoice.created carries the coupon credit it drew, and none where it drew none", async () => {
  const createdPayload = async (customer: string) => {
    const [invoice] = await invoicesOf([customer]);
    const event = await database.db('webhook_events').where({ organization_id: organization.id, webhook_type: 'invoice.created', object_id: invoice!.id }).first();
    return event.payload.invoice as { fees_amount_cents: number; coupons_amount_cents: number; total_amount_cents: number; credits: { amount_cents: number; item: { type: string; code: string } }[] };
  };
  // December in advance, $10.00; Fay's coupon takes $3.00 of it.
  const fay = await createdPayload('fay');
  expect(fay).toMatchObject({ fees_amount_cents: 1000, coupons_amount_cents: 300, total_amount_cents: 700 });
  expect(fay.credits).toHaveLength(1);
  expect(fay.credits[0]).toMatchObject({ amount_cents: 300, item: { type: 'coupon', code: 'three_off' } });
  const dee = await createdPayload('dee');
  expect(dee).toMatchObject({ fees_amount_cents: 1000, coupons_amount_cents: 0, total_amount_cents: 1000, credits: [] });
});

it("each close's invoice.created carries the invoice exactly as a fresh read presents it (its fees as the writer stored them, in every read's order)", async () => {
  const invoices = await invoicesOf(['ana', 'bo', 'cy', 'dee', 'fay']);
  expect(invoices).toHaveLength(5);
  expect(invoices.some((invoice) => invoice.fees_amount_cents === 6000n)).toBe(true); // Bo's: two fees, team then solo
  for (const invoice of invoices) {
    const event = await database.db('webhook_events').where({ organization_id: organization.id, webhook_type: 'invoice.created', object_id: invoice.id }).first();
    const fresh = JSON.parse(JSON.stringify(await invoiceWebhookObject(database.db, invoice, null)));
    expect(event.payload.invoice).toEqual(fresh);
  }
});
