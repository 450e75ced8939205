/** Property tests: invariants every charge model keeps, whatever the numbers. */
import fc from 'fast-check';
import {
  parseChargeProperties,
  priceCharge,
  priceInAdvanceEvent,
  type ChargeUsage,
  type GraduatedProperties,
} from '../../../src/billing/charge-models';
import { Dec } from '../../../src/billing/money';
import type { ChargeModelName } from '../../../src/billing/types';

const decimal = (max: number, places: number) =>
  fc.integer({ min: 0, max }).map((n) => new Dec(n).dividedBy(10 ** places));
const units = decimal(5_000_000, 2); // 0 … 50,000.00
const money = decimal(100_000, 3); // 0 … 100.000
const usageOf = (u: Dec, eventsCount = 1): ChargeUsage => ({ units: u, eventsCount });

interface TierSpec {
  width: Dec;
  perUnit: Dec;
  flat: Dec;
  integerStyle: boolean;
}
const tierSpec = fc.record({ width: decimal(100_000, 2).map((w) => w.plus(1)), perUnit: money, flat: money, integerStyle: fc.boolean() });
const tierSpecs = fc.array(tierSpec, { minLength: 1, maxLength: 5 });

/** Builds wire ranges from widths, mixing the adjacent and integer-style conventions. */
function rawRanges(specs: readonly TierSpec[]) {
  let from = new Dec(0);
  return specs.map((spec, index) => {
    const last = index === specs.length - 1;
    const to = from.plus(spec.width);
    const range = {
      from_value: from.toFixed(), to_value: last ? null : to.toFixed(),
      per_unit_amount: spec.perUnit.toFixed(), flat_amount: spec.flat.toFixed(),
    };
    from = spec.integerStyle ? to.plus(1) : to;
    return range;
  });
}

const ascending = (specs: TierSpec[]) => {
  const per = specs.map((s) => s.perUnit).sort((a, b) => a.comparedTo(b));
  const flats = specs.map((s) => s.flat).sort((a, b) => a.comparedTo(b));
  return specs.map((s, i) => ({ ...s, perUnit: per[i] as Dec, flat: flats[i] as Dec }));
};

const amount = (model: ChargeModelName, props: unknown, u: ChargeUsage): Dec =>
  priceCharge(model, parseChargeProperties(model, props), u).amount;

