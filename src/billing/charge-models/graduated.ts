/**
 * Graduated: each tier prices the units inside it, plus a flat amount once the tier is reached.
 * [0–10: 10/u +2], [11–20: 5/u +3]: 12 units → 10×10 + 2 + 2×5 + 3 = 115.
 */
import { toDecimalString as str } from '../money';
import { amountPerUnit, readAmount } from './fields';
import { chargeTiers, parseRanges, sumTotals } from './ranges';
import type { ChargeModel, ErrorCollector, GraduatedProperties, RawProperties } from './types';

/** Per-unit and flat amounts of a graduated or volume range. */
export function readUnitPrices(range: RawProperties, errors: ErrorCollector) {
  const perUnitAmount = readAmount(range, 'per_unit_amount', 'invalid_amount', errors);
  const flatAmount = readAmount(range, 'flat_amount', 'invalid_amount', errors);
  return perUnitAmount && flatAmount && { perUnitAmount, flatAmount };
}

const CODES = { field: 'graduated_ranges', missing: 'missing_graduated_ranges', invalid: 'invalid_graduated_ranges' };

export const graduated: ChargeModel<GraduatedProperties> = {
  payInAdvance: true,

  parse(raw, errors) {
    const graduatedRanges = parseRanges(raw.graduated_ranges, CODES, errors, (range) => readUnitPrices(range, errors));
    return graduatedRanges && { graduatedRanges };
  },

  price({ graduatedRanges }, usage) {
    const charges = chargeTiers(graduatedRanges, usage, (tier) => tier.perUnitAmount);
    const amount = sumTotals(charges);
    return {
      amount,
      unitAmount: amountPerUnit(amount, usage.units),
      details: {
        kind: 'graduated',
        graduated_ranges: charges.map(({ tier, units, flatAmount, perUnitTotal, total }) => ({
          from_value: str(tier.fromValue),
          to_value: tier.toValue && str(tier.toValue),
          units: str(units),
          per_unit_amount: str(tier.perUnitAmount),
          flat_amount: str(flatAmount),
          per_unit_total_amount: str(perUnitTotal),
          total: str(total),
        })),
      },
    };
  },
};
