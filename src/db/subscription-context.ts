/**
 * The one loader of a subscription with everything billing it needs: its plan, customer and
 * organization, the timezone and terms the billing core works with, and the taxes that may apply
 * (Lago's precedence is applied by `applicableTaxes` in the core). Invoicing, current usage,
 * termination credits, plan changes and the API presenter all start from it.
 */
import type { Conn, Tx } from './knex';
import { findSubscriptionById, type SubscriptionRow } from './subscriptions';
import { findPlanById, type PlanRow } from './plans';
import { findCustomerById, type CustomerRow } from './customers';
import { findOrganization, type OrganizationRow } from './organizations';
import { findMinimumCommitment, type CommitmentRow } from './commitments';
import { Dec } from '../billing/money';
import { applicableTimezone, subscriptionTerms } from '../billing/subscription-terms';
import type { SubscriptionTerms } from '../billing/periods';
import type { TaxRate } from '../billing/fee-lines';
import { liveFixedChargesOfPlans, type FixedChargeWithAddOn } from './fixed-charges';
import { taxesOfOwners } from './taxes';
import { hasReadMemo, memoized, remember } from './read-memo';

export interface SubscriptionContext {
  subscription: SubscriptionRow;
  plan: PlanRow;
  customer: CustomerRow;
  organization: OrganizationRow;
  timezone: string;
  terms: SubscriptionTerms;
  /** The taxes linked to the customer, the plan, each of the plan's charges (by charge id) and its minimum commitment. */
  taxes: { customer: TaxRate[]; plan: TaxRate[]; charges: Map<string, TaxRate[]>; commitment: TaxRate[] };
  /** The plan's live fixed charges (migration 021), each with its own taxes. */
  fixedCharges: { charge: FixedChargeWithAddOn; taxes: TaxRate[] }[];
  /** The plan's minimum commitment (migration 020), or null. */
  minimumCommitment: CommitmentRow | null;
}

/** The context of a subscription that must exist (ids come from the workflow or a row just read). */
export async function loadSubscriptionContext(conn: Conn, subscriptionId: string): Promise<SubscriptionContext> {
  const subscription = await memoized(conn, `subscription:${subscriptionId}`, () => findSubscriptionById(conn, subscriptionId));
  if (!subscription) throw new Error(`Subscription ${subscriptionId} does not exist`);
  return contextOf(conn, subscription);
}

/** The context of a subscription row already read. */
export async function contextOf(conn: Conn, subscription: SubscriptionRow): Promise<SubscriptionContext> {
  const [plan, customer, organization, taxes, fixedCharges, minimumCommitment] = await Promise.all([
    // In a transaction with a read memo (a period close), a customer's subscriptions share these reads.
    memoized(conn, `plan:${subscription.organization_id}:${subscription.plan_id}`, () => findPlanById(conn, subscription.organization_id, subscription.plan_id)),
    memoized(conn, `customer:${subscription.customer_id}`, () => findCustomerById(conn, subscription.customer_id)),
    memoized(conn, `organization:${subscription.organization_id}`, () => findOrganization(conn, subscription.organization_id)),
    memoized(conn, `taxes:${subscription.customer_id}:${subscription.plan_id}`, () => taxesOf(conn, subscription)),
    memoized(conn, `fixed-charges:${subscription.organization_id}:${subscription.plan_id}`, () => fixedChargesOf(conn, subscription)),
    memoized(conn, `commitment:${subscription.plan_id}`, () => findMinimumCommitment(conn, subscription.plan_id)),
  ]);
  if (!plan || !customer || !organization) throw new Error(`Subscription ${subscription.id} lost its plan, customer or organization`);
  const timezone = applicableTimezone(customer, organization);
  return {
    subscription, plan, customer, organization, timezone, terms: subscriptionTerms(subscription, plan, timezone), taxes, fixedCharges,
    minimumCommitment: minimumCommitment ?? null,
  };
}

async function fixedChargesOf(conn: Conn, subscription: SubscriptionRow): Promise<SubscriptionContext['fixedCharges']> {
  const charges = await liveFixedChargesOfPlans(conn, [subscription.plan_id]);
  const taxes = await taxesOfOwners(conn, subscription.organization_id, 'fixed_charge_taxes', charges.map((charge) => charge.id));
  return charges.map((charge) => ({
    charge,
    taxes: (taxes.get(charge.id) ?? []).map((tax) => ({ id: tax.id, code: tax.code, name: tax.name, description: tax.description, rate: new Dec(tax.rate) })),
  }));
}

