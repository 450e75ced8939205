/** Plans (the base fee and interval) and their charges. */
import type { Conn, Tx } from './knex';
import type { Interval } from '../billing/types';
import type { Page, Paginated } from '../runtime/pagination';
import { paginate } from './pagination';
import { liveChargesOfPlans, type ChargeWithMetric } from './charges';
import { taxesOfOwners, type TaxWithCounts } from './taxes';
import { entitlementsOfPlans, type EntitlementView } from './entitlements';
import { liveFixedChargesOfPlans, type FixedChargeWithAddOn } from './fixed-charges';
import { thresholdsOfPlans, type UsageThresholdRow } from './usage-thresholds';
import { minimumCommitmentsOfPlans, type CommitmentRow } from './commitments';

export interface PlanRow {
  id: string;
  organization_id: string;
  code: string;
  name: string;
  invoice_display_name: string | null;
  description: string | null;
  interval: Interval;
  amount_cents: bigint;
  amount_currency: string;
  pay_in_advance: boolean;
  trial_period: string;
  bill_charges_monthly: boolean | null;
  /** Fixed charges billed monthly on a yearly or semiannual plan (migration 021); null otherwise. */
  bill_fixed_charges_monthly: boolean | null;
  metadata: unknown;
  /** Set by `DELETE /plans/:code` until the plan's last subscription has ended and the plan is deleted. */
  pending_deletion: boolean;
  /** The plan a child plan (a subscription's overrides, migration 027) was copied from; null for a plan of the catalog. */
  parent_id: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

/** A charge with its taxes, as a plan shows it. */
export interface ChargeView {
  charge: ChargeWithMetric;
  taxes: TaxWithCounts[];
}

/** A fixed charge with its taxes, as a plan shows it. */
export interface FixedChargeView {
  fixedCharge: FixedChargeWithAddOn;
  taxes: TaxWithCounts[];
}

/** A plan's minimum commitment with its own taxes (migration 020). */
export interface CommitmentView {
  commitment: CommitmentRow;
  taxes: TaxWithCounts[];
}

/** A plan with its live charges and fixed charges, the taxes of each, and its minimum commitment if it has one. */
export interface PlanView {
  plan: PlanRow;
  charges: ChargeView[];
  taxes: TaxWithCounts[];
  /** The features the plan grants, with their privileges' values (oldest first). */
  entitlements: EntitlementView[];
  fixedCharges: FixedChargeView[];
  /** Its live usage thresholds, smallest first (migration 023; absent where not loaded). */
  usageThresholds?: UsageThresholdRow[];
  minimumCommitment: CommitmentView | null;
}

export type NewPlan = Pick<PlanRow, 'code' | 'name' | 'interval' | 'amount_cents' | 'amount_currency' | 'pay_in_advance'> &
  Partial<Pick<PlanRow, 'invoice_display_name' | 'description' | 'trial_period' | 'bill_charges_monthly' | 'bill_fixed_charges_monthly' | 'metadata'>>;

export async function insertPlan(db: Conn, organizationId: string, plan: NewPlan): Promise<PlanRow> {
  const [row] = await db<PlanRow>('plans').insert({ ...plan, organization_id: organizationId }).returning('*');
  return row!;
}

/** The organization's live plans of the catalog: a child plan (a subscription's overrides) is never found by its code. */
export function livePlans(db: Conn, organizationId: string) {
  return db<PlanRow>('plans').where({ organization_id: organizationId }).whereNull('deleted_at').whereNull('parent_id');
}

/** One page of the organization's live plans, newest first. */
export async function listLivePlans(db: Conn, organizationId: string, page: Page): Promise<Paginated<PlanRow>> {
  return paginate<PlanRow>(livePlans(db, organizationId).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]), page);
}

export async function findPlanByCode(db: Conn, organizationId: string, code: string): Promise<PlanRow | undefined> {
  return livePlans(db, organizationId).where({ code }).first();
}

export async function findPlansByCodes(db: Conn, organizationId: string, codes: readonly string[]): Promise<PlanRow[]> {
  if (codes.length === 0) return [];
  return livePlans(db, organizationId).whereIn('code', [...new Set(codes)]);
}

