/**
 * A subscription's fixed charges (Lago's `/subscriptions/:external_id/fixed_charges[/:code]`, issue
 * 16 point 5): the plan's fixed charges with the subscription's units, and a change of units.
 *
 * - A change of units is an entry in the subscription's units history (`fixed_charge_units`, Lago's
 *   fixed charge events), in force from now with `apply_units_immediately: true`, else from the
 *   start of the next fixed-charge period (Lago's default). The invoice of the period reads the
 *   history (services/invoicing/fixed-charge-lines.ts): nothing is asked of the workflow;
 * - applied at once on an active subscription's in-advance fixed charge, an increase is billed at
 *   once on its own invoice, prorated over the days left when the fixed charge is prorated;
 * - only units change here: a display name, properties or taxes for one subscription would be a
 *   plan override, which Billow does not offer (refused by the route's contract, 422 naming them);
 * - pending and active subscriptions take changes; a terminated or canceled one is read-only
 *   (405 `not_allowed`, nothing written).
 */
import type { Db } from '../../db/knex';
import type { SubscriptionRow } from '../../db/subscriptions';
import { contextOf } from '../../db/subscription-context';
import { fixedChargesPage, insertUnitsEntry, lockSubscriptionUnits, unitsHistory, type FixedChargeUnitsRow } from '../../db/fixed-charges';
import { taxesOfOwners } from '../../db/taxes';
import type { FixedChargeView } from '../../db/plans';
import { nextFixedChargesPeriodStartMs, unitsOn } from '../../billing/fixed-charges';
import { Dec } from '../../billing/money';
import { localDateOf } from '../../billing/calendar';
import { invalidField, methodNotAllowed, notFound } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import { billFixedChargeIncrease, historyOf } from '../invoicing';
import { getSubscription } from './subscriptions';

/** `PUT /subscriptions/:external_id/fixed_charges/:code` (Lago's SubscriptionFixedChargeOverride, units only). */
export interface SubscriptionFixedChargeInput {
  /** A decimal ≥ 0, as a string (Lago) or a number. */
  units?: string | number | null;
  apply_units_immediately?: boolean | null;
  /** Refused unless empty by the route's contract (a plan override): the service checks again. */
  invoice_display_name?: string | null;
  properties?: unknown;
  tax_codes?: string[] | null;
}

/** A fixed charge with the subscription's units in force now. */
export interface SubscriptionFixedChargeView {
  view: FixedChargeView;
  units: string;
}

async function withUnits(db: Db, subscription: SubscriptionRow, views: FixedChargeView[], nowMs: number, timezone: string): Promise<SubscriptionFixedChargeView[]> {
  const rows = await unitsHistory(db, subscription.id, views.map(({ fixedCharge }) => fixedCharge.id));
  const today = localDateOf(nowMs, timezone);
  return views.map((view) => ({ view, units: unitsOn(historyOf(view.fixedCharge, rows), today, timezone).toFixed() }));
}

export async function listSubscriptionFixedCharges(
  db: Db, organizationId: string, externalId: string, status: string | undefined, page: Page, nowMs: number,
): Promise<Paginated<SubscriptionFixedChargeView>> {
  const subscription = await getSubscription(db, organizationId, externalId, status);
  const ctx = await contextOf(db, subscription);
  const { rows, meta } = await fixedChargesPage(db, subscription.plan_id, page);
  const taxes = await taxesOfOwners(db, organizationId, 'fixed_charge_taxes', rows.map((row) => row.id));
  const views = rows.map((fixedCharge) => ({ fixedCharge, taxes: taxes.get(fixedCharge.id) ?? [] }));
  return { rows: await withUnits(db, subscription, views, nowMs, ctx.timezone), meta };
}

async function findOne(db: Db, organizationId: string, externalId: string, status: string | undefined, code: string) {
  const subscription = await getSubscription(db, organizationId, externalId, status);
  const ctx = await contextOf(db, subscription);
  const found = ctx.fixedCharges.find(({ charge }) => charge.code === code);
  if (!found) throw notFound('fixed_charge');
  const taxes = (await taxesOfOwners(db, organizationId, 'fixed_charge_taxes', [found.charge.id])).get(found.charge.id) ?? [];
  return { subscription, ctx, view: { fixedCharge: found.charge, taxes } };
}

export async function getSubscriptionFixedCharge(
  db: Db, organizationId: string, externalId: string, status: string | undefined, code: string, nowMs: number,
): Promise<SubscriptionFixedChargeView> {
  const { subscription, ctx, view } = await findOne(db, organizationId, externalId, status, code);
  return (await withUnits(db, subscription, [view], nowMs, ctx.timezone))[0]!;
}

function parseUnits(raw: string | number | null | undefined): Dec {
  if (raw === undefined || raw === null) throw invalidField('units', 'value_is_mandatory');
  try {
    const units = new Dec(raw);
    if (!units.isFinite() || units.isNegative() || units.decimalPlaces() > 10 || units.gte('1e20')) throw new Error('out of range');
    return units;
  } catch {
    throw invalidField('units', 'value_is_invalid');
  }
}

/**
 * Records the subscription's new units of the fixed charge (see the header) and, for an increase
 * applied at once on an in-advance fixed charge of an active subscription, bills it at once.
 */
export async function changeSubscriptionFixedChargeUnits(
  db: Db, organizationId: string, externalId: string, status: string | undefined, code: string, input: SubscriptionFixedChargeInput, nowMs: number,
): Promise<SubscriptionFixedChargeView> {
  if ((input.invoice_display_name ?? '') !== '' || (input.tax_codes ?? []).length > 0 || (input.properties !== undefined && input.properties !== null)) {
    throw invalidField('fixed_charge', 'feature_not_supported');
  }
  const units = parseUnits(input.units);
  const { subscription, ctx, view } = await findOne(db, organizationId, externalId, status, code);
  if (subscription.status !== 'active' && subscription.status !== 'pending') throw methodNotAllowed('not_allowed');
  const started = subscription.status === 'active';
  const immediately = input.apply_units_immediately === true || !started;
  const effectiveAtMs = immediately ? Math.max(nowMs, ctx.terms.startedAt) : nextFixedChargesPeriodStartMs(ctx.terms, nowMs);
  // Under the subscription's lock, the entry and its invoice in one transaction: two changes at once
  // are billed one after the other, each against what the other billed.
  await db.transaction(async (trx) => {
    await lockSubscriptionUnits(trx, subscription.id);
    const entry: FixedChargeUnitsRow = await insertUnitsEntry(trx, {
      organization_id: organizationId, subscription_id: subscription.id, fixed_charge_id: view.fixedCharge.id,
      units: units.toFixed(), effective_at: new Date(effectiveAtMs),
    });
    if (started && immediately && view.fixedCharge.pay_in_advance && ctx.terms.startedAt <= nowMs) {
      await billFixedChargeIncrease(trx, { ctx, charge: view.fixedCharge, entryId: entry.id, newUnits: units, atMs: nowMs });
    }
  });
  return (await withUnits(db, subscription, [view], nowMs, ctx.timezone))[0]!;
}
