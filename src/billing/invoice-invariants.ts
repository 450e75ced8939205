/**
 * What must hold of an invoice before it is written (Kill Bill checks the same at run time): its
 * fees add up to its totals, no amount is negative, and no subscription is billed twice for the
 * same days; a true-up (commitments, spending minimums) is positive, tops up what it names and
 * comes once per subscription or charge. A violation is a bug or a race that would bill a customer wrong, so the writer refuses
 * the whole invoice with an error that names the subscription and the period: the subscription
 * stays parked (its activity retries, visibly failing) until an operator looks.
 */
import type { Cents } from './money';

export class InvoiceInvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvoiceInvariantViolation';
  }
}

/** The amounts of an invoice about to be written, as stored. */
export interface InvoiceAmounts {
  fees_amount_cents: Cents;
  /** What the period's progressive invoices billed already (absent: none). */
  progressive_billing_credit_amount_cents?: Cents;
  coupons_amount_cents: Cents;
  credit_notes_amount_cents: Cents;
  sub_total_excluding_taxes_amount_cents: Cents;
  taxes_amount_cents: Cents;
  sub_total_including_taxes_amount_cents: Cents;
  prepaid_credit_amount_cents: Cents;
  total_amount_cents: Cents;
}

export interface FeeAmounts {
  fee_key: string;
  amount_cents: Cents;
  taxes_amount_cents: Cents;
}

const AMOUNTS: Exclude<keyof InvoiceAmounts, 'progressive_billing_credit_amount_cents'>[] = [
  'fees_amount_cents', 'coupons_amount_cents', 'credit_notes_amount_cents', 'sub_total_excluding_taxes_amount_cents',
  'taxes_amount_cents', 'sub_total_including_taxes_amount_cents', 'prepaid_credit_amount_cents', 'total_amount_cents',
];

const sum = (values: Cents[]) => values.reduce((total, value) => total + value, 0n);

/** Fees add up to the invoice, each step of the totals follows from the one before, nothing is negative. */
export function assertInvoiceAddsUp(label: string, invoice: InvoiceAmounts, fees: readonly FeeAmounts[]): void {
  const fail = (what: string) => {
    throw new InvoiceInvariantViolation(`Invoice ${label} refused: ${what}`);
  };
  const progressiveCredit = invoice.progressive_billing_credit_amount_cents ?? 0n;
  const negative: string[] = AMOUNTS.filter((name) => invoice[name] < 0n);
  if (progressiveCredit < 0n) negative.push('progressive_billing_credit_amount_cents');
  if (negative.length > 0) fail(`negative ${negative.join(', ')}`);
  const negativeFee = fees.find((fee) => fee.amount_cents < 0n || fee.taxes_amount_cents < 0n);
  if (negativeFee) fail(`fee ${negativeFee.fee_key} is negative`);
  if (sum(fees.map((fee) => fee.amount_cents)) !== invoice.fees_amount_cents) fail('its fees do not add up to fees_amount_cents');
  if (sum(fees.map((fee) => fee.taxes_amount_cents)) !== invoice.taxes_amount_cents) fail('its fees’ taxes do not add up to taxes_amount_cents');
  if (progressiveCredit > invoice.fees_amount_cents) fail('the progressive-billing credit exceeds the fees');
  if (invoice.fees_amount_cents - progressiveCredit - invoice.coupons_amount_cents !== invoice.sub_total_excluding_taxes_amount_cents) {
    fail('fees − coupons − progressive-billing credit ≠ sub-total excluding taxes');
  }
  if (invoice.sub_total_excluding_taxes_amount_cents + invoice.taxes_amount_cents !== invoice.sub_total_including_taxes_amount_cents) fail('sub-total + taxes ≠ sub-total including taxes');
  const total = invoice.sub_total_including_taxes_amount_cents - invoice.credit_notes_amount_cents - invoice.prepaid_credit_amount_cents;
  if (total !== invoice.total_amount_cents) fail('sub-total − credits ≠ total');
}

/** A stretch of days a subscription is billed its base fee for, as stored on a fee: [from, to], inclusive. */
export interface BilledStretch {
  subscriptionId: string;
  fromMs: number;
  toMs: number;
}

/** Refuses a new base fee that covers a day another base fee of the same subscription covers already. */
export function assertNoDoubleBilling(fresh: readonly BilledStretch[], billed: readonly BilledStretch[]): void {
  fresh.forEach((stretch, index) => {
    const clash = [...billed, ...fresh.slice(0, index)].find((other) => overlap(stretch, other));
    if (clash) {
      throw new InvoiceInvariantViolation(
        `Double billing detected: subscription ${stretch.subscriptionId} would be billed ${period(stretch)} although ${period(clash)} is billed already`,
      );
    }
  });
}

function overlap(a: BilledStretch, b: BilledStretch): boolean {
  return a.subscriptionId === b.subscriptionId && a.fromMs <= b.toMs && b.fromMs <= a.toMs;
}

