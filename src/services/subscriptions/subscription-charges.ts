/**
 * A subscription's charges (Lago's `/subscriptions/:external_id/charges[/:charge_code[/filters[/:id]]]`,
 * issue 16 point 6): they read the subscription's effective plan (its child plan when it has
 * overrides, else its plan). A `PUT` of a charge and each change of its filters is an override of
 * that charge (Lago's ChargeOverridableInput: display name, minimum, properties, filters, taxes),
 * written by `overrideSubscriptionPlan` (plan-overrides.ts): the child plan is created on the first
 * one, the parent never changes. `subscription_status` picks which subscription of the external id.
 * Problems come back keyed by the charge's own fields, as on the plan's charge routes.
 */
import type { Db, Tx } from '../../db/knex';
import { findPlanById, loadPlanViews, type ChargeView, type PlanView } from '../../db/plans';
import type { SubscriptionRow } from '../../db/subscriptions';
import { liveChargesPage } from '../../db/charge-pages';
import { taxesOfOwners } from '../../db/taxes';
import type { ChargeFilter } from '../../db/charges';
import { addedFilter, filterOf, filterPage, filtersWithAdded, filtersWithout, filtersWithUpdate, type ChargeOverrideInput } from '../catalog';
import { notFound, ValidationError, validationErrors, type ErrorDetails } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import { overrideSubscriptionPlan } from './plan-overrides';
import { getSubscription } from './subscriptions';

async function effectiveView(db: Db | Tx, subscription: SubscriptionRow): Promise<PlanView> {
  const plan = await findPlanById(db, subscription.organization_id, subscription.plan_id);
  if (!plan) throw notFound('plan');
  return (await loadPlanViews(db, subscription.organization_id, [plan]))[0]!;
}

function chargeOf(view: PlanView, chargeCode: string): ChargeView {
  const charge = view.charges.find(({ charge: candidate }) => candidate.code === chargeCode);
  if (!charge) throw notFound('charge');
  return charge;
}

/** `GET /subscriptions/:external_id/charges`: the effective plan's live charges, newest first (as the plan's route). */
export async function listSubscriptionCharges(db: Db, organizationId: string, externalId: string, status: string | undefined, page: Page): Promise<Paginated<ChargeView>> {
  const subscription = await getSubscription(db, organizationId, externalId, status);
  const { rows, meta: pageMeta } = await liveChargesPage(db, organizationId, subscription.plan_id, page);
  const taxes = await taxesOfOwners(db, organizationId, 'charge_taxes', rows.map((charge) => charge.id));
  return { rows: rows.map((charge) => ({ charge, taxes: taxes.get(charge.id) ?? [] })), meta: pageMeta };
}

export async function getSubscriptionCharge(db: Db, organizationId: string, externalId: string, status: string | undefined, chargeCode: string): Promise<ChargeView> {
  const subscription = await getSubscription(db, organizationId, externalId, status);
  return chargeOf(await effectiveView(db, subscription), chargeCode);
}

/** Problems of `plan_overrides.charges.0.x` become `x` (and `filters.<at>.x` → `x` for a filter route). */
function relocated(error: unknown, prefix: string): unknown {
  if (!(error instanceof ValidationError)) return error;
  const details: ErrorDetails = {};
  for (const [key, codes] of Object.entries(error.details)) {
    const own = key.startsWith(prefix) ? key.slice(prefix.length) : key.startsWith('plan_overrides.charges.0.') ? key.slice('plan_overrides.charges.0.'.length) : key;
    details[own || 'base'] = codes;
  }
  return validationErrors(details);
}

/** Overrides one charge of the subscription (creating its child plan on the first override); answers the charge after. */
async function overrideCharge(
  db: Db, organizationId: string, externalId: string, status: string | undefined, chargeCode: string,
  build: (charge: ChargeView) => { override: Omit<ChargeOverrideInput, 'id'>; prefix?: string },
): Promise<{ before: ChargeView; after: ChargeView }> {
  const subscription = await getSubscription(db, organizationId, externalId, status);
  return db.transaction(async (trx) => {
    const before = chargeOf(await effectiveView(trx, subscription), chargeCode);
    const { override, prefix } = build(before);
    let view: PlanView;
    try {
      view = await overrideSubscriptionPlan(trx, subscription, { charges: [{ ...override, id: before.charge.id }] });
    } catch (error) {
      throw relocated(error, `plan_overrides.charges.0.${prefix ?? ''}`);
    }
    return { before, after: chargeOf(view, chargeCode) };
  });
}

/** `PUT /subscriptions/:external_id/charges/:charge_code` (Lago's ChargeOverridableInput). */
export async function overrideSubscriptionCharge(
  db: Db, organizationId: string, externalId: string, status: string | undefined, chargeCode: string, input: Omit<ChargeOverrideInput, 'id'>,
): Promise<ChargeView> {
  return (await overrideCharge(db, organizationId, externalId, status, chargeCode, () => ({ override: input }))).after;
}

/** A subscription's charge filter input (Lago's ChargeFilterCreateInput / UpdateInput, without cascade_updates). */
export interface SubscriptionChargeFilterInput {
  invoice_display_name?: string | null;
  properties?: unknown;
  values?: Record<string, string[]>;
}

export interface SubscriptionChargeFilterView {
  charge: ChargeView;
  filter: ChargeFilter;
}

export async function listSubscriptionChargeFilters(
  db: Db, organizationId: string, externalId: string, status: string | undefined, chargeCode: string, page: Page,
): Promise<Paginated<SubscriptionChargeFilterView>> {
  const charge = await getSubscriptionCharge(db, organizationId, externalId, status, chargeCode);
  return filterPage(charge, page);
}

export async function getSubscriptionChargeFilter(
  db: Db, organizationId: string, externalId: string, status: string | undefined, chargeCode: string, filterId: string,
): Promise<SubscriptionChargeFilterView> {
  const charge = await getSubscriptionCharge(db, organizationId, externalId, status, chargeCode);
  return { charge, filter: filterOf(charge, filterId) };
}

export async function createSubscriptionChargeFilter(
  db: Db, organizationId: string, externalId: string, status: string | undefined, chargeCode: string, input: SubscriptionChargeFilterInput,
): Promise<SubscriptionChargeFilterView> {
  const { before, after } = await overrideCharge(db, organizationId, externalId, status, chargeCode, (charge) => {
    const { filters, at } = filtersWithAdded(charge, { ...input, values: input.values ?? {} });
    return { override: { filters }, prefix: `filters.${at}.` };
  });
  return { charge: after, filter: addedFilter(before, after) };
}

export async function updateSubscriptionChargeFilter(
  db: Db, organizationId: string, externalId: string, status: string | undefined, chargeCode: string, filterId: string, input: SubscriptionChargeFilterInput,
): Promise<SubscriptionChargeFilterView> {
  const { after } = await overrideCharge(db, organizationId, externalId, status, chargeCode, (charge) => {
    const { filters, at } = filtersWithUpdate(charge, filterId, input);
    return { override: { filters }, prefix: `filters.${at}.` };
  });
  return { charge: after, filter: filterOf(after, filterId) };
}

export async function deleteSubscriptionChargeFilter(
  db: Db, organizationId: string, externalId: string, status: string | undefined, chargeCode: string, filterId: string,
): Promise<SubscriptionChargeFilterView> {
  let removed: ChargeFilter | undefined;
  const { before } = await overrideCharge(db, organizationId, externalId, status, chargeCode, (charge) => {
    const without = filtersWithout(charge, filterId);
    removed = without.removed;
    return { override: { filters: without.filters } };
  });
  return { charge: before, filter: removed! };
}

