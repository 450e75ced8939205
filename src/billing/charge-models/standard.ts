/** Standard: a price per unit. `{ amount: "5" }` → amount × units. */
import { toDecimalString as str } from '../money';
import { readAmount } from './fields';
import type { ChargeModel, StandardProperties } from './types';

export const standard: ChargeModel<StandardProperties> = {
  payInAdvance: true,

  parse(raw, errors) {
    const amount = readAmount(raw, 'amount', 'invalid_amount', errors);
    return amount && { amount };
  },

  price({ amount: perUnit }, { units }) {
    const amount = units.times(perUnit);
    return {
      amount,
      unitAmount: perUnit,
      details: { kind: 'standard', units: str(units), per_unit_amount: str(perUnit), per_unit_total_amount: str(amount) },
    };
  },
};
