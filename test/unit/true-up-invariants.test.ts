/** The writer's checks on true-ups (src/billing/invoice-invariants.ts), case by case. */
import { assertTrueUpsHold, InvoiceInvariantViolation, type TrueUpFee } from '../../src/billing/invoice-invariants';

const fee = (fields: Partial<TrueUpFee> & Pick<TrueUpFee, 'fee_key'>): TrueUpFee => ({
  fee_type: 'charge', subscription_id: 's1', charge_id: 'c1', amount_cents: 1000n, true_up_parent_fee_key: null, ...fields,
});

const base = fee({ fee_key: 's1:subscription', fee_type: 'subscription', charge_id: null, amount_cents: 40000n });
const parent = fee({ fee_key: 's1:charge:c1', amount_cents: 3000n });
const trueUp = fee({ fee_key: 's1:charge:c1:true_up', amount_cents: 2000n, true_up_parent_fee_key: 's1:charge:c1' });
const commitment = fee({ fee_key: 's1:commitment', fee_type: 'commitment', charge_id: null, amount_cents: 36000n });

test('an invoice with a spending-minimum true-up and a commitment true-up holds', () => {
  expect(() => assertTrueUpsHold('inv', [base, parent, trueUp, commitment])).not.toThrow();
  // Two subscriptions (a consolidated invoice) each have their own.
  const other = [fee({ ...parent, fee_key: 's2:charge:c1', subscription_id: 's2' }), fee({ ...trueUp, fee_key: 's2:charge:c1:true_up', subscription_id: 's2', true_up_parent_fee_key: 's2:charge:c1' }),
    fee({ ...commitment, fee_key: 's2:commitment', subscription_id: 's2' })];
  expect(() => assertTrueUpsHold('inv', [base, parent, trueUp, commitment, ...other])).not.toThrow();
});

test.each<[string, TrueUpFee[], RegExp]>([
  ['a true-up of nothing', [base, parent, { ...trueUp, amount_cents: 0n }], /not a positive charge fee/],
  ['a true-up whose parent is not on the invoice', [base, trueUp], /does not top up/],
  ['a true-up of another charge', [base, { ...parent, charge_id: 'c2' }, trueUp], /does not top up/],
  ['a true-up of another subscription\'s fee', [base, { ...parent, subscription_id: 's2' }, trueUp], /does not top up/],
  ['a true-up of a base fee', [base, parent, { ...trueUp, true_up_parent_fee_key: 's1:subscription' }], /does not top up/],
  ['a true-up of a true-up', [base, parent, trueUp, { ...trueUp, fee_key: 'x', true_up_parent_fee_key: trueUp.fee_key }], /does not top up/],
  ['two true-ups of one charge', [base, parent, trueUp, { ...trueUp, fee_key: 's1:charge:c1:true_up:2' }], /two spending-minimum true-ups/],
  ['a commitment true-up of nothing', [base, { ...commitment, amount_cents: 0n }], /commitment true-up .* is not positive/],
  ['two commitment true-ups for one subscription', [base, commitment, { ...commitment, fee_key: 's1:commitment:2' }], /two commitment true-ups/],
])('refuses %s', (_label, fees, message) => {
  expect(() => assertTrueUpsHold('inv', fees)).toThrow(InvoiceInvariantViolation);
  expect(() => assertTrueUpsHold('inv', fees)).toThrow(message);
});
