/**
 * Volume: all units at the price of the one tier the total falls in, plus that tier's flat.
 * [0–100: 2/u +10], [101–200: 1/u]: 100 → 210 but 101 → 101 (volume discounts can decrease).
 * Prorated: the tier is chosen by the full units, the per-unit part uses the prorated units.
 */
import { toDecimalString as str } from '../money';
import { amountPerUnit } from './fields';
import { readUnitPrices } from './graduated';
import { parseRanges, tierFor } from './ranges';
import type { ChargeModel, VolumeProperties } from './types';

const CODES = { field: 'volume_ranges', missing: 'missing_volume_ranges', invalid: 'invalid_volume_ranges' };

export const volume: ChargeModel<VolumeProperties> = {
  payInAdvance: false,

  parse(raw, errors) {
    const volumeRanges = parseRanges(raw.volume_ranges, CODES, errors, (range) => readUnitPrices(range, errors));
    return volumeRanges && { volumeRanges };
  },

  price({ volumeRanges }, usage) {
    const { units } = usage;
    const tier = tierFor(volumeRanges, usage.fullUnits ?? units);
    const perUnitTotal = units.times(tier.perUnitAmount);
    const amount = perUnitTotal.plus(tier.flatAmount);
    return {
      amount,
      unitAmount: amountPerUnit(amount, units),
      details: {
        kind: 'volume',
        from_value: str(tier.fromValue),
        to_value: tier.toValue && str(tier.toValue),
        units: str(units),
        flat_unit_amount: str(tier.flatAmount),
        per_unit_amount: str(tier.perUnitAmount),
        per_unit_total_amount: str(perUnitTotal),
      },
    };
  },
};