export async function findPlanById(db: Conn, organizationId: string, id: string): Promise<PlanRow | undefined> {
  return db<PlanRow>('plans').where({ organization_id: organizationId, id }).first();
}

/** Plans with their live charges and the taxes of both, in one round of queries. */
export async function loadPlanViews(db: Conn, organizationId: string, plans: readonly PlanRow[]): Promise<PlanView[]> {
  const charges = await liveChargesOfPlans(db, plans.map((plan) => plan.id));
  const planTaxes = await taxesOfOwners(db, organizationId, 'plan_taxes', plans.map((plan) => plan.id));
  const chargeTaxes = await taxesOfOwners(db, organizationId, 'charge_taxes', charges.map((charge) => charge.id));
  const entitlements = await entitlementsOfPlans(db, plans.map((plan) => plan.id));
  const fixedCharges = await liveFixedChargesOfPlans(db, plans.map((plan) => plan.id));
  const fixedChargeTaxes = await taxesOfOwners(db, organizationId, 'fixed_charge_taxes', fixedCharges.map((charge) => charge.id));
  const thresholds = await thresholdsOfPlans(db, plans.map((plan) => plan.id));
  const commitments = await minimumCommitmentsOfPlans(db, plans.map((plan) => plan.id));
  const commitmentTaxes = await taxesOfOwners(db, organizationId, 'commitment_taxes', [...commitments.values()].map((commitment) => commitment.id));
  return plans.map((plan) => ({
    plan,
    charges: charges.filter((charge) => charge.plan_id === plan.id).map((charge) => ({ charge, taxes: chargeTaxes.get(charge.id) ?? [] })),
    taxes: planTaxes.get(plan.id) ?? [],
    entitlements: entitlements.get(plan.id) ?? [],
    fixedCharges: fixedCharges.filter((charge) => charge.plan_id === plan.id).map((fixedCharge) => ({ fixedCharge, taxes: fixedChargeTaxes.get(fixedCharge.id) ?? [] })),
    usageThresholds: thresholds.get(plan.id) ?? [],
    minimumCommitment: minimumCommitmentOf(commitments.get(plan.id), commitmentTaxes),
  }));
}

function minimumCommitmentOf(commitment: CommitmentRow | undefined, taxes: Map<string, TaxWithCounts[]>): CommitmentView | null {
  return commitment ? { commitment, taxes: taxes.get(commitment.id) ?? [] } : null;
}

/** Holds the plan's row until the transaction ends, so concurrent updates apply one after the other. */
export async function lockPlan(trx: Tx, id: string): Promise<void> {
  await trx.raw('SELECT id FROM plans WHERE id = ? FOR UPDATE', [id]);
}

export type PlanFields = Partial<Omit<PlanRow, 'id' | 'organization_id' | 'created_at' | 'updated_at' | 'deleted_at' | 'pending_deletion' | 'parent_id'>>;

export async function updatePlan(db: Conn, id: string, fields: PlanFields): Promise<PlanRow> {
  const [row] = await db<PlanRow>('plans').where({ id }).update({ ...fields, updated_at: db.fn.now() } as never).returning('*');
  return row!;
}

/** Soft-deletes the plan (no longer pending deletion: it is gone, as Lago's destroy leaves it). */
export async function softDeletePlan(db: Conn, id: string): Promise<PlanRow> {
  const [row] = await db<PlanRow>('plans').where({ id }).update({ deleted_at: db.fn.now(), pending_deletion: false, updated_at: db.fn.now() } as never).returning('*');
  return row!;
}

/** Marks a live plan pending deletion; answers the row as it is now. */
export async function markPlanPendingDeletion(db: Conn, id: string): Promise<PlanRow> {
  const [row] = await db<PlanRow>('plans').where({ id }).whereNull('deleted_at')
    .update({ pending_deletion: true, updated_at: db.fn.now() } as never).returning('*');
  return row!;
}

/** Whether any pending or active subscription is on the plan (its terms then must not change under it). */
export async function planHasLiveSubscriptions(db: Conn, planId: string): Promise<boolean> {
  const row = await db('subscriptions').where({ plan_id: planId }).whereIn('status', ['pending', 'active']).first('id');
  return row !== undefined;
}
