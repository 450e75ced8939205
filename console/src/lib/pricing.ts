/**
 * The price preview and the tier breakdown use Billow's own billing core (`src/billing`, pure
 * functions, bundled into the console): the same parsing, the same charge models and the same
 * once-only rounding as the invoice, so "what does 12,345 units cost" here is what the fee will be.
 */
import { Dec } from '../../../src/billing/money';
import { chargeFeeCents, ChargePropertiesError, parseChargeProperties, priceCharge, type AmountDetails } from '../../../src/billing/charge-models';
import type { ChargeModelName } from '../../../src/billing/types';

export type Preview =
  | { ok: true; amountCents: string; details: AmountDetails }
  | { ok: false; errors: Record<string, string[]> };

/** Prices `units` spread evenly over `events` events with a charge's model and properties. */
export function previewCharge(model: string, properties: unknown, currency: string, units: string, events: number): Preview {
  let total: Dec;
  try {
    total = new Dec(units.replace(/[,_\s]/g, '') || '0');
  } catch {
    return { ok: false, errors: { units: ['value_is_invalid'] } };
  }
  const count = Math.min(1000, Math.max(1, Math.floor(events) || 1));
  try {
    const parsed = parseChargeProperties(model as ChargeModelName, properties);
    const each = total.dividedBy(count);
    const result = priceCharge(model as ChargeModelName, parsed, { units: total, eventsCount: count, eventValues: Array.from({ length: count }, () => each) });
    return { ok: true, amountCents: chargeFeeCents(result, currency).amountCents.toString(), details: result.details };
  } catch (error) {
    if (error instanceof ChargePropertiesError) return { ok: false, errors: error.details as Record<string, string[]> };
    return { ok: false, errors: { properties: ['value_is_invalid'] } };
  }
}
