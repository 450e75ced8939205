/**
 * A plan's charges and their filters as resources of their own (Lago's
 * `/plans/:code/charges[/:charge_code[/filters[/:id]]]`). Each change is a `PUT /plans` of the
 * plan's whole charge list (`updatePlanByCode`): the same checks, the same rules on plans with
 * subscriptions, the same writes. Nothing here validates a charge a second way:
 * - create appends the charge, update replaces one entry (what it omits is kept), delete leaves it
 *   out (soft-deleted, as `PUT /plans` does); every other charge is sent as `{id}`, which keeps it;
 * - the filter routes rewrite one charge's filter list the same way (a filter keeps its id even
 *   when its values change);
 * - the plan's row is locked while its charges are read and rewritten, so two concurrent changes
 *   apply one after the other and neither loses the other's charge;
 * - problems come back keyed by the charge's own fields (`properties.amount`, `filters.0.values`)
 *   rather than `charges.<index>.…`; a missing plan, charge or filter is `plan_not_found`,
 *   `charge_not_found`, `charge_filter_not_found`.
 * `cascade_updates: true` (default false) reaches the plan's children (subscriptions' overrides,
 * plan-overrides.ts) on a charge's update and on its filters' changes: each child whose copy of the
 * charge was not overridden takes the new properties, filters, minimum and display name. Creating
 * or deleting a charge with `cascade_updates: true` is refused (422 naming it): Billow does not add
 * or remove children's charges.
 */
import type { Db, Tx } from '../../db/knex';
import type { ChargeFilter } from '../../db/charges';
import { liveChargesPage } from '../../db/charge-pages';
import { loadPlanViews, lockPlan, type ChargeView, type PlanView } from '../../db/plans';
import { taxesOfOwners } from '../../db/taxes';
import { notFound, ValidationError, validationErrors, type ErrorDetails } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import type { ChargeFilterInput, ChargeInput } from './plan-charges';
import { getPlan, getPlanView, updatePlanByCode } from './plans';
import { cascadeChargeUpdate } from './plan-overrides';
import { addedFilter, filterOf, filterPage, filtersWithAdded, filtersWithout, filtersWithUpdate, type ChargeFilterView } from './charge-filters';

export type { ChargeFilterView } from './charge-filters';
import { invalidField } from '../../runtime/errors';

/** `POST/PUT /plans/:code/charges[/:charge_code]`: a charge as `PUT /plans` takes one, without `id`. */
export type PlanChargeInput = Omit<ChargeInput, 'id'> & { cascade_updates?: boolean | null };

/** `POST/PUT /plans/:code/charges/:charge_code/filters[/:id]`. */
export interface PlanChargeFilterInput {
  invoice_display_name?: string | null;
  properties?: unknown;
  values?: Record<string, string[]>;
  cascade_updates?: boolean | null;
}

/** Moves problems of entry `index` (`charges.<index>.x`) to `x`; `prefix` narrows further (a filter). */
function relocated(error: unknown, index: number, prefix = ''): unknown {
  if (!(error instanceof ValidationError)) return error;
  const own = `charges.${index}.${prefix}`;
  const details: ErrorDetails = {};
  for (const [key, codes] of Object.entries(error.details)) {
    const field = key.startsWith(own) ? key.slice(own.length) : key === 'charges' ? 'code' : key.startsWith(`charges.${index}.`) ? key.slice(`charges.${index}.`.length) : key;
    details[field] = codes;
  }
  return validationErrors(details);
}

interface Rewrite {
  charges: ChargeInput[];
  /** The index of the entry the request is about, for its problems' keys. */
  at: number | null;
  prefix?: string;
}

