/**
 * What must hold of an invoice before it is written (Kill Bill checks the same at run time): its
 * fees add up to its totals, no amount is negative, and no subscription is billed twice for the
 * same days. A violation is a bug or a race that would bill a customer wrong, so the writer refuses
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
