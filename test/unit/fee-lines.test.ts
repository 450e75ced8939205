import { applicableTaxes, billsBaseFee, billsUsage } from '../../src/billing/fee-lines';
import { Dec } from '../../src/billing/money';

const vat = (code: string, rate: string) => ({ code, name: code, rate: new Dec(rate) });

describe('which fees an invoice holds', () => {
  it('shows usage priced at 0 but leaves off a charge with no usage', () => {
    expect(billsUsage({ amountCents: 0n, units: new Dec(2), eventsCount: 3 })).toBe(true); // hybrid invoice 2: 2 MTUs, 0
    expect(billsUsage({ amountCents: 0n, units: new Dec(0), eventsCount: 0 })).toBe(false);
    expect(billsUsage({ amountCents: 200n, units: new Dec(0), eventsCount: 0 })).toBe(true); // a first-tier flat fee at 0 units
  });
  it('has no base-fee line for a €0 plan', () => {
    expect(billsBaseFee({ amountCents: 0n })).toBe(false);
    expect(billsBaseFee({ amountCents: 12000n })).toBe(true);
  });
  it('takes a charge’s taxes, else the plan’s, else the customer’s', () => {
    const customer = [vat('vat_12_5', '12.5')];
    const plan = [vat('vat_20', '20')];
    const charge = [vat('vat_5', '5')];
    expect(applicableTaxes({ charge, plan, customer })).toBe(charge);
    expect(applicableTaxes({ charge: [], plan, customer })).toBe(plan);
    expect(applicableTaxes({ plan: [], customer })).toBe(customer);
  });
});