/** Rewrites the plan's charge list under the plan's lock; answers the plan before and after. */
async function rewriteCharges(
  db: Db, organizationId: string, planCode: string, edit: (before: PlanView) => Rewrite, cascadeId: string | null = null,
): Promise<{ before: PlanView; after: PlanView }> {
  return db.transaction(async (trx: Tx) => {
    const plan = await getPlan(trx, organizationId, planCode);
    await lockPlan(trx, plan.id);
    const [before] = await loadPlanViews(trx, organizationId, [plan]);
    const { charges, at, prefix } = edit(before!);
    let after: PlanView;
    try {
      after = await updatePlanByCode(trx, organizationId, planCode, { charges });
    } catch (error) {
      throw at === null ? error : relocated(error, at, prefix);
    }
    if (cascadeId !== null) {
      const was = before!.charges.find(({ charge }) => charge.id === cascadeId);
      const now = after.charges.find(({ charge }) => charge.id === cascadeId);
      if (was && now) await cascadeChargeUpdate(trx, organizationId, was.charge, now.charge);
    }
    return { before: before!, after };
  });
}

/** Creating or deleting with `cascade_updates: true` is refused (see the header). */
function refuseCascade(input: { cascade_updates?: boolean | null } | undefined): void {
  if (input?.cascade_updates === true) throw invalidField('cascade_updates', 'feature_not_supported');
}

/** The charge the request names, for `cascade_updates: true` (null: nothing cascades). */
function cascadeTarget(view: PlanView, chargeCode: string, input: { cascade_updates?: boolean | null }): string | null {
  if (input.cascade_updates !== true) return null;
  return view.charges.find(({ charge }) => charge.code === chargeCode)?.charge.id ?? null;
}

const keep = (view: ChargeView): ChargeInput => ({ id: view.charge.id });

function chargeIndex(view: PlanView, chargeCode: string): number {
  const index = view.charges.findIndex(({ charge }) => charge.code === chargeCode);
  if (index < 0) throw notFound('charge');
  return index;
}

function withoutCascade<T extends { cascade_updates?: boolean | null }>(input: T): Omit<T, 'cascade_updates'> {
  const { cascade_updates: _cascade, ...rest } = input;
  return rest;
}

// Charges ---------------------------------------------------------------------------------------

export async function listPlanCharges(db: Db, organizationId: string, planCode: string, page: Page): Promise<Paginated<ChargeView>> {
  const plan = await getPlan(db, organizationId, planCode);
  const { rows, meta: pageMeta } = await liveChargesPage(db, organizationId, plan.id, page);
  const taxes = await taxesOfOwners(db, organizationId, 'charge_taxes', rows.map((charge) => charge.id));
  return { rows: rows.map((charge) => ({ charge, taxes: taxes.get(charge.id) ?? [] })), meta: pageMeta };
}

export async function getPlanCharge(db: Db, organizationId: string, planCode: string, chargeCode: string): Promise<ChargeView> {
  const plan = await getPlan(db, organizationId, planCode);
  const [view] = await loadPlanViews(db, organizationId, [plan]);
  return view!.charges[chargeIndex(view!, chargeCode)]!;
}

export async function createPlanCharge(db: Db, organizationId: string, planCode: string, input: PlanChargeInput): Promise<ChargeView> {
  refuseCascade(input);
  const { before, after } = await rewriteCharges(db, organizationId, planCode, (view) => ({
    charges: [...view.charges.map(keep), withoutCascade(input)],
    at: view.charges.length,
  }));
  const old = new Set(before.charges.map(({ charge }) => charge.id));
  return after.charges.find(({ charge }) => !old.has(charge.id))!;
}

export async function updatePlanCharge(db: Db, organizationId: string, planCode: string, chargeCode: string, input: PlanChargeInput): Promise<ChargeView> {
  let id = '';
  const plan = await getPlanView(db, organizationId, planCode);
  const { after } = await rewriteCharges(db, organizationId, planCode, (view) => {
    const at = chargeIndex(view, chargeCode);
    id = view.charges[at]!.charge.id;
    return { charges: view.charges.map((entry, index) => (index === at ? { ...withoutCascade(input), id } : keep(entry))), at };
  }, cascadeTarget(plan, chargeCode, input));
  return after.charges.find(({ charge }) => charge.id === id)!;
}

