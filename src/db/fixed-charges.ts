/**
 * Fixed charges (migration 021): a plan's quantity-priced recurring fees on add-ons, their taxes
 * (`fixed_charge_taxes`), and each subscription's units history (`fixed_charge_units`, Lago's fixed
 * charge events), read when a period's invoice is computed. Removed fixed charges are soft-deleted
 * (fees of issued invoices keep pointing at them).
 */
import type { Conn } from './knex';
import type { FixedChargeModel } from '../billing/fixed-charges';
import type { Page, Paginated } from '../runtime/pagination';
import { paginate } from './pagination';

export interface FixedChargeRow {
  id: string;
  organization_id: string;
  plan_id: string;
  add_on_id: string;
  code: string;
  invoice_display_name: string | null;
  charge_model: FixedChargeModel;
  pay_in_advance: boolean;
  prorated: boolean;
  properties: Record<string, unknown>;
  /** The plan-level units (numeric, read as a decimal string). */
  units: string;
  /** In a child plan (migration 027): the parent plan's fixed charge this one was copied from. */
  parent_id: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

/** A fixed charge with its add-on's code and names, as plans and fees show it. */
export interface FixedChargeWithAddOn extends FixedChargeRow {
  add_on_code: string;
  add_on_name: string;
  add_on_invoice_display_name: string | null;
  add_on_description: string | null;
}

export type FixedChargeFields = Pick<FixedChargeRow, 'add_on_id' | 'code' | 'invoice_display_name' | 'charge_model' | 'pay_in_advance' | 'prorated' | 'properties' | 'units'>;

function withAddOn(db: Conn) {
  return db('fixed_charges')
    .join('add_ons', 'add_ons.id', 'fixed_charges.add_on_id')
    .select(
      'fixed_charges.*',
      'add_ons.code as add_on_code',
      'add_ons.name as add_on_name',
      'add_ons.invoice_display_name as add_on_invoice_display_name',
      'add_ons.description as add_on_description',
    );
}

/** The live fixed charges of the given plans, oldest first. */
export async function liveFixedChargesOfPlans(db: Conn, planIds: readonly string[]): Promise<FixedChargeWithAddOn[]> {
  if (planIds.length === 0) return [];
  return withAddOn(db)
    .whereIn('fixed_charges.plan_id', [...new Set(planIds)])
    .whereNull('fixed_charges.deleted_at')
    .orderBy([{ column: 'fixed_charges.created_at' }, { column: 'fixed_charges.id' }]) as Promise<FixedChargeWithAddOn[]>;
}

/** One page of a plan's live fixed charges, oldest first. */
export async function fixedChargesPage(db: Conn, planId: string, page: Page): Promise<Paginated<FixedChargeWithAddOn>> {
  return paginate<FixedChargeWithAddOn>(
    withAddOn(db).where('fixed_charges.plan_id', planId).whereNull('fixed_charges.deleted_at')
      .orderBy([{ column: 'fixed_charges.created_at' }, { column: 'fixed_charges.id' }]),
    page,
  );
}

export async function findLiveFixedCharge(db: Conn, planId: string, code: string): Promise<FixedChargeWithAddOn | undefined> {
  return withAddOn(db).where({ 'fixed_charges.plan_id': planId, 'fixed_charges.code': code }).whereNull('fixed_charges.deleted_at').first();
}

/** A fixed charge by id, deleted or not (fees keep pointing at removed ones). */
export async function findFixedChargeById(db: Conn, id: string): Promise<FixedChargeWithAddOn | undefined> {
  return withAddOn(db).where('fixed_charges.id', id).first();
}

export async function insertFixedCharge(db: Conn, organizationId: string, planId: string, fields: FixedChargeFields): Promise<FixedChargeRow> {
  // clock_timestamp(), not now(): fixed charges written in one transaction keep the order they were sent in.
  const [row] = await db('fixed_charges')
    .insert({ ...fields, properties: JSON.stringify(fields.properties), organization_id: organizationId, plan_id: planId, created_at: db.raw('clock_timestamp()') })
    .returning('*');
  return row as FixedChargeRow;
}

export async function updateFixedCharge(db: Conn, id: string, fields: Partial<FixedChargeFields>): Promise<void> {
  const columns = fields.properties === undefined ? fields : { ...fields, properties: JSON.stringify(fields.properties) };
  await db('fixed_charges').where({ id }).update({ ...columns, updated_at: db.fn.now() });
}

export async function softDeleteFixedCharges(db: Conn, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db('fixed_charges').whereIn('id', ids).whereNull('deleted_at').update({ deleted_at: db.fn.now(), updated_at: db.fn.now() });
}

// ---- a subscription's units ---------------------------------------------------------------------

export interface FixedChargeUnitsRow {
  id: string;
  organization_id: string;
  subscription_id: string;
  fixed_charge_id: string;
  units: string;
  effective_at: Date;
  created_at: Date;
  /** The order entries were recorded in (bigserial, read as a string). */
  seq: string;
}

/** A subscription's units entries for the given fixed charges, in the order they were recorded. */
export async function unitsHistory(db: Conn, subscriptionId: string, fixedChargeIds: readonly string[]): Promise<FixedChargeUnitsRow[]> {
  if (fixedChargeIds.length === 0) return [];
  return db<FixedChargeUnitsRow>('fixed_charge_units')
    .where({ subscription_id: subscriptionId })
    .whereIn('fixed_charge_id', [...new Set(fixedChargeIds)])
    .orderBy('seq');
}

export async function insertUnitsEntry(
  db: Conn,
  entry: Pick<FixedChargeUnitsRow, 'organization_id' | 'subscription_id' | 'fixed_charge_id' | 'units' | 'effective_at'>,
): Promise<FixedChargeUnitsRow> {
  const [row] = await db('fixed_charge_units').insert(entry).returning('*');
  return row as FixedChargeUnitsRow;
}

/** Holds the subscription's units of a fixed charge until the transaction ends (changes apply one after the other). */
export async function lockSubscriptionUnits(db: Conn, subscriptionId: string): Promise<void> {
  await db.raw('SELECT id FROM subscriptions WHERE id = ? FOR UPDATE', [subscriptionId]);
}

// ---- what is billed already ---------------------------------------------------------------------

/**
 * The units already billed in advance for a fixed-charge period: Σ units of the subscription's
 * in-advance fees of the fixed charge whose stretch starts within [fromMs, toMs], on invoices that
 * still count (not voided or deleted).
 */
export async function unitsBilledInAdvance(db: Conn, subscriptionId: string, fixedChargeId: string, fromMs: number, toMs: number): Promise<string> {
  const row = await db('fees')
    .join('invoices', 'invoices.id', 'fees.invoice_id')
    .where({ 'fees.subscription_id': subscriptionId, 'fees.fixed_charge_id': fixedChargeId, 'fees.fee_type': 'fixed_charge', 'fees.pay_in_advance': true })
    .whereNotIn('invoices.status', ['voided', 'deleted'])
    .where('fees.from_datetime', '>=', new Date(fromMs))
    .where('fees.from_datetime', '<=', new Date(toMs))
    .first(db.raw('COALESCE(SUM(fees.units), 0)::text AS units'));
  return (row as { units: string } | undefined)?.units ?? '0';
}

/** A fixed-charge fee's stretch, as stored: what the double-billing invariant compares. */
export interface FixedChargeStretchRow {
  subscription_id: string;
  fixed_charge_id: string;
  pay_in_advance: boolean;
  from_datetime: Date;
  to_datetime: Date;
}

/**
 * The period stretches the subscriptions' fixed-charge fees cover (increases billed mid-period
 * excluded: they add to a period's fee by design) on invoices that still count, drafts included;
 * `exceptInvoiceId` is a draft whose fees are about to be replaced.
 */
export async function billedFixedChargeStretches(db: Conn, subscriptionIds: readonly string[], exceptInvoiceId: string | null): Promise<FixedChargeStretchRow[]> {
  if (subscriptionIds.length === 0) return [];
  const query = db('fees')
    .join('invoices', 'invoices.id', 'fees.invoice_id')
    .whereIn('fees.subscription_id', [...new Set(subscriptionIds)])
    .where('fees.fee_type', 'fixed_charge')
    .whereNotIn('invoices.status', ['voided', 'deleted'])
    .whereNotNull('fees.from_datetime')
    .whereNot('fees.fee_key', 'like', '%:increase:%')
    .select('fees.subscription_id', 'fees.fixed_charge_id', 'fees.pay_in_advance', 'fees.from_datetime', 'fees.to_datetime');
  if (exceptInvoiceId) query.whereNot('fees.invoice_id', exceptInvoiceId);
  return query as Promise<FixedChargeStretchRow[]>;
}