function period(stretch: BilledStretch): string {
  return `${new Date(stretch.fromMs).toISOString()} – ${new Date(stretch.toMs).toISOString()}`;
}

/**
 * A fixed-charge fee's period stretch as stored: [from, to], inclusive. Increases billed in advance
 * mid-period add to the period's fee by design and are not stretches.
 */
export interface FixedChargeStretch {
  subscriptionId: string;
  /** Null is a violation: every fixed-charge fee names its fixed charge. */
  fixedChargeId: string | null;
  payInAdvance: boolean;
  fromMs: number;
  toMs: number;
}

/**
 * Refuses a fixed-charge fee without its fixed charge, or one that covers a day another fee of the
 * same subscription, fixed charge and timing covers already (a period billed twice).
 */
export function assertNoDoubleFixedCharges(fresh: readonly FixedChargeStretch[], billed: readonly FixedChargeStretch[]): void {
  fresh.forEach((stretch, index) => {
    if (stretch.fixedChargeId === null) {
      throw new InvoiceInvariantViolation(`Fixed-charge fee of subscription ${stretch.subscriptionId} names no fixed charge`);
    }
    const clash = [...billed, ...fresh.slice(0, index)].find((other) =>
      other.fixedChargeId === stretch.fixedChargeId && other.payInAdvance === stretch.payInAdvance
      && overlap({ ...stretch }, { ...other }));
    if (clash) {
      throw new InvoiceInvariantViolation(
        `Double billing detected: fixed charge ${stretch.fixedChargeId} of subscription ${stretch.subscriptionId} would be billed ${period(stretch)} although ${period(clash)} is billed already`,
      );
    }
  });
}

/**
 * Progressive billing (issue 15): a progressive invoice bills usage fees only, and a closing
 * invoice's progressive-billing credit sits on usage fees, each at most its fee.
 */
export function assertProgressiveBilling(label: string, invoiceType: string, fees: readonly { key: string; kind: string; amountCents: Cents; progressiveCreditCents?: Cents }[]): void {
  const fail = (what: string) => {
    throw new InvoiceInvariantViolation(`Invoice ${label} refused: ${what}`);
  };
  if (invoiceType === 'progressive_billing') {
    const other = fees.find((fee) => fee.kind !== 'charge');
    if (other) fail(`a progressive invoice bills usage only, not the ${other.kind} fee ${other.key}`);
  }
  for (const fee of fees) {
    const credit = fee.progressiveCreditCents ?? 0n;
    if (credit === 0n) continue;
    if (fee.kind !== 'charge') fail(`a progressive-billing credit on the ${fee.kind} fee ${fee.key}`);
    if (credit < 0n || credit > fee.amountCents) fail(`the progressive-billing credit of fee ${fee.key} is not between 0 and its amount`);
    if (invoiceType === 'progressive_billing') fail(`a progressive invoice carries a progressive-billing credit (fee ${fee.key})`);
  }
}

/** A fee as the true-up invariants see it. */
export interface TrueUpFee {
  fee_key: string;
  fee_type: string;
  subscription_id: string | null;
  charge_id: string | null;
  amount_cents: Cents;
  /** A spending-minimum true-up: the key of the fee it tops up. */
  true_up_parent_fee_key?: string | null;
}

/**
 * True-ups are only ever added to bill what is missing: each is positive; a commitment true-up
 * comes at most once per subscription on an invoice; a spending-minimum true-up tops up a charge
 * fee of the same charge and subscription on the same invoice, at most one per charge and
 * subscription, and is no parent itself.
 */
export function assertTrueUpsHold(label: string, fees: readonly TrueUpFee[]): void {
  const fail = (what: string) => {
    throw new InvoiceInvariantViolation(`Invoice ${label} refused: ${what}`);
  };
  const byKey = new Map(fees.map((fee) => [fee.fee_key, fee]));
  const commitments = new Set<string>();
  const toppedUp = new Set<string>();
  for (const fee of fees) {
    if (fee.fee_type === 'commitment') {
      if (fee.amount_cents <= 0n) fail(`commitment true-up ${fee.fee_key} is not positive`);
      const owner = fee.subscription_id ?? '';
      if (commitments.has(owner)) fail(`two commitment true-ups for subscription ${owner}`);
      commitments.add(owner);
    }
    if (!fee.true_up_parent_fee_key) continue;
    const parent = byKey.get(fee.true_up_parent_fee_key);
    if (fee.fee_type !== 'charge' || fee.amount_cents <= 0n) fail(`true-up ${fee.fee_key} is not a positive charge fee`);
    if (!parent || parent.fee_type !== 'charge' || parent.charge_id !== fee.charge_id || parent.subscription_id !== fee.subscription_id || parent.true_up_parent_fee_key) {
      fail(`true-up ${fee.fee_key} does not top up a fee of its charge on this invoice`);
    }
    const charge = `${fee.subscription_id ?? ''}:${fee.charge_id ?? ''}`;
    if (toppedUp.has(charge)) fail(`two spending-minimum true-ups for charge ${fee.charge_id}`);
    toppedUp.add(charge);
  }
}
