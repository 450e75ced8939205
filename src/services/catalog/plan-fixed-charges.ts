/**
 * The fixed charges sent with a plan (Lago's `fixed_charges`, issue 16 point 5), checked and
 * turned into rows to write. Errors are keyed `fixed_charges.<index>.<field>` (properties errors
 * `fixed_charges.<index>.properties.<field>`, with the charge models' codes).
 *
 * - Each names an add-on (`add_on_id` or `add_on_code`); its code defaults to the add-on's code
 *   (then `_2`, `_3`, …) and is unique within the plan;
 * - `charge_model` is standard, graduated or volume, its properties checked by the charge models;
 *   a prorated pay-in-advance graduated fixed charge is refused, as Lago refuses it;
 * - `units` (≥ 0) are the plan-level units every subscription starts with. While the plan has
 *   pending or active subscriptions, a fixed charge's units, timing (`pay_in_advance`) and
 *   proration stay as they are (422 `cannot_change_with_active_subscriptions`): a subscription's
 *   units change through `/subscriptions/:id/fixed_charges` instead, so `apply_units_immediately`
 *   on a plan has no subscription to apply to. Prices may change, for the invoices issued after;
 * - on a plan update an entry with `id` updates that fixed charge (what it omits is kept), an
 *   entry without creates one, and live fixed charges absent from the array are removed.
 */
import type { Conn } from '../../db/knex';
import { ChargePropertiesError, parseChargeProperties } from '../../billing/charge-models';
import { FIXED_CHARGE_MODELS, type FixedChargeModel } from '../../billing/fixed-charges';
import { Dec } from '../../billing/money';
import { isRecord } from '../../billing/charge-models/fields';
import { findAddOnsByCodes, liveAddOns, type AddOnRow } from '../../db/add-ons';
import type { FixedChargeFields, FixedChargeRow } from '../../db/fixed-charges';
import { findTaxesByCodes } from '../../db/taxes';
import { isUuid, type Problems } from '../../runtime/errors';

/** A fixed charge as sent in a plan (Lago's FixedChargeInput). */
export interface FixedChargeInput {
  id?: string | null;
  add_on_id?: string | null;
  add_on_code?: string | null;
  code?: string | null;
  invoice_display_name?: string | null;
  /** A decimal ≥ 0 (a number in a plan, a string on the nested routes). */
  units?: string | number | null;
  charge_model?: FixedChargeModel | null;
  pay_in_advance?: boolean | null;
  prorated?: boolean | null;
  /** Checked against the charge model here (parseChargeProperties). */
  properties?: unknown;
  tax_codes?: string[] | null;
  /** Honoured: a plan's units cannot change under live subscriptions, so there is none to apply them to. */
  apply_units_immediately?: boolean | null;
}

export interface PreparedFixedCharge {
  current?: FixedChargeRow;
  fields: FixedChargeFields;
  /** Tax ids to link; undefined keeps the current links. */
  taxIds?: string[];
}

const MODEL_KEYS: Record<FixedChargeModel, string> = { standard: 'amount', graduated: 'graduated_ranges', volume: 'volume_ranges' };
const RANGE_KEYS = ['from_value', 'to_value', 'per_unit_amount', 'flat_amount'];

function checkedProperties(model: FixedChargeModel, raw: unknown, prefix: string, problems: Problems): Record<string, unknown> {
  try {
    parseChargeProperties(model, raw);
  } catch (error) {
    if (!(error instanceof ChargePropertiesError)) throw error;
    for (const [field, codes] of Object.entries(error.details)) {
      for (const code of codes) problems.add(field === 'properties' ? prefix : `${prefix}.${field}`, code);
    }
    return {};
  }
  const key = MODEL_KEYS[model];
  const value = isRecord(raw) ? raw[key] : undefined;
  if (value === undefined) return {};
  return { [key]: Array.isArray(value) ? value.map((range: Record<string, unknown>) => Object.fromEntries(RANGE_KEYS.filter((k) => range[k] !== undefined).map((k) => [k, range[k]]))) : value };
}

function checkedUnits(raw: string | number | null | undefined, fallback: string, field: string, problems: Problems): string {
  if (raw === undefined || raw === null) return fallback;
  try {
    const units = new Dec(raw);
    if (!units.isFinite() || units.isNegative() || units.decimalPlaces() > 10 || units.gte('1e20')) throw new Error('out of range');
    return units.toFixed();
  } catch {
    problems.add(field, 'value_is_invalid');
    return fallback;
  }
}

const changed = (a: string, b: string) => !new Dec(a).eq(b);

/**
 * Checks every fixed charge and returns the rows to write; problems go to `problems` (one 422 for
 * the whole plan). `existing` are the plan's live fixed charges (empty on create).
 */
