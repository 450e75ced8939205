/**
 * The checks of a customer's wallets after something that may move their balances: each wallet's
 * alerts (wallet-alerts.ts) and threshold top-up rule (recurring-top-ups.ts), under the wallet's
 * row lock, with its ongoing balance (ongoing-balances.ts) read once under that lock.
 */
import type { Db } from '../../db/knex';
import type { OrganizationRow } from '../../db/organizations';
import { findWallet } from '../../db/wallets';
import { customersWithThresholdRules, thresholdRulesOfCustomer, type WalletRuleRow } from '../../db/wallet-rules';
import { customersWithWalletAlerts, walletsWithAlertsOfCustomer } from '../../db/wallet-alerts';
import type { WalletAlertView } from '../../serializers/wallet-alert';
import { logger } from '../../runtime/logger';
import { ongoingUsageByWallet } from './ongoing-balances';
import { topUpLockedWallet } from './recurring-top-ups';
import { evaluateLockedWalletAlerts, getWalletAlert, updateWalletAlertByCode, type UpdateWalletAlertInput, type WalletRef } from './wallet-alerts';
import { createWalletTransactions, type WalletTransactionInput, type WalletTransactions } from './wallet-transactions';

/**
 * After something that may move the ongoing balances of these customers' wallets (a batch of
 * events stored, a wallet transaction, an alert created or updated): each active wallet with a
 * threshold rule or a live alert (wallet-alerts.ts) is checked in one transaction holding its row
 * lock, its ongoing usage read once under that lock: its alerts evaluated first (a wallet that
 * falls below a threshold alerts even when its rule then tops it up), then its threshold rule
 * (once per crossing), unless `topUps` is false. A failure is logged, never thrown: what was
 * stored stays, and the next check sees it.
 */
export async function checkWallets(db: Db, organizationId: string, customerIds: readonly string[], nowMs: number, options: { topUps?: boolean } = {}): Promise<void> {
  const topUps = options.topUps ?? true;
  try {
    const asOf = new Date(nowMs);
    const [withRules, withAlerts] = await Promise.all([
      topUps ? customersWithThresholdRules(db, organizationId, customerIds, asOf) : [],
      customersWithWalletAlerts(db, organizationId, customerIds),
    ]);
    for (const customerId of new Set([...withRules, ...withAlerts])) {
      const rules = new Map<string, WalletRuleRow>(topUps ? (await thresholdRulesOfCustomer(db, organizationId, customerId, asOf)).map((rule) => [rule.wallet_id, rule]) : []);
      const walletIds = [...new Set([...rules.keys(), ...(await walletsWithAlertsOfCustomer(db, organizationId, customerId))])].sort();
      for (const walletId of walletIds) await checkWallet(db, organizationId, walletId, rules.get(walletId), nowMs);
    }
  } catch (err) {
    logger.error({ err, organizationId, customerIds }, 'wallet check failed; the next batch of the customer checks again');
  }
}

/**
 * `POST /wallet_transactions`: the movements (wallet-transactions.ts), then the customer's wallet
 * alerts evaluated (a void lowers a balance, a grant raises it) and, when credits were voided, the
 * threshold rules checked as after events.
 */
export async function moveWalletCredits(db: Db, organization: OrganizationRow, input: WalletTransactionInput, nowMs: number): Promise<WalletTransactions> {
  const moved = await createWalletTransactions(db, organization, input, nowMs);
  const wallet = await findWallet(db, organization.id, input.wallet_id);
  const voided = moved.transactions.some((transaction) => transaction.transaction_status === 'voided');
  if (wallet) await checkWallets(db, organization.id, [wallet.customer_id], nowMs, { topUps: voided });
  return moved;
}

/** One wallet under its lock: its alerts, then its threshold rule when it has one; returns whether it topped up. */
async function checkWallet(db: Db, organizationId: string, walletId: string, rule: WalletRuleRow | undefined, nowMs: number): Promise<boolean> {
  return db.transaction(async (trx) => {
    const wallet = await findWallet(trx, organizationId, walletId, { forUpdate: true });
    if (!wallet || wallet.status !== 'active') return false;
    // The usage is read under the wallet's lock: a concurrent check waits, then sees this one's top-up and alerts.
    const usage = (await ongoingUsageByWallet(db, organizationId, wallet.customer_id, { nowMs })).get(wallet.id) ?? 0n;
    await evaluateLockedWalletAlerts(trx, wallet, usage, nowMs);
    return rule ? topUpLockedWallet(trx, organizationId, wallet, rule, usage, nowMs) : false;
  });
}

/** `PUT …/wallets/:code/alerts/:code`: the update, then the wallet's alerts evaluated (new thresholds may lie between the values seen), as Lago. */
export async function changeWalletAlert(db: Db, ref: WalletRef, code: string, input: UpdateWalletAlertInput, nowMs: number): Promise<WalletAlertView> {
  const { view, wallet } = await updateWalletAlertByCode(db, ref, code, input);
  await checkWallets(db, wallet.organization_id, [wallet.customer_id], nowMs, { topUps: false });
  // As it is after the evaluation (its previous value and `last_processed_at`).
  return (await getWalletAlert(db, ref, view.alert.code).catch(() => view));
}