/** Removes the charge from the plan (as `PUT /plans` without it would); answers it as it was. */
export async function deletePlanCharge(db: Db, organizationId: string, planCode: string, chargeCode: string, input?: { cascade_updates?: boolean | null }): Promise<ChargeView> {
  refuseCascade(input);
  let removed: ChargeView | undefined;
  await rewriteCharges(db, organizationId, planCode, (view) => {
    const at = chargeIndex(view, chargeCode);
    removed = view.charges[at];
    return { charges: view.charges.filter((_, index) => index !== at).map(keep), at: null };
  });
  return removed!;
}

// Filters ---------------------------------------------------------------------------------------

/** Rewrites one charge's filters; answers the charge after. */
async function rewriteFilters(
  db: Db, organizationId: string, planCode: string, chargeCode: string,
  edit: (charge: ChargeView) => { filters: ChargeFilterInput[]; at: number | null },
  cascade?: boolean | null,
): Promise<{ before: ChargeView; after: ChargeView }> {
  let before: ChargeView | undefined;
  const plan = await getPlanView(db, organizationId, planCode);
  const { after } = await rewriteCharges(db, organizationId, planCode, (view) => {
    const index = chargeIndex(view, chargeCode);
    before = view.charges[index]!;
    const { filters, at } = edit(before);
    return {
      charges: view.charges.map((entry, i) => (i === index ? { id: entry.charge.id, filters } : keep(entry))),
      at: index,
      prefix: at === null ? '' : `filters.${at}.`,
    };
  }, cascadeTarget(plan, chargeCode, { cascade_updates: cascade }));
  return { before: before!, after: after.charges.find(({ charge }) => charge.id === before!.charge.id)! };
}

export async function listChargeFilters(db: Db, organizationId: string, planCode: string, chargeCode: string, page: Page): Promise<Paginated<ChargeFilterView>> {
  const charge = await getPlanCharge(db, organizationId, planCode, chargeCode);
  return filterPage(charge, page);
}

export async function getChargeFilter(db: Db, organizationId: string, planCode: string, chargeCode: string, filterId: string): Promise<ChargeFilterView> {
  const charge = await getPlanCharge(db, organizationId, planCode, chargeCode);
  return { charge, filter: filterOf(charge, filterId) };
}

export async function createChargeFilter(db: Db, organizationId: string, planCode: string, chargeCode: string, input: PlanChargeFilterInput): Promise<ChargeFilterView> {
  const { before, after } = await rewriteFilters(db, organizationId, planCode, chargeCode, (charge) => (
    filtersWithAdded(charge, { ...withoutCascade(input), values: input.values ?? {} })
  ), input.cascade_updates);
  return { charge: after, filter: addedFilter(before, after) };
}

export async function updateChargeFilter(
  db: Db, organizationId: string, planCode: string, chargeCode: string, filterId: string, input: PlanChargeFilterInput,
): Promise<ChargeFilterView> {
  const { after } = await rewriteFilters(db, organizationId, planCode, chargeCode, (charge) => filtersWithUpdate(charge, filterId, input), input.cascade_updates);
  return { charge: after, filter: filterOf(after, filterId) };
}

/** Removes the filter from its charge; answers it as it was. */
export async function deleteChargeFilter(
  db: Db, organizationId: string, planCode: string, chargeCode: string, filterId: string, input?: { cascade_updates?: boolean | null },
): Promise<ChargeFilterView> {
  let removed: ChargeFilter | undefined;
  const { before } = await rewriteFilters(db, organizationId, planCode, chargeCode, (charge) => {
    const without = filtersWithout(charge, filterId);
    removed = without.removed;
    return { filters: without.filters, at: null };
  }, input?.cascade_updates);
  return { charge: before, filter: removed! };
}

