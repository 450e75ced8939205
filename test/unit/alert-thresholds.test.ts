/**
 * Usage alerts' crossing rule (src/billing/alert-thresholds.ts, Lago's `find_thresholds_crossed`,
 * increasing): previous < threshold ≤ current; the recurring threshold steps from the highest fixed one.
 */
import { crossedThresholds, MAX_RECURRING_STEPS, type AlertThresholdRule } from '../../src/billing/alert-thresholds';
import { Dec } from '../../src/billing/money';

const t = (value: string, code: string | null = null, recurring = false): AlertThresholdRule => ({ code, value: new Dec(value), recurring });
const crossed = (thresholds: AlertThresholdRule[], previous: string, current: string) =>
  crossedThresholds(thresholds, new Dec(previous), new Dec(current)).map((c) => `${c.recurring ? 'r' : 'f'}:${c.code ?? '-'}:${c.value.toFixed()}`);

describe('fixed thresholds', () => {
  const thresholds = [t('8000', 'warn'), t('10000', 'limit')];

  test('a threshold is crossed when previous < value ≤ current', () => {
    // 0 → 9000 cents: 8000 is in (0, 9000], 10000 is not.
    expect(crossed(thresholds, '0', '9000')).toEqual(['f:warn:8000']);
    // 7999 → 8000: reaching the value exactly crosses it.
    expect(crossed(thresholds, '7999', '8000')).toEqual(['f:warn:8000']);
    // 8000 → 12000: 8000 was reached already (not > previous); 10000 is in (8000, 12000].
    expect(crossed(thresholds, '8000', '12000')).toEqual(['f:limit:10000']);
    // 0 → 12000: both at once.
    expect(crossed(thresholds, '0', '12000')).toEqual(['f:warn:8000', 'f:limit:10000']);
  });

  test('nothing when the value did not rise, or stays below the lowest threshold', () => {
    expect(crossed(thresholds, '9000', '9000')).toEqual([]);
    expect(crossed(thresholds, '12000', '9000')).toEqual([]);
    expect(crossed(thresholds, '0', '7999')).toEqual([]);
  });

  test('decimal units', () => {
    // Units 8 → 11 cross 10 only; 11 → 31 cross 25.
    const units = [t('10', 'ten'), t('25.5', 'high')];
    expect(crossed(units, '8', '11')).toEqual(['f:ten:10']);
    expect(crossed(units, '11', '31')).toEqual(['f:high:25.5']);
    expect(crossed(units, '25.49999', '25.5')).toEqual(['f:high:25.5']);
  });
});

describe('the recurring threshold', () => {
  // Fixed 1000, recurring 500: steps at 1000 + 500k = 1500, 2000, 2500…
  const thresholds = [t('1000', 'first'), t('500', 'every', true)];

  test('each step beyond the highest fixed threshold is crossed', () => {
    // 0 → 1200: the fixed 1000 only (the first step is 1500).
    expect(crossed(thresholds, '0', '1200')).toEqual(['f:first:1000']);
    // 1200 → 2100: steps 1500 and 2000.
    expect(crossed(thresholds, '1200', '2100')).toEqual(['r:every:1500', 'r:every:2000']);
    // 2100 → 2200: none (next step 2500).
    expect(crossed(thresholds, '2100', '2200')).toEqual([]);
    // 2000 → 2500: a step reached before (2000 = previous) is not crossed again; 2500 is.
    expect(crossed(thresholds, '2000', '2500')).toEqual(['r:every:2500']);
    // 0 → 2600: the fixed one and steps 1500, 2000, 2500.
    expect(crossed(thresholds, '0', '2600')).toEqual(['f:first:1000', 'r:every:1500', 'r:every:2000', 'r:every:2500']);
  });

  test('without fixed thresholds the steps start from 0', () => {
    // Recurring 50.00 (5000 cents) alone: 0 → 12000 crosses 5000 and 10000.
    expect(crossed([t('5000', 'step', true)], '0', '12000')).toEqual(['r:step:5000', 'r:step:10000']);
  });

  test('a huge jump keeps the highest steps only', () => {
    // Step 1 from 0 to 5000: steps 1…5000, of which the highest MAX_RECURRING_STEPS (4001…5000) are kept.
    const steps = crossed([t('1', null, true)], '0', '5000');
    expect(steps).toHaveLength(MAX_RECURRING_STEPS);
    expect(steps[0]).toBe(`r:-:${5000 - MAX_RECURRING_STEPS + 1}`);
    expect(steps.at(-1)).toBe('r:-:5000');
  });
});

test('keys: fixed and recurring kept apart, one per value', () => {
  const keys = crossedThresholds([t('100'), t('100', null, true)], new Dec(0), new Dec(250)).map((c) => c.key);
  // Fixed 100; recurring 100 from 100: 200 (300 is beyond 250).
  expect(keys).toEqual(['fixed:100', 'recurring:200']);
});
