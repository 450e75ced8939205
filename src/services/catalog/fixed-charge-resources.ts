/**
 * A plan's fixed charges as resources of their own (Lago's `/plans/:code/fixed_charges[/:fixed_charge_code]`).
 * Each change is a `PUT /plans` of the plan's whole fixed-charge list (`updatePlanByCode`): the
 * same checks, the same rules on plans with subscriptions, the same writes, under the plan's lock.
 * Problems come back keyed by the fixed charge's own fields (`units`, `properties.amount`) rather
 * than `fixed_charges.<index>.…`; a missing plan or fixed charge is `plan_not_found`,
 * `fixed_charge_not_found`. `cascade_updates` is accepted: Billow has no child plans to cascade to.
 */
import type { Db, Tx } from '../../db/knex';
import { fixedChargesPage } from '../../db/fixed-charges';
import { loadPlanViews, lockPlan, type FixedChargeView, type PlanView } from '../../db/plans';
import { taxesOfOwners } from '../../db/taxes';
import { notFound, ValidationError, validationErrors, type ErrorDetails } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import type { FixedChargeInput } from './plan-fixed-charges';
import { getPlan, updatePlanByCode } from './plans';

/** `POST/PUT /plans/:code/fixed_charges[/:code]`: a fixed charge as `PUT /plans` takes one, without `id`. */
export type PlanFixedChargeInput = Omit<FixedChargeInput, 'id'> & { cascade_updates?: boolean | null };

function relocated(error: unknown, index: number): unknown {
  if (!(error instanceof ValidationError)) return error;
  const own = `fixed_charges.${index}.`;
  const details: ErrorDetails = {};
  for (const [key, codes] of Object.entries(error.details)) details[key.startsWith(own) ? key.slice(own.length) : key === 'fixed_charges' ? 'code' : key] = codes;
  return validationErrors(details);
}

async function rewrite(db: Db, organizationId: string, planCode: string, edit: (before: PlanView) => { fixedCharges: FixedChargeInput[]; at: number | null }) {
  return db.transaction(async (trx: Tx) => {
    const plan = await getPlan(trx, organizationId, planCode);
    await lockPlan(trx, plan.id);
    const [before] = await loadPlanViews(trx, organizationId, [plan]);
    const { fixedCharges, at } = edit(before!);
    try {
      return { before: before!, after: await updatePlanByCode(trx, organizationId, planCode, { fixed_charges: fixedCharges }) };
    } catch (error) {
      throw at === null ? error : relocated(error, at);
    }
  });
}

const keep = (view: FixedChargeView): FixedChargeInput => ({ id: view.fixedCharge.id });

function indexOf(view: PlanView, code: string): number {
  const index = view.fixedCharges.findIndex(({ fixedCharge }) => fixedCharge.code === code);
  if (index < 0) throw notFound('fixed_charge');
  return index;
}

function withoutCascade(input: PlanFixedChargeInput): FixedChargeInput {
  const { cascade_updates: _cascade, ...rest } = input;
  return rest;
}

export async function listPlanFixedCharges(db: Db, organizationId: string, planCode: string, page: Page): Promise<Paginated<FixedChargeView>> {
  const plan = await getPlan(db, organizationId, planCode);
  const { rows, meta } = await fixedChargesPage(db, plan.id, page);
  const taxes = await taxesOfOwners(db, organizationId, 'fixed_charge_taxes', rows.map((row) => row.id));
  return { rows: rows.map((fixedCharge) => ({ fixedCharge, taxes: taxes.get(fixedCharge.id) ?? [] })), meta };
}

export async function getPlanFixedCharge(db: Db, organizationId: string, planCode: string, code: string): Promise<FixedChargeView> {
  const plan = await getPlan(db, organizationId, planCode);
  const [view] = await loadPlanViews(db, organizationId, [plan]);
  return view!.fixedCharges[indexOf(view!, code)]!;
}

export async function createPlanFixedCharge(db: Db, organizationId: string, planCode: string, input: PlanFixedChargeInput): Promise<FixedChargeView> {
  const { before, after } = await rewrite(db, organizationId, planCode, (view) => ({
    fixedCharges: [...view.fixedCharges.map(keep), withoutCascade(input)],
    at: view.fixedCharges.length,
  }));
  const old = new Set(before.fixedCharges.map(({ fixedCharge }) => fixedCharge.id));
  return after.fixedCharges.find(({ fixedCharge }) => !old.has(fixedCharge.id))!;
}

export async function updatePlanFixedCharge(db: Db, organizationId: string, planCode: string, code: string, input: PlanFixedChargeInput): Promise<FixedChargeView> {
  let id = '';
  const { after } = await rewrite(db, organizationId, planCode, (view) => {
    const at = indexOf(view, code);
    id = view.fixedCharges[at]!.fixedCharge.id;
    return { fixedCharges: view.fixedCharges.map((entry, index) => (index === at ? { ...withoutCascade(input), id } : keep(entry))), at };
  });
  return after.fixedCharges.find(({ fixedCharge }) => fixedCharge.id === id)!;
}

/** Removes the fixed charge from the plan (as `PUT /plans` without it would); answers it as it was. */
export async function deletePlanFixedCharge(db: Db, organizationId: string, planCode: string, code: string): Promise<FixedChargeView> {
  let removed: FixedChargeView | undefined;
  await rewrite(db, organizationId, planCode, (view) => {
    const at = indexOf(view, code);
    removed = view.fixedCharges[at];
    return { fixedCharges: view.fixedCharges.filter((_, index) => index !== at).map(keep), at: null };
  });
  return removed!;
}