export async function prepareFixedCharges(
  db: Conn,
  organizationId: string,
  inputs: readonly FixedChargeInput[],
  existing: readonly FixedChargeRow[],
  problems: Problems,
  hasLiveSubscriptions: boolean,
): Promise<PreparedFixedCharge[]> {
  const existingById = new Map(existing.map((charge) => [charge.id, charge]));
  const byId = new Map((await liveAddOns(db, organizationId).whereIn('id', inputs.map((input) => input.add_on_id).filter(isUuid))).map((row) => [row.id, row as AddOnRow]));
  const byCode = new Map((await findAddOnsByCodes(db, organizationId, inputs.flatMap((input) => (input.add_on_code ? [input.add_on_code] : [])))).map((row) => [row.code, row]));
  const taxIdsByCode = new Map((await findTaxesByCodes(db, organizationId, inputs.flatMap((input) => input.tax_codes ?? []))).map((tax) => [tax.code, tax.id]));
  const addOnCodes = new Map([...byId.values(), ...byCode.values()].map((row) => [row.id, row.code]));
  const missingCodes = existing.filter((charge) => !addOnCodes.has(charge.add_on_id)).map((charge) => charge.add_on_id);
  if (missingCodes.length > 0) {
    for (const row of await liveAddOns(db, organizationId).whereIn('id', missingCodes)) addOnCodes.set((row as AddOnRow).id, (row as AddOnRow).code);
  }

  const prepared: (PreparedFixedCharge & { index: number; addOnCode: string })[] = [];
  const usedIds = new Set<string>();
  inputs.forEach((input, index) => {
    const prefix = `fixed_charges.${index}`;
    let current: FixedChargeRow | undefined;
    if (input.id !== undefined && input.id !== null) {
      current = existingById.get(input.id);
      if (!current || usedIds.has(input.id)) {
        problems.add(`${prefix}.id`, 'fixed_charge_not_found');
        return;
      }
      usedIds.add(input.id);
    }
    let addOn: { id: string; code: string } | undefined;
    if (input.add_on_id) addOn = byId.get(input.add_on_id);
    else if (input.add_on_code) addOn = byCode.get(input.add_on_code);
    else if (current) addOn = { id: current.add_on_id, code: addOnCodes.get(current.add_on_id) ?? current.code };
    if (!input.add_on_id && !input.add_on_code && !current) problems.add(`${prefix}.add_on_id`, 'value_is_mandatory');
    else if (!addOn) problems.add(`${prefix}.${input.add_on_id ? 'add_on_id' : 'add_on_code'}`, 'add_on_not_found');
    if (current && addOn && addOn.id !== current.add_on_id) problems.add(`${prefix}.add_on_id`, 'value_is_invalid');

    const model = input.charge_model ?? current?.charge_model;
    if (!model) problems.add(`${prefix}.charge_model`, 'value_is_mandatory');
    else if (!FIXED_CHARGE_MODELS.includes(model)) problems.add(`${prefix}.charge_model`, 'value_is_invalid');
    const payInAdvance = input.pay_in_advance ?? current?.pay_in_advance ?? false;
    const prorated = input.prorated ?? current?.prorated ?? false;
    if (model === 'graduated' && payInAdvance && prorated) problems.add(`${prefix}.prorated`, 'value_is_invalid');
    const units = checkedUnits(input.units, current?.units ?? '0', `${prefix}.units`, problems);
    if (current && hasLiveSubscriptions) {
      if (changed(units, current.units)) problems.add(`${prefix}.units`, 'cannot_change_with_active_subscriptions');
      if (payInAdvance !== current.pay_in_advance) problems.add(`${prefix}.pay_in_advance`, 'cannot_change_with_active_subscriptions');
      if (prorated !== current.prorated) problems.add(`${prefix}.prorated`, 'cannot_change_with_active_subscriptions');
    }
    if (!model || !FIXED_CHARGE_MODELS.includes(model) || !addOn) return;
    const sameModel = current !== undefined && current.charge_model === model;
    const raw = input.properties !== undefined && input.properties !== null ? input.properties : sameModel ? current!.properties : {};
    const properties = checkedProperties(model, raw, `${prefix}.properties`, problems);

    let taxIds: string[] | undefined;
    if (input.tax_codes !== undefined && input.tax_codes !== null) {
      taxIds = [...new Set(input.tax_codes)].map((code) => taxIdsByCode.get(code) ?? '');
      if (taxIds.includes('')) problems.add(`${prefix}.tax_codes`, 'tax_not_found');
    } else if (input.tax_codes === null || !current) {
      taxIds = [];
    }
    prepared.push({
      index,
      addOnCode: addOn.code,
      current,
      taxIds,
      fields: {
        add_on_id: addOn.id,
        code: input.code ?? current?.code ?? '',
        invoice_display_name: input.invoice_display_name !== undefined ? input.invoice_display_name : (current?.invoice_display_name ?? null),
        charge_model: model,
        pay_in_advance: payInAdvance,
        prorated,
        properties,
        units,
      },
    });
  });

  // Codes are unique per plan: a repeated one is refused; a missing one is the add-on's code (then `_2`, `_3`, …).
  const used = new Set<string>();
  for (const charge of prepared) {
    if (!charge.fields.code) continue;
    if (used.has(charge.fields.code)) problems.add(`fixed_charges.${charge.index}.code`, 'value_already_exist');
    used.add(charge.fields.code);
  }
  for (const charge of prepared) {
    if (charge.fields.code) continue;
    let code = charge.addOnCode;
    for (let n = 2; used.has(code); n += 1) code = `${charge.addOnCode}_${n}`;
    charge.fields.code = code;
    used.add(code);
  }
  return prepared.map(({ current, fields, taxIds }) => ({ current, fields, taxIds }));
}