interface TaxLinkRow {
  link: 'customer' | 'plan' | 'charge' | 'commitment';
  owner_id: string;
  id: string;
  code: string;
  name: string;
  description: string | null;
  rate: string;
}

const TAX_COLUMNS = 't.id, t.code, t.name, t.description, t.rate';

/** The four kinds of tax links in one query, ordered by tax code. */
async function taxesOf(conn: Conn, subscription: SubscriptionRow): Promise<SubscriptionContext['taxes']> {
  const rows = (await conn.raw(
    `SELECT 'customer' AS link, l.owner_id, ${TAX_COLUMNS} FROM customer_taxes l JOIN taxes t ON t.id = l.tax_id WHERE l.owner_id = :customer
     UNION ALL
     SELECT 'plan', l.owner_id, ${TAX_COLUMNS} FROM plan_taxes l JOIN taxes t ON t.id = l.tax_id WHERE l.owner_id = :plan
     UNION ALL
     SELECT 'charge', l.owner_id, ${TAX_COLUMNS} FROM charge_taxes l JOIN taxes t ON t.id = l.tax_id
       WHERE l.owner_id IN (SELECT id FROM charges WHERE plan_id = :plan)
     UNION ALL
     SELECT 'commitment', l.owner_id, ${TAX_COLUMNS} FROM commitment_taxes l JOIN taxes t ON t.id = l.tax_id
       WHERE l.owner_id IN (SELECT id FROM commitments WHERE plan_id = :plan)
     ORDER BY code`,
    { customer: subscription.customer_id, plan: subscription.plan_id },
  )).rows as TaxLinkRow[];
  return taxesFromLinks(rows);
}

/** Tax links ordered by code, sorted into the context's four kinds. */
function taxesFromLinks(rows: readonly TaxLinkRow[]): SubscriptionContext['taxes'] {
  const taxes: SubscriptionContext['taxes'] = { customer: [], plan: [], charges: new Map(), commitment: [] };
  for (const row of rows) {
    const tax: TaxRate = { id: row.id, code: row.code, name: row.name, description: row.description, rate: new Dec(row.rate) };
    if (row.link === 'customer') taxes.customer.push(tax);
    else if (row.link === 'plan') taxes.plan.push(tax);
    else if (row.link === 'commitment') taxes.commitment.push(tax);
    else taxes.charges.set(row.owner_id, [...(taxes.charges.get(row.owner_id) ?? []), tax]);
  }
  return taxes;
}

/**
 * The taxes of many subscriptions' contexts in one query, left in the transaction's read memo for
 * `contextOf` (a no-op without a memo): for a caller about to present many of them.
 */
export async function rememberTaxesOf(trx: Tx, subscriptions: readonly Pick<SubscriptionRow, 'customer_id' | 'plan_id'>[]): Promise<void> {
  if (subscriptions.length === 0 || !hasReadMemo(trx)) return;
  const customers = [...new Set(subscriptions.map((row) => row.customer_id))];
  const plans = [...new Set(subscriptions.map((row) => row.plan_id))];
  const rows = (await trx.raw(
    `SELECT 'customer' AS link, l.owner_id, l.owner_id AS scope, ${TAX_COLUMNS} FROM customer_taxes l JOIN taxes t ON t.id = l.tax_id
       WHERE l.owner_id = ANY(:customers::uuid[])
     UNION ALL
     SELECT 'plan', l.owner_id, l.owner_id, ${TAX_COLUMNS} FROM plan_taxes l JOIN taxes t ON t.id = l.tax_id WHERE l.owner_id = ANY(:plans::uuid[])
     UNION ALL
     SELECT 'charge', l.owner_id, c.plan_id, ${TAX_COLUMNS} FROM charge_taxes l JOIN taxes t ON t.id = l.tax_id JOIN charges c ON c.id = l.owner_id
       WHERE c.plan_id = ANY(:plans::uuid[])
     UNION ALL
     SELECT 'commitment', l.owner_id, m.plan_id, ${TAX_COLUMNS} FROM commitment_taxes l JOIN taxes t ON t.id = l.tax_id JOIN commitments m ON m.id = l.owner_id
       WHERE m.plan_id = ANY(:plans::uuid[])
     ORDER BY code`,
    { customers, plans },
  )).rows as (TaxLinkRow & { scope: string })[];
  for (const { customer_id: customerId, plan_id: planId } of subscriptions) {
    const links = rows.filter((row) => (row.link === 'customer' ? row.scope === customerId : row.scope === planId));
    remember(trx, `taxes:${customerId}:${planId}`, taxesFromLinks(links));
  }
}
