/**
 * A wallet's ongoing balance (Lago's `ongoing_balance_cents`, `ongoing_usage_balance_cents` and
 * their credits), computed when it is read from the customer's usage not yet invoiced
 * (invoicing's `ongoingUsageBuckets`: current usage after taxes, and draft invoices), so it is as
 * fresh as the last event stored, with no refresh job.
 *
 * The usage is net of what the period's progressive invoices billed already (they drew on the
 * wallets when they were issued): ongoing usage = current usage − progressive billed, per metric.
 *
 * The usage is drawn from the customer's usable wallets (active, unexpired) as an invoice would
 * draw them (`allocateToWallets`): per currency, priority 1 first then oldest, each wallet paying
 * only the fees its `applies_to` allows, up to its balance. So no wallet's ongoing balance is ever
 * negative (Lago lets the last wallet go below zero; Billow leaves the excess unallocated, as an
 * invoice would leave it to be paid), and the ongoing usage balances of a customer's wallets add
 * up to at most its usage. A terminated or expired wallet pays nothing: its ongoing balance is its
 * balance.
 */
import type { Db } from '../../db/knex';
import { Dec, type Cents } from '../../billing/money';
import { allocateToWallets, centsToCredits } from '../../billing/wallet-credits';
import { forEachConcurrently } from '../../runtime/concurrency';
import { billableMetricCodesByIds, externalIdsOfWalletCustomers, usableWalletsOfCustomer, type WalletRow } from '../../db/wallets';
import { activeRulesOfWallets, type WalletRuleRow } from '../../db/wallet-rules';
import { ongoingUsageBuckets } from '../invoicing';
import type { UsageAggregator } from '../usage';

/** How a wallet is read: "now" from the injected clock, and the app's usage cache when it has one. */
export interface WalletReading {
  nowMs: number;
  aggregator?: UsageAggregator;
}

/** A wallet as the API shows it: its customer's external id, what it pays for, and its live balances. */
export interface CustomerWallet {
  wallet: WalletRow;
  externalCustomerId: string;
  /** The codes of `applies_to_billable_metric_ids`, in the same order. */
  billableMetricCodes: string[];
  /** What of the customer's ongoing usage this wallet would pay (≤ balance_cents). */
  ongoingUsageCents: Cents;
  /** Its active recurring top-up rule, if any. */
  recurringRules: WalletRuleRow[];
}

export interface OngoingBalance {
  ongoingUsageCents: Cents;
  ongoingBalanceCents: Cents;
  ongoingUsageCredits: Dec;
  ongoingBalanceCredits: Dec;
}

/** The ongoing balances of a wallet, in cents and credits (credits from cents, 5 decimals). */
export function ongoingBalanceOf(wallet: Pick<WalletRow, 'balance_cents' | 'rate_amount' | 'currency'>, ongoingUsageCents: Cents): OngoingBalance {
  const rate = new Dec(wallet.rate_amount);
  const ongoingBalanceCents = wallet.balance_cents - ongoingUsageCents;
  return {
    ongoingUsageCents,
    ongoingBalanceCents,
    ongoingUsageCredits: centsToCredits(ongoingUsageCents, rate, wallet.currency),
    ongoingBalanceCredits: centsToCredits(ongoingBalanceCents, rate, wallet.currency),
  };
}

/** What of the customer's ongoing usage each of its usable wallets pays, by wallet id. */
export async function ongoingUsageByWallet(db: Db, organizationId: string, customerId: string, reading: WalletReading): Promise<Map<string, Cents>> {
  const wallets = await usableWalletsOfCustomer(db, organizationId, customerId, new Date(reading.nowMs));
  const byWallet = new Map<string, Cents>(wallets.map((wallet) => [wallet.id, 0n]));
  if (!wallets.some((wallet) => wallet.balance_cents > 0n)) return byWallet;
  const buckets = await ongoingUsageBuckets(db, { organizationId, customerId, atMs: reading.nowMs, aggregator: reading.aggregator });
  for (const currency of new Set(wallets.map((wallet) => wallet.currency))) {
    const inCurrency = buckets.filter((bucket) => bucket.currency === currency);
    // Net of what progressive invoices billed already (negative buckets), never below zero (Lago's currency budget).
    const net = inCurrency.reduce((sum, bucket) => sum + bucket.amountCents, 0n);
    const total = net > 0n ? net : 0n;
    const draws = allocateToWallets(
      wallets.filter((wallet) => wallet.currency === currency).map((wallet) => ({
        id: wallet.id, balanceCents: wallet.balance_cents, feeTypes: wallet.applies_to_fee_types, billableMetricIds: wallet.applies_to_billable_metric_ids,
      })),
      inCurrency, total,
    );
    for (const draw of draws) byWallet.set(draw.id, draw.amountCents);
  }
  return byWallet;
}

const LIST_CONCURRENCY = 4;

/** The wallets as the API shows them: one usage computation per customer, however many wallets it has. */
export async function presentWallets(db: Db, organizationId: string, wallets: readonly WalletRow[], reading: WalletReading): Promise<CustomerWallet[]> {
  const [externalIds, codes, rules] = await Promise.all([
    externalIdsOfWalletCustomers(db, organizationId, wallets),
    billableMetricCodesByIds(db, organizationId, wallets.flatMap((wallet) => wallet.applies_to_billable_metric_ids)),
    activeRulesOfWallets(db, organizationId, wallets.map((wallet) => wallet.id)),
  ]);
  const customers = [...new Set(wallets.filter((wallet) => wallet.status === 'active').map((wallet) => wallet.customer_id))];
  const usage = new Map<string, Cents>();
  // A few customers at a time (bench/wallets.ts): a page of 100 wallets of 50 customers is 50 usage computations.
  await forEachConcurrently(customers, LIST_CONCURRENCY, async (customerId) => {
    for (const [walletId, cents] of await ongoingUsageByWallet(db, organizationId, customerId, reading)) usage.set(walletId, cents);
  });
  return wallets.map((wallet) => ({
    wallet,
    externalCustomerId: externalIds.get(wallet.customer_id)!,
    billableMetricCodes: wallet.applies_to_billable_metric_ids.flatMap((id) => codes.get(id) ?? []),
    ongoingUsageCents: usage.get(wallet.id) ?? 0n,
    recurringRules: rules.has(wallet.id) ? [rules.get(wallet.id)!] : [],
  }));
}

export async function presentWallet(db: Db, organizationId: string, wallet: WalletRow, reading: WalletReading): Promise<CustomerWallet> {
  return (await presentWallets(db, organizationId, [wallet], reading))[0]!;
}