describe('charge model properties', () => {
  it('graduated with one open tier equals standard', () => {
    fc.assert(fc.property(money, units, (price, u) => {
      const graduated = { graduated_ranges: [{ from_value: 0, to_value: null, per_unit_amount: price.toFixed(), flat_amount: '0' }] };
      return amount('graduated', graduated, usageOf(u)).eq(amount('standard', { amount: price.toFixed() }, usageOf(u)));
    }));
  });

  it('graduated never decreases as units grow', () => {
    fc.assert(fc.property(tierSpecs, units, units, (specs, a, b) => {
      const props = { graduated_ranges: rawRanges(specs) };
      return amount('graduated', props, usageOf(Dec.min(a, b))).lte(amount('graduated', props, usageOf(Dec.max(a, b))));
    }));
  });

  it('graduated charges every unit in exactly one tier', () => {
    fc.assert(fc.property(tierSpecs, units, (specs, u) => {
      const details = priceCharge('graduated', parseChargeProperties('graduated', { graduated_ranges: rawRanges(specs) }), usageOf(u)).details;
      if (details.kind !== 'graduated') return false;
      return details.graduated_ranges.reduce((sum, row) => sum.plus(row.units), new Dec(0)).eq(u);
    }));
  });

  it('prorated graduated charges every prorated unit exactly once', () => {
    const event = fc.tuple(decimal(100_000, 2), fc.integer({ min: 0, max: 31 }));
    fc.assert(fc.property(tierSpecs, fc.array(event, { maxLength: 8 }), (specs, events) => {
      const full = events.map(([value]) => value);
      const prorated = events.map(([value, days]) => value.times(days).dividedBy(31));
      const total = prorated.reduce((sum, p) => sum.plus(p), new Dec(0));
      const props = parseChargeProperties('graduated', { graduated_ranges: rawRanges(specs) }) as GraduatedProperties;
      const usage = { units: total, eventValues: full, proratedEventValues: prorated, eventsCount: events.length };
      const details = priceCharge('graduated', props, usage).details;
      if (details.kind !== 'graduated') return false;
      const charged = details.graduated_ranges.reduce((sum, row) => sum.plus(row.units), new Dec(0));
      return charged.minus(total).abs().lt('1e-30');
    }));
  });

  it('volume never decreases within a tier', () => {
    fc.assert(fc.property(tierSpecs, units, units, (specs, a, b) => {
      const props = parseChargeProperties('volume', { volume_ranges: rawRanges(specs) });
      const low = priceCharge('volume', props, usageOf(Dec.min(a, b)));
      const high = priceCharge('volume', props, usageOf(Dec.max(a, b)));
      const sameTier = low.details.kind === 'volume' && high.details.kind === 'volume' && low.details.from_value === high.details.from_value;
      return !sameTier || low.amount.lte(high.amount);
    }));
  });

  it('volume never decreases as units grow when tier prices do not decrease', () => {
    fc.assert(fc.property(tierSpecs.map(ascending), units, units, (specs, a, b) => {
      const props = { volume_ranges: rawRanges(specs) };
      return amount('volume', props, usageOf(Dec.min(a, b))).lte(amount('volume', props, usageOf(Dec.max(a, b))));
    }));
  });

  it('volume discounts can decrease the amount (so no global monotonicity)', () => {
    const props = { volume_ranges: [
      { from_value: 0, to_value: 100, per_unit_amount: '2', flat_amount: '10' },
      { from_value: 101, to_value: null, per_unit_amount: '1', flat_amount: '0' },
    ] };
    expect(amount('volume', props, usageOf(new Dec(100))).toFixed()).toBe('210'); // 100×2 + 10
    expect(amount('volume', props, usageOf(new Dec(101))).toFixed()).toBe('101'); // 101×1
  });

  it('package amount is a whole number of package prices', () => {
    const props = fc.record({ price: money, size: fc.integer({ min: 1, max: 1000 }), free: fc.integer({ min: 0, max: 1000 }) });
    fc.assert(fc.property(props, units, ({ price, size, free }, u) => {
      const result = amount('package', { amount: price.toFixed(), package_size: size, free_units: free }, usageOf(u));
      const packages = price.isZero() ? new Dec(0) : result.dividedBy(price);
      return packages.isInteger() && packages.eq(Dec.max(u.minus(free), 0).dividedBy(size).ceil()) || price.isZero();
    }));
  });

  it('percentage min/max clamps every transaction', () => {
    const bounds = fc.tuple(money, money).map(([x, y]) => [Dec.min(x, y), Dec.max(x, y)] as const);
    const setup = fc.record({
      rate: decimal(10_000, 2), fixed: fc.option(money), bounds, freeEvents: fc.option(fc.integer({ min: 1, max: 5 })),
      values: fc.array(decimal(1_000_000, 2), { minLength: 1, maxLength: 10 }),
    });
    fc.assert(fc.property(setup, ({ rate, fixed, bounds: [min, max], freeEvents, values }) => {
      const props = parseChargeProperties('percentage', {
        rate: rate.toFixed(), fixed_amount: fixed?.toFixed(), free_units_per_events: freeEvents,
        per_transaction_min_amount: min.toFixed(), per_transaction_max_amount: max.toFixed(),
      });
      const upTo = (n: number): ChargeUsage => {
        const eventValues = values.slice(0, n);
        return { units: eventValues.reduce((s, v) => s.plus(v), new Dec(0)), eventValues, eventsCount: n };
      };
      return values.every((_value, i) => {
        const fee = priceInAdvanceEvent('percentage', props, upTo(i), upTo(i + 1)).amount;
        const isFree = freeEvents !== null && i < freeEvents;
        return isFree ? fee.isZero() : fee.gte(min) && fee.lte(max);
      });
    }));
  });

  it('pay-in-advance fees of a period add up to its arrears price', () => {
    const models = fc.constantFrom<[ChargeModelName, (specs: TierSpec[], price: Dec) => unknown]>(
      ['standard', (_specs, price) => ({ amount: price.toFixed() })],
      ['package', (_specs, price) => ({ amount: price.toFixed(), package_size: 7, free_units: 3 })],
      ['graduated', (specs) => ({ graduated_ranges: rawRanges(specs) })],
      ['percentage', (_specs, price) => ({ rate: '1.5', fixed_amount: price.toFixed(), free_units_per_events: 2 })],
    );
    fc.assert(fc.property(models, tierSpecs, money, fc.array(decimal(100_000, 2), { maxLength: 10 }), ([model, build], specs, price, values) => {
      const props = parseChargeProperties(model, build(specs, price));
      const upTo = (n: number): ChargeUsage => {
        const eventValues = values.slice(0, n);
        return { units: eventValues.reduce((s, v) => s.plus(v), new Dec(0)), eventValues, eventsCount: n };
      };
      const inAdvance = values.reduce((sum, _v, i) => sum.plus(priceInAdvanceEvent(model, props, upTo(i), upTo(i + 1)).amount), new Dec(0));
      const arrears = values.length === 0 ? new Dec(0) : priceCharge(model, props, upTo(values.length)).amount;
      return inAdvance.eq(arrears);
    }));
  });
});
