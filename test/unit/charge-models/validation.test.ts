import { ChargePropertiesError, parseChargeProperties } from '../../../src/billing/charge-models';
import type { ChargeModelName } from '../../../src/billing/types';
import { tier } from './support';

function errorsOf(model: string, raw: unknown): Record<string, string[]> | undefined {
  try {
    parseChargeProperties(model as ChargeModelName, raw);
    return undefined;
  } catch (error) {
    if (error instanceof ChargePropertiesError) return error.details;
    throw error;
  }
}

const OPEN = tier(11, null, '1', '0');

describe('charge properties validation', () => {
  it.each([
    ['missing', {}],
    ['exponent', { amount: '1e3' }],
    ['NaN', { amount: 'NaN' }],
    ['Infinity', { amount: 'Infinity' }],
    ['empty', { amount: '' }],
    ['blank', { amount: ' 5' }],
    ['negative', { amount: '-1' }],
    ['a JSON number (floats never reach the maths)', { amount: 5 }],
    ['hex', { amount: '0x10' }],
  ])('standard: amount %s → invalid_amount', (_name, raw) => {
    expect(errorsOf('standard', raw)).toEqual({ amount: ['invalid_amount'] });
  });

  it('accepts well-formed decimal strings', () => {
    expect(errorsOf('standard', { amount: '0' })).toBeUndefined();
    expect(parseChargeProperties('standard', { amount: '5.12345' }).amount.toFixed()).toBe('5.12345');
  });

  it.each([
    [{ amount: '100', package_size: 0 }, { package_size: ['invalid_package_size'] }],
    [{ amount: '100', package_size: 1.5 }, { package_size: ['invalid_package_size'] }],
    [{ amount: '100', package_size: '1e3' }, { package_size: ['invalid_package_size'] }],
    [{ amount: '100' }, { package_size: ['invalid_package_size'] }],
    [{ amount: '100', package_size: true }, { package_size: ['invalid_package_size'] }],
    [{ amount: '100', package_size: 10, free_units: -1 }, { free_units: ['invalid_free_units'] }],
    [{ amount: '100', package_size: 10, free_units: 'abc' }, { free_units: ['invalid_free_units'] }],
    [{ amount: '-100', package_size: 10 }, { amount: ['invalid_amount'] }],
    [{ package_size: 0, free_units: -1 }, {
      amount: ['invalid_amount'], package_size: ['invalid_package_size'], free_units: ['invalid_free_units'],
    }],
  ])('package %j → %j', (raw, expected) => {
    expect(errorsOf('package', raw)).toEqual(expected);
  });

  const RANGES_INVALID = { graduated_ranges: ['invalid_graduated_ranges'] };
  it.each([
    ['overlapping', [tier(0, 10, '1', '0'), tier(5, null, '1', '0')]],
    ['gapped', [tier(0, 10, '1', '0'), tier(12, null, '1', '0')]],
    ['last tier not open', [tier(0, 10, '1', '0'), tier(11, 20, '1', '0')]],
    ['open tier before the last', [tier(0, null, '1', '0'), OPEN]],
    ['not starting at 0 (or 1)', [tier(2, null, '1', '0')]],
    ['to not above from', [tier(0, 0, '1', '0'), tier(0, null, '1', '0')]],
    ['a one-unit integer tier (to = from)', [tier(0, 10, '1', '0'), tier(11, 11, '1', '0'), tier(12, null, '1', '0')]],
    ['negative from', [tier(-1, null, '1', '0')]],
    ['exponent bound', [tier(0, '1e3', '1', '0'), tier('1e3', null, '1', '0')]],
  ])('graduated: %s → invalid_graduated_ranges', (_name, ranges) => {
    expect(errorsOf('graduated', { graduated_ranges: ranges })).toEqual(RANGES_INVALID);
  });

  it('graduated: a range that is not an object has neither bounds nor amounts', () => {
    expect(errorsOf('graduated', { graduated_ranges: [tier(0, 10, '1', '0'), 'oops'] })).toEqual({
      ...RANGES_INVALID, per_unit_amount: ['invalid_amount'], flat_amount: ['invalid_amount'],
    });
  });

  it.each([
    ['absent', {}],
    ['empty', { graduated_ranges: [] }],
    ['not an array', { graduated_ranges: 'x' }],
  ])('graduated: ranges %s → missing_graduated_ranges', (_name, raw) => {
    expect(errorsOf('graduated', raw)).toEqual({ graduated_ranges: ['missing_graduated_ranges'] });
  });

  it('graduated: bad per-unit and flat amounts are reported by field', () => {
    expect(errorsOf('graduated', { graduated_ranges: [tier(0, 10, '-1', '2'), tier(11, null, '1', 'NaN')] })).toEqual({
      per_unit_amount: ['invalid_amount'],
      flat_amount: ['invalid_amount'],
    });
  });

  it('graduated: accepts both range conventions and string bounds', () => {
    expect(errorsOf('graduated', { graduated_ranges: [tier(0, 10, '1', '0'), OPEN] })).toBeUndefined();
    expect(errorsOf('graduated', { graduated_ranges: [tier(0, '0.1', '1', '0'), tier('0.1', null, '1', '0')] })).toBeUndefined();
    const parsed = parseChargeProperties('graduated', { graduated_ranges: [tier(0, 10, '1', '0'), OPEN] });
    expect(parsed.graduatedRanges.map((t) => t.lowerBound.toFixed())).toEqual(['0', '10']);
  });

  it('volume uses its own codes', () => {
    expect(errorsOf('volume', {})).toEqual({ volume_ranges: ['missing_volume_ranges'] });
    expect(errorsOf('volume', { volume_ranges: [tier(0, 10, '1', '0'), tier(12, null, '1', '0')] })).toEqual({
      volume_ranges: ['invalid_volume_ranges'],
    });
    expect(errorsOf('volume', { volume_ranges: [tier(0, null, '1', '-3')] })).toEqual({ flat_amount: ['invalid_amount'] });
  });

  it('graduated percentage uses its own codes', () => {
    const range = (from: number, to: number | null, rate: string, flat: string) =>
      ({ from_value: from, to_value: to, rate, flat_amount: flat });
    expect(errorsOf('graduated_percentage', {})).toEqual({
      graduated_percentage_ranges: ['missing_graduated_percentage_ranges'],
    });
    expect(errorsOf('graduated_percentage', { graduated_percentage_ranges: [range(0, 10, '1', '0')] })).toEqual({
      graduated_percentage_ranges: ['invalid_graduated_percentage_ranges'],
    });
    expect(errorsOf('graduated_percentage', { graduated_percentage_ranges: [range(0, null, '-1', '')] })).toEqual({
      rate: ['invalid_rate'],
      flat_amount: ['invalid_amount'],
    });
  });

  it.each([
    [{}, { rate: ['invalid_rate'] }],
    [{ rate: '1e1' }, { rate: ['invalid_rate'] }],
    [{ rate: '1', fixed_amount: 'x' }, { fixed_amount: ['invalid_fixed_amount'] }],
    [{ rate: '1', fixed_amount: '' }, { fixed_amount: ['invalid_fixed_amount'] }],
    [{ rate: '1', free_units_per_events: 0 }, { free_units_per_events: ['invalid_free_units_per_events'] }],
    [{ rate: '1', free_units_per_events: 1.5 }, { free_units_per_events: ['invalid_free_units_per_events'] }],
    [{ rate: '1', free_units_per_events: 'abc' }, { free_units_per_events: ['invalid_free_units_per_events'] }],
    [{ rate: '1', free_units_per_total_aggregation: '-5' }, {
      free_units_per_total_aggregation: ['invalid_free_units_per_total_aggregation'],
    }],
    [{ rate: '1', per_transaction_min_amount: 'abc' }, { per_transaction_min_amount: ['invalid_amount'] }],
    [{ rate: '1', per_transaction_max_amount: '-1' }, { per_transaction_max_amount: ['invalid_amount'] }],
    [{ rate: '1', per_transaction_min_amount: '10', per_transaction_max_amount: '5' }, {
      per_transaction_max_amount: ['per_transaction_max_lower_than_per_transaction_min'],
    }],
  ])('percentage %j → %j', (raw, expected) => {
    expect(errorsOf('percentage', raw)).toEqual(expected);
  });

  it('percentage: parses every optional property', () => {
    const parsed = parseChargeProperties('percentage', {
      rate: '1.3', fixed_amount: '2', free_units_per_events: '3', free_units_per_total_aggregation: '250',
      per_transaction_min_amount: '1', per_transaction_max_amount: '1',
    });
    expect(parsed.freeUnitsPerEvents).toBe(3);
    expect(parsed.perTransactionMaxAmount?.toFixed()).toBe('1');
    expect(parseChargeProperties('percentage', { rate: '1' }).fixedAmount).toBeNull();
  });

  it('rejects properties that are not an object, and unknown models', () => {
    expect(errorsOf('standard', ['5'])).toEqual({ properties: ['value_is_invalid'] });
    expect(errorsOf('standard', 'amount=5')).toEqual({ properties: ['value_is_invalid'] });
    expect(errorsOf('standard', null)).toEqual({ amount: ['invalid_amount'] });
    expect(errorsOf('custom', {})).toEqual({ charge_model: ['value_is_invalid'] }); // Lago's custom model (custom_agg) is not one of Billow's
  });

  it('raises a Lago-shaped validation error', () => {
    const error = (() => {
      try {
        parseChargeProperties('standard', {});
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ChargePropertiesError);
    expect(error).toMatchObject({ code: 'validation_errors', name: 'ChargePropertiesError' });
  });
});
