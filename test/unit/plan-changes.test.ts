import { planChangeKind, yearlyAmountCents } from '../../src/billing/plan-changes';

describe('plan changes', () => {
  it('compares plans by their yearly amount', () => {
    expect(yearlyAmountCents({ interval: 'weekly', amountCents: 100n })).toBe(5200n); // 100 × 52
    expect(yearlyAmountCents({ interval: 'monthly', amountCents: 1000n })).toBe(12000n); // 1000 × 12
    expect(yearlyAmountCents({ interval: 'quarterly', amountCents: 91000n })).toBe(364000n); // 91000 × 4
    expect(yearlyAmountCents({ interval: 'semiannual', amountCents: 500n })).toBe(1000n); // 500 × 2
    expect(yearlyAmountCents({ interval: 'yearly', amountCents: 12000n })).toBe(12000n);
  });
  it('treats an equal or higher yearly amount as an upgrade, a lower one as a downgrade', () => {
    // monthly 1000 = 12000 a year; yearly 12000 → equal → upgrade (reference §11 vector 18).
    expect(planChangeKind({ interval: 'monthly', amountCents: 1000n }, { interval: 'yearly', amountCents: 12000n })).toBe('upgrade');
    // weekly 300 = 15600 a year > monthly 1200 = 14400 → going weekly→monthly is a downgrade.
    expect(planChangeKind({ interval: 'weekly', amountCents: 300n }, { interval: 'monthly', amountCents: 1200n })).toBe('downgrade');
  });
});
