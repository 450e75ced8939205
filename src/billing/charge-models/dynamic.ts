/**
 * Dynamic: the events carry their own prices (`precise_total_amount_cents`), only on `sum_agg`
 * metrics (reference §3). amount = Σ precise_total_amount_cents / subunit, the caller giving that
 * sum in major units as `preciseTotalAmount`; the unit amount is amount / units.
 * Σ 4020 cents in EUR over 20 units → amount 40.2, unit amount 2.01.
 */
import { toDecimalString as str } from '../money';
import { amountPerUnit, ZERO } from './fields';
import type { ChargeModel, DynamicProperties } from './types';

export const dynamic: ChargeModel<DynamicProperties> = {
  payInAdvance: false,

  /** Nothing to read: Lago's dynamic charge takes `{}` (grouping keys aside, read elsewhere). */
  parse() {
    return {};
  },

  price(_properties, usage) {
    const amount = usage.preciseTotalAmount ?? ZERO;
    return {
      amount,
      unitAmount: amountPerUnit(amount, usage.units),
      details: { kind: 'dynamic', units: str(usage.units), precise_total_amount: str(amount) },
    };
  },
};
