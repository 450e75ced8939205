/**
 * Prepaid credits (reference/lago-api.md §1.8). A wallet prices one credit at `rate_amount` major
 * units, so an amount of credits is worth `credits × rate_amount × subunit` cents.
 *
 * Invariants:
 * - The wallet's balance in cents is the authoritative money; credits are shown with 5 decimals
 *   (Lago's column precision) and derived from cents, never the other way round after a top-up.
 * - A number of credits is turned into cents once, rounded half away from zero.
 * - Cents drawn from a wallet become credits by dividing by the credit's price in cents and
 *   rounding to 5 decimals, half away from zero.
 */
import { Dec, roundCents, subunitToUnit, type Cents } from './money';

export const CREDIT_DECIMALS = 5;

export class CreditsError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'CreditsError';
  }
}

const CREDITS = /^\d+(?:\.\d+)?$/;

/**
 * Strictly parses a non-negative amount of credits or a rate: a decimal string ("10", "2.5") or a
 * finite JSON number, with at most `maxDecimals` decimals.
 */
export function parseCreditAmount(input: unknown, maxDecimals = CREDIT_DECIMALS): Dec {
  let text: string;
  if (typeof input === 'string') text = input.trim();
  else if (typeof input === 'number' && Number.isFinite(input)) text = new Dec(input).toFixed();
  else throw new CreditsError('value_is_invalid', `Not a decimal: ${JSON.stringify(input)}`);
  if (!CREDITS.test(text)) throw new CreditsError('value_is_invalid', `Not a non-negative decimal: ${JSON.stringify(input)}`);
  const value = new Dec(text);
  if (value.decimalPlaces() > maxDecimals) throw new CreditsError('value_is_invalid', `More than ${maxDecimals} decimals: ${text}`);
  return value;
}

/** The price of one credit in cents, exact (rate 1.5 EUR → 150). */
export function creditPriceCents(rateAmount: Dec, currency: string): Dec {
  if (!rateAmount.isFinite() || rateAmount.lte(0)) throw new RangeError(`A credit rate must be positive: ${rateAmount.toString()}`);
  return rateAmount.times(subunitToUnit(currency));
}

/** credits × rate × subunit, rounded once: 10 credits at 1.5 EUR → 1500 cents. */
export function creditsToCents(credits: Dec, rateAmount: Dec, currency: string): Cents {
  if (credits.isNegative()) throw new RangeError(`Credits must not be negative: ${credits.toString()}`);
  return roundCents(credits.times(creditPriceCents(rateAmount, currency)));
}

/** cents ÷ (rate × subunit), to 5 decimals: 1250 cents at 1.5 EUR → 8.33333 credits. */
export function centsToCredits(cents: Cents, rateAmount: Dec, currency: string): Dec {
  if (cents < 0n) throw new RangeError(`Cents must not be negative: ${cents}`);
  return new Dec(cents.toString()).dividedBy(creditPriceCents(rateAmount, currency)).toDecimalPlaces(CREDIT_DECIMALS, Dec.ROUND_HALF_UP);
}

export interface Draw {
  id: string;
  amountCents: Cents;
}

/**
 * Splits `amountCents` over balances already sorted in drawing order (wallets by priority then
 * age, credit notes by age): each gives what it has until the amount is met. Never draws more than
 * a balance holds nor more than asked; balances that give nothing are left out.
 */
export function planDraws(amountCents: Cents, balances: readonly { id: string; balanceCents: Cents }[]): Draw[] {
  if (amountCents < 0n) throw new RangeError(`Cannot draw a negative amount: ${amountCents}`);
  const draws: Draw[] = [];
  let left = amountCents;
  for (const balance of balances) {
    if (left === 0n) break;
    if (balance.balanceCents < 0n) throw new RangeError(`Balance ${balance.id} is negative`);
    const draw = balance.balanceCents < left ? balance.balanceCents : left;
    if (draw > 0n) draws.push({ id: balance.id, amountCents: draw });
    left -= draw;
  }
  return draws;
}

