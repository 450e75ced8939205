/**
 * Wallet alerts' crossing rule (src/billing/wallet-alert-thresholds.ts, Lago's
 * `find_thresholds_crossed_decreasing`): current ≤ threshold < previous; the recurring threshold
 * steps down from the lowest fixed one (from 0 without any).
 */
import { MAX_RECURRING_STEPS, type AlertThresholdRule } from '../../src/billing/alert-thresholds';
import { crossedThresholdsFalling } from '../../src/billing/wallet-alert-thresholds';
import { Dec } from '../../src/billing/money';

const t = (value: string, code: string | null = null, recurring = false): AlertThresholdRule => ({ code, value: new Dec(value), recurring });
const crossed = (thresholds: AlertThresholdRule[], previous: string, current: string) =>
  crossedThresholdsFalling(thresholds, new Dec(previous), new Dec(current)).map((c) => `${c.recurring ? 'r' : 'f'}:${c.code ?? '-'}:${c.value.toFixed()}`);

describe('fixed thresholds', () => {
  const thresholds = [t('10000', 'low'), t('5000', 'very_low')];

  test('a threshold is crossed when current ≤ value < previous', () => {
    // 20000 → 9000 cents: 10000 is in [9000, 20000), 5000 is not.
    expect(crossed(thresholds, '20000', '9000')).toEqual(['f:low:10000']);
    // 5001 → 5000: reaching the value exactly crosses it.
    expect(crossed(thresholds, '5001', '5000')).toEqual(['f:very_low:5000']);
    // 10000 → 4000: 10000 was reached already (not < previous); 5000 is in [4000, 10000).
    expect(crossed(thresholds, '10000', '4000')).toEqual(['f:very_low:5000']);
    // 20000 → 0: both at once, lowest first.
    expect(crossed(thresholds, '20000', '0')).toEqual(['f:very_low:5000', 'f:low:10000']);
  });

  test('nothing when the value did not fall, or stays above the highest threshold', () => {
    expect(crossed(thresholds, '9000', '9000')).toEqual([]);
    // A rise (a top-up) crosses nothing; it re-arms what it rose above for the next fall.
    expect(crossed(thresholds, '4000', '30000')).toEqual([]);
    expect(crossed(thresholds, '30000', '10001')).toEqual([]);
    // Below already and falling further, past no threshold: nothing again.
    expect(crossed(thresholds, '4000', '100')).toEqual([]);
  });
});

describe('the recurring threshold', () => {
  test('steps down from the lowest fixed threshold', () => {
    // Fixed 10000, every 2000 below it: 8000, 6000, 4000, 2000, 0.
    const thresholds = [t('10000', 'low'), t('2000', 'step', true)];
    // 12000 → 7000: 10000 and the step 8000 (10000 − 1 × 2000); 6000 is below 7000.
    expect(crossed(thresholds, '12000', '7000')).toEqual(['f:low:10000', 'r:step:8000']);
    // 7000 → 3000: steps 6000 and 4000 (both in [3000, 7000)), lowest first.
    expect(crossed(thresholds, '7000', '3000')).toEqual(['r:step:4000', 'r:step:6000']);
    // 6000 → 5000: the step 6000 equals the previous value: not crossed again; 4000 not reached.
    expect(crossed(thresholds, '6000', '5000')).toEqual([]);
  });

  test('without fixed thresholds it steps down from 0, as Lago: a balance never below 0 crosses none', () => {
    const thresholds = [t('1000', 'step', true)];
    expect(crossed(thresholds, '5000', '0')).toEqual([]);
    // A value below 0 (Billow never shows one) would cross −1000, −2000.
    expect(crossed(thresholds, '5000', '-2500')).toEqual(['r:step:-2000', 'r:step:-1000']);
  });

  test('at most MAX_RECURRING_STEPS steps in one evaluation, the lowest ones', () => {
    const thresholds = [t('0', 'zero'), t('1', 'step', true)];
    const steps = crossed(thresholds, '1', `-${MAX_RECURRING_STEPS + 10}`).filter((c) => c.startsWith('r:'));
    expect(steps).toHaveLength(MAX_RECURRING_STEPS);
    // The lowest step is 0 − (MAX + 10) × 1.
    expect(steps[0]).toBe(`r:step:-${MAX_RECURRING_STEPS + 10}`);
  });
});
