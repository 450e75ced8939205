/** The checks the invoice writer makes before it writes, worked by hand. */
import { assertInvoiceAddsUp, assertNoDoubleBilling, InvoiceInvariantViolation, type InvoiceAmounts } from '../../src/billing/invoice-invariants';

const at = (iso: string) => Date.parse(iso);
const END = '23:59:59.999Z';

// 12000 + 3000 fees, a 1500 coupon, 12.5 % tax on 13500 = 1687.5 → 1688, 1000 of wallet credit:
// 15000 − 1500 = 13500; 13500 + 1688 = 15188; 15188 − 0 − 1000 = 14188.
const invoice: InvoiceAmounts = {
  fees_amount_cents: 15000n,
  coupons_amount_cents: 1500n,
  sub_total_excluding_taxes_amount_cents: 13500n,
  taxes_amount_cents: 1688n,
  sub_total_including_taxes_amount_cents: 15188n,
  credit_notes_amount_cents: 0n,
  prepaid_credit_amount_cents: 1000n,
  total_amount_cents: 14188n,
};
const fees = [
  { fee_key: 'subscription', amount_cents: 12000n, taxes_amount_cents: 1350n },
  { fee_key: 'charge:mtu', amount_cents: 3000n, taxes_amount_cents: 338n },
];

describe('an invoice adds up', () => {
  it('accepts totals that follow from the fees', () => {
    expect(() => assertInvoiceAddsUp('inv', invoice, fees)).not.toThrow();
  });
  it.each([
    ['a fee the invoice does not count', { ...invoice, fees_amount_cents: 14999n }, fees, /fees do not add up/],
    ['taxes that are not the fees’ taxes', { ...invoice, taxes_amount_cents: 1687n, sub_total_including_taxes_amount_cents: 15187n, total_amount_cents: 14187n }, fees, /taxes do not add up/],
    ['a sub-total that forgets the coupon', { ...invoice, sub_total_excluding_taxes_amount_cents: 15000n }, fees, /fees − coupons/],
    ['a total that forgets the wallet', { ...invoice, total_amount_cents: 15188n }, fees, /sub-total − credits ≠ total/],
    ['a negative total', { ...invoice, prepaid_credit_amount_cents: 16188n, total_amount_cents: -1000n }, fees, /negative total_amount_cents/],
    ['a negative fee', { ...invoice, fees_amount_cents: 11000n, sub_total_excluding_taxes_amount_cents: 9500n, sub_total_including_taxes_amount_cents: 11188n, total_amount_cents: 10188n },
      [fees[0]!, { ...fees[1]!, amount_cents: -1000n }], /fee charge:mtu is negative/],
  ])('refuses %s', (_what, amounts, lines, message) => {
    expect(() => assertInvoiceAddsUp('inv-7', amounts, lines)).toThrow(InvoiceInvariantViolation);
    expect(() => assertInvoiceAddsUp('inv-7', amounts, lines)).toThrow(message);
  });
});

describe('no subscription is billed twice for the same day', () => {
  const january = { subscriptionId: 'sub-a', fromMs: at('2027-01-01T00:00:00Z'), toMs: at(`2027-01-31T${END}`) };
  const february = { subscriptionId: 'sub-a', fromMs: at('2027-02-01T00:00:00Z'), toMs: at(`2027-02-28T${END}`) };

  it('accepts the next period, and the same days for another subscription', () => {
    expect(() => assertNoDoubleBilling([february], [january])).not.toThrow();
    expect(() => assertNoDoubleBilling([{ ...january, subscriptionId: 'sub-b' }], [january])).not.toThrow();
  });
  it('refuses a period overlapping one billed already, naming the subscription and both periods', () => {
    const midJanuary = { subscriptionId: 'sub-a', fromMs: at('2027-01-15T00:00:00Z'), toMs: at(`2027-02-14T${END}`) };
    expect(() => assertNoDoubleBilling([midJanuary], [january])).toThrow(
      'Double billing detected: subscription sub-a would be billed 2027-01-15T00:00:00.000Z – 2027-02-14T23:59:59.999Z although 2027-01-01T00:00:00.000Z – 2027-01-31T23:59:59.999Z is billed already',
    );
  });
  it('refuses one shared day (the last of one period, the first of the other)', () => {
    const overlapOneDay = { subscriptionId: 'sub-a', fromMs: at('2027-01-31T00:00:00Z'), toMs: at(`2027-02-27T${END}`) };
    expect(() => assertNoDoubleBilling([overlapOneDay], [january])).toThrow(InvoiceInvariantViolation);
  });
  it('refuses two base fees of one invoice for the same days', () => {
    expect(() => assertNoDoubleBilling([january, { ...january }], [])).toThrow(/Double billing detected: subscription sub-a/);
  });
});
