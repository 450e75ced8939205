/**
 * Graduated percentage: graduated tiers whose per-unit price is a percent of the units (an
 * amount), plus a flat amount per reached tier. [0–10: 1 % +200]: 1 → 200 + 1×1 % = 200.01.
 */
import { toDecimalString as str } from '../money';
import { amountPerUnit, HUNDRED, readAmount } from './fields';
import { chargeTiers, parseRanges, sumTotals } from './ranges';
import type { ChargeModel, GraduatedPercentageProperties } from './types';

const CODES = {
  field: 'graduated_percentage_ranges',
  missing: 'missing_graduated_percentage_ranges',
  invalid: 'invalid_graduated_percentage_ranges',
};

export const graduatedPercentage: ChargeModel<GraduatedPercentageProperties> = {
  payInAdvance: true,

  parse(raw, errors) {
    const graduatedPercentageRanges = parseRanges(raw.graduated_percentage_ranges, CODES, errors, (range) => {
      const rate = readAmount(range, 'rate', 'invalid_rate', errors);
      const flatAmount = readAmount(range, 'flat_amount', 'invalid_amount', errors);
      return rate && flatAmount && { rate, flatAmount };
    });
    return graduatedPercentageRanges && { graduatedPercentageRanges };
  },

  price({ graduatedPercentageRanges }, usage) {
    const charges = chargeTiers(graduatedPercentageRanges, usage, (tier) => tier.rate.dividedBy(HUNDRED));
    const amount = sumTotals(charges);
    return {
      amount,
      unitAmount: amountPerUnit(amount, usage.units),
      details: {
        kind: 'graduated_percentage',
        graduated_percentage_ranges: charges.map(({ tier, units, flatAmount, perUnitTotal, total }) => ({
          from_value: str(tier.fromValue),
          to_value: tier.toValue && str(tier.toValue),
          units: str(units),
          rate: str(tier.rate),
          flat_amount: str(flatAmount),
          per_unit_total_amount: str(perUnitTotal),
          total: str(total),
        })),
      },
    };
  },
};