// What a wallet may pay for (Lago's `applies_to`) --------------------------------------------

/** The fee types a wallet may be limited to (Lago's `applies_to.fee_types`). */
export const WALLET_FEE_TYPES = ['charge', 'subscription', 'commitment'] as const;
export type WalletFeeType = (typeof WALLET_FEE_TYPES)[number];

/** A wallet as drawn: its balance and what it may pay for (both lists empty: everything). */
export interface ScopedBalance {
  id: string;
  balanceCents: Cents;
  feeTypes: readonly string[];
  /** The billable metrics whose charge fees it pays. */
  billableMetricIds: readonly string[];
}

/** What is to be paid, by fee type and (for a charge fee) billable metric, after taxes. */
export interface FeeBucket {
  feeType: string;
  billableMetricId: string | null;
  amountCents: Cents;
}

/**
 * Lago's applicability (`Credits::AllocatePrepaidCreditsByWalletsService#applicable_fee?`): an
 * unrestricted wallet pays every fee; a restricted one the fees of a listed type, and the charge
 * fees of a listed billable metric.
 */
export function walletPays(wallet: Pick<ScopedBalance, 'feeTypes' | 'billableMetricIds'>, bucket: Pick<FeeBucket, 'feeType' | 'billableMetricId'>): boolean {
  if (wallet.feeTypes.length === 0 && wallet.billableMetricIds.length === 0) return true;
  if (wallet.feeTypes.includes(bucket.feeType)) return true;
  return bucket.feeType === 'charge' && bucket.billableMetricId !== null && wallet.billableMetricIds.includes(bucket.billableMetricId);
}

/**
 * Draws up to `capCents` of the buckets from wallets given in drawing order (priority 1 first,
 * then oldest), as Lago allocates prepaid credits to an invoice: the buckets are merged by fee type
 * and metric and taken largest first (ties by key, so the result is stable); each wallet in turn
 * pays what it may of each bucket until its balance, the bucket or the cap runs out. A wallet
 * never gives more than it holds, a bucket is never paid twice, and the draws add up to at most
 * the cap. Balances that give nothing are left out.
 */
export function allocateToWallets(wallets: readonly ScopedBalance[], buckets: readonly FeeBucket[], capCents: Cents): Draw[] {
  if (capCents < 0n) throw new RangeError(`Cannot draw a negative amount: ${capCents}`);
  const merged = new Map<string, FeeBucket>();
  for (const bucket of buckets) {
    const key = `${bucket.feeType}:${bucket.billableMetricId ?? ''}`;
    const entry = merged.get(key);
    merged.set(key, { ...bucket, amountCents: (entry?.amountCents ?? 0n) + bucket.amountCents });
  }
  const pool = [...merged.entries()]
    .filter(([, bucket]) => bucket.amountCents > 0n)
    .sort(([ka, a], [kb, b]) => (a.amountCents === b.amountCents ? (ka < kb ? -1 : ka > kb ? 1 : 0) : a.amountCents > b.amountCents ? -1 : 1))
    .map(([, bucket]) => ({ ...bucket }));
  let cap = capCents;
  const draws: Draw[] = [];
  for (const wallet of wallets) {
    if (wallet.balanceCents < 0n) throw new RangeError(`Balance ${wallet.id} is negative`);
    let room = wallet.balanceCents;
    let drawn = 0n;
    for (const bucket of pool) {
      if (room === 0n || cap === 0n) break;
      if (bucket.amountCents === 0n || !walletPays(wallet, bucket)) continue;
      let take = bucket.amountCents;
      if (room < take) take = room;
      if (cap < take) take = cap;
      bucket.amountCents -= take;
      room -= take;
      cap -= take;
      drawn += take;
    }
    if (drawn > 0n) draws.push({ id: wallet.id, amountCents: drawn });
  }
  return draws;
}
