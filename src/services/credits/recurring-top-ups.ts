/**
 * Recurring top-ups (Lago's `recurring_transaction_rules`, reference/lago-api.md §1.8): one active
 * rule per wallet, `threshold` or `interval`.
 *
 * An interval rule has its own workflow (`wallet-top-up/<rule id>`, src/workflows/wallet-top-up.ts),
 * asked for through the outbox in the transaction that sets the rule: a durable timer to each
 * anniversary of the rule's `started_at` (else of the wallet's creation, whose own day is skipped,
 * as Lago) in the customer's timezone (billing/wallet-intervals.ts), then one top-up under the key
 * `interval:<date>`, so a retried activity tops up once. The workflow reads the rule each time: a
 * rule changed, terminated or expired (or its wallet terminated) ends it.
 *
 * A threshold rule tops the wallet up when its ongoing balance (ongoing-balances.ts), plus what it
 * has in pending purchases, is at or below `threshold_credits`. It is checked after every batch
 * of events of the customer is stored (the events route hands the customers over), in a
 * transaction holding the wallet's row lock, and it fires **once per crossing**: each top-up is
 * recorded with the crossing's key, the total the wallet had been given until then
 * (`wallet_rule_top_ups`, unique per rule and key). Events that find the balance still below
 * find that key taken and do nothing; the next crossing is possible only once something was put
 * in the wallet again (the top-up itself, or another). Concurrent batches serialize on the lock,
 * and the unique key holds even without it.
 *
 * Amounts, as Lago's `RecurringTransactionRule`:
 * - `fixed`: `paid_credits` and `granted_credits`; when the gap below the threshold is larger than
 *   the paid credits, the paid credits are multiplied to clear it in one top-up (capped by the
 *   wallet's maximum unless `ignore_paid_top_up_limits`).
 * - `target`: the gap up to `target_ongoing_balance`, paid (at least the wallet's minimum) or, with
 *   `grants_target_top_up`, granted.
 * Paid credits are a pending purchase billed by a credit invoice (wallet-transactions.ts), their
 * transactions' `source` is `threshold`.
 */
import type { Db, Tx } from '../../db/knex';
import { Dec } from '../../billing/money';
import { centsToCredits, creditsToCents } from '../../billing/wallet-credits';
import { addDays, localDateOf, maxLocalDate, startOfLocalDay, type LocalDate } from '../../billing/calendar';
import { nextTopUpDate, type TopUpInterval } from '../../billing/wallet-intervals';
import { applicableTimezone } from '../../billing/subscription-terms';
import { insertWorkflowRequest } from '../../db/workflow-requests';
import { findCustomerById } from '../../db/customers';
import { findOrganization } from '../../db/organizations';
import { findWallet, type WalletRow } from '../../db/wallets';
import {
  activeRulesOfWallets, findWalletRule, insertWalletRule, lastIntervalTopUpDate, recordRuleTopUp, terminateWalletRules,
  updateWalletRule, walletInflows, type NewWalletRule, type WalletRuleRow,
} from '../../db/wallet-rules';
import { invalidField, validationErrors } from '../../runtime/errors';
import { ongoingUsageByWallet } from './ongoing-balances';
import { applyMovements, type WalletMetadataItem } from './wallet-transactions';

export interface RecurringRuleInput {
  /** The active rule to change; without it (or naming another), the rule replaces the active one. */
  lago_id?: string | null;
  trigger: 'threshold' | 'interval';
  method?: 'fixed' | 'target' | null;
  interval?: TopUpInterval | null;
  threshold_credits?: Dec | null;
  paid_credits?: Dec | null;
  granted_credits?: Dec | null;
  target_ongoing_balance?: Dec | null;
  grants_target_top_up?: boolean | null;
  started_at?: Date | null;
  expiration_at?: Date | null;
  transaction_name?: string | null;
  transaction_metadata?: WalletMetadataItem[] | null;
  ignore_paid_top_up_limits?: boolean | null;
  purchase_order_number?: string | null;
  /** The wallet's when absent (Lago). */
  invoice_requires_successful_payment?: boolean | null;
}

const ZERO = new Dec(0);

/** The rule's columns, validated against the wallet (its top-up limits) before anything is written. */
function ruleColumns(wallet: WalletRow, input: RecurringRuleInput, nowMs: number): NewWalletRule {
  const method = input.method ?? 'fixed';
  const paid = input.paid_credits ?? ZERO;
  const granted = input.granted_credits ?? ZERO;
  const errors: Record<string, string[]> = {};
  const field = (name: string) => `recurring_transaction_rules.0.${name}`;
  if (input.trigger === 'threshold' && !input.threshold_credits) errors[field('threshold_credits')] = ['value_is_mandatory'];
  if (input.trigger === 'interval' && !input.interval) errors[field('interval')] = ['value_is_mandatory'];
  if (method === 'fixed' && paid.isZero() && granted.isZero()) errors[field('paid_credits')] = ['value_is_mandatory'];
  if (method === 'fixed' && input.grants_target_top_up != null) errors[field('grants_target_top_up')] = ['value_is_invalid'];
  if (method === 'target') {
    if (!input.target_ongoing_balance) errors[field('target_ongoing_balance')] = ['value_is_mandatory'];
    else if (input.threshold_credits && input.target_ongoing_balance.lt(input.threshold_credits)) {
      errors[field('target_ongoing_balance')] = ['must_be_greater_than_or_equal_threshold'];
    }
  }
  if (input.expiration_at && input.expiration_at.getTime() <= nowMs) errors[field('expiration_at')] = ['invalid_date'];
  // Lago validates a fixed rule's paid credits against the wallet's limits when the rule is set.
  if (method === 'fixed' && paid.gt(0) && !input.ignore_paid_top_up_limits) {
    const cents = creditsToCents(paid, new Dec(wallet.rate_amount), wallet.currency);
    if (wallet.paid_top_up_min_amount_cents !== null && cents < wallet.paid_top_up_min_amount_cents) errors[field('paid_credits')] = ['amount_below_minimum'];
    else if (wallet.paid_top_up_max_amount_cents !== null && cents > wallet.paid_top_up_max_amount_cents) errors[field('paid_credits')] = ['amount_above_maximum'];
  }
  if (Object.keys(errors).length > 0) throw validationErrors(errors);
  return {
    trigger: input.trigger,
    method,
    interval: input.trigger === 'interval' ? input.interval! : null,
    threshold_credits: input.trigger === 'threshold' ? input.threshold_credits!.toFixed() : input.threshold_credits?.toFixed() ?? null,
    paid_credits: method === 'fixed' ? paid.toFixed() : '0',
    granted_credits: method === 'fixed' ? granted.toFixed() : '0',
    target_ongoing_balance: method === 'target' ? input.target_ongoing_balance!.toFixed() : null,
    grants_target_top_up: method === 'target' ? input.grants_target_top_up ?? false : null,
    ignore_paid_top_up_limits: input.ignore_paid_top_up_limits ?? false,
    invoice_requires_successful_payment: input.invoice_requires_successful_payment ?? wallet.invoice_requires_successful_payment,
    started_at: input.started_at ?? null,
    expiration_at: input.expiration_at ?? null,
    transaction_name: input.transaction_name ?? null,
    transaction_metadata: input.transaction_metadata ?? [],
    purchase_order_number: input.purchase_order_number ?? null,
  };
}

/**
 * Sets the wallet's rules as the request asks, in the caller's transaction: absent, unchanged;
 * null or [], the active rule terminated; one rule, it replaces the active one (or changes it when
 * it names it by `lago_id`).
 */
export async function setRecurringRules(trx: Tx, wallet: WalletRow, rules: readonly RecurringRuleInput[] | null | undefined, nowMs: number): Promise<void> {
  if (rules === undefined) return;
  const wanted = rules ?? [];
  if (wanted.length > 1) throw invalidField('recurring_transaction_rules', 'invalid_number_of_recurring_rules');
  const columns = wanted.length === 1 ? ruleColumns(wallet, wanted[0]!, nowMs) : undefined;
  const active = (await activeRulesOfWallets(trx, wallet.organization_id, [wallet.id])).get(wallet.id);
  let rule: WalletRuleRow | undefined;
  if (columns && active && wanted[0]!.lago_id === active.id) {
    rule = await updateWalletRule(trx, wallet.organization_id, active.id, columns);
  } else {
    if (active) await terminateWalletRules(trx, wallet.organization_id, wallet.id, new Date(nowMs));
    if (columns) rule = await insertWalletRule(trx, wallet.organization_id, wallet.id, columns);
  }
  // An interval rule's timer: started by the relay once this commits (once per rule).
  if (rule?.trigger === 'interval') {
    await insertWorkflowRequest(trx, {
      organization_id: wallet.organization_id, workflow_type: 'walletTopUpWorkflow', workflow_id: walletTopUpWorkflowId(rule.id),
      args: [{ organizationId: wallet.organization_id, ruleId: rule.id }],
    });
  }
}

// Interval top-ups ----------------------------------------------------------------------------

/** The rule's next top-up: its date and the instant it starts in the customer's timezone; null when the rule no longer tops up. */
export async function nextIntervalTopUp(db: Db, input: { organizationId: string; ruleId: string }): Promise<{ date: LocalDate; atMs: number } | null> {
  const rule = await findWalletRule(db, input.organizationId, input.ruleId);
  if (!rule || rule.status !== 'active' || rule.trigger !== 'interval' || !rule.interval) return null;
  const wallet = await findWallet(db, input.organizationId, rule.wallet_id);
  if (!wallet || wallet.status !== 'active') return null;
  const [customer, organization] = await Promise.all([findCustomerById(db, wallet.customer_id), findOrganization(db, input.organizationId)]);
  const timezone = applicableTimezone(customer!, organization!);
  const created = localDateOf(wallet.created_at.getTime(), timezone);
  const anchor = rule.started_at ? localDateOf(rule.started_at.getTime(), timezone) : created;
  // Not on the wallet's creation day (Lago), nor twice on one day; the anchor day itself when it is later.
  const last = await lastIntervalTopUpDate(db, input.organizationId, rule.id);
  const after = maxLocalDate(maxLocalDate(created, addDays(anchor, -1)), last ?? created);
  const date = nextTopUpDate(anchor, rule.interval as TopUpInterval, after);
  const atMs = startOfLocalDay(date, timezone);
  if (rule.expiration_at && atMs >= rule.expiration_at.getTime()) return null;
  return { date, atMs };
}

/** Tops up for the rule's `date`, once (its key is `interval:<date>`); false when it did nothing (done already, or the rule ended). */
export async function runIntervalTopUp(db: Db, input: { organizationId: string; ruleId: string; date: LocalDate; nowMs: number }): Promise<boolean> {
  const { organizationId, nowMs } = input;
  return db.transaction(async (trx) => {
    const rule = await findWalletRule(trx, organizationId, input.ruleId);
    if (!rule || rule.status !== 'active' || rule.trigger !== 'interval') return false;
    if (rule.expiration_at && nowMs >= rule.expiration_at.getTime()) return false;
    const wallet = await findWallet(trx, organizationId, rule.wallet_id, { forUpdate: true });
    if (!wallet || wallet.status !== 'active') return false;
    let ongoingCredits = ZERO;
    if (rule.method === 'target') {
      const usage = (await ongoingUsageByWallet(db, organizationId, wallet.customer_id, { nowMs })).get(wallet.id) ?? 0n;
      ongoingCredits = centsToCredits(wallet.balance_cents - usage, new Dec(wallet.rate_amount), wallet.currency);
    }
    const { paid, granted } = thresholdTopUpCredits(rule, limitsOf(wallet), ongoingCredits, ZERO);
    if (!(await recordRuleTopUp(trx, organizationId, rule.id, `interval:${input.date}`))) return false;
    if (paid.lte(0) && granted.lte(0)) return false;
    await topUp(trx, organizationId, wallet, rule, paid, granted, 'interval', nowMs);
    return true;
  });
}

export const walletTopUpWorkflowId = (ruleId: string) => `wallet-top-up/${ruleId}`;

/** The credits a threshold rule tops up with, given the ongoing balance and the pending purchases (Lago's amounts). */
export function thresholdTopUpCredits(
  rule: Pick<WalletRuleRow, 'method' | 'threshold_credits' | 'paid_credits' | 'granted_credits' | 'target_ongoing_balance' | 'grants_target_top_up' | 'ignore_paid_top_up_limits'>,
  limits: { minCredits: Dec | null; maxCredits: Dec | null },
  ongoingCredits: Dec, pendingCredits: Dec,
): { paid: Dec; granted: Dec } {
  if (rule.method === 'target') {
    const target = new Dec(rule.target_ongoing_balance!);
    if (ongoingCredits.gte(target)) return { paid: ZERO, granted: ZERO };
    const gap = target.minus(ongoingCredits);
    if (rule.grants_target_top_up) return { paid: ZERO, granted: gap };
    // The target matters most: no maximum, but at least the minimum of a paid top-up.
    return { paid: !rule.ignore_paid_top_up_limits && limits.minCredits && gap.lt(limits.minCredits) ? limits.minCredits : gap, granted: ZERO };
  }
  const paid = new Dec(rule.paid_credits);
  const granted = new Dec(rule.granted_credits);
  if (paid.isZero() || rule.threshold_credits === null) return { paid, granted };
  const gap = new Dec(rule.threshold_credits!).minus(ongoingCredits).minus(granted).minus(pendingCredits);
  if (gap.lt(paid)) return { paid, granted };
  const multiplied = paid.times(gap.dividedBy(paid).floor().plus(1));
  const capped = !rule.ignore_paid_top_up_limits && limits.maxCredits && multiplied.gt(limits.maxCredits) ? limits.maxCredits : multiplied;
  return { paid: capped, granted };
}

/** The threshold rule of the locked wallet whose ongoing usage is `usage`: tops up once per crossing. */
export async function topUpLockedWallet(trx: Tx, organizationId: string, wallet: WalletRow, rule: WalletRuleRow, usage: bigint, nowMs: number): Promise<boolean> {
  const ongoingCredits = centsToCredits(wallet.balance_cents - usage, new Dec(wallet.rate_amount), wallet.currency);
  const { pendingCredits, inboundCents } = await walletInflows(trx, organizationId, wallet.id);
  const threshold = new Dec(rule.threshold_credits!);
  if (ongoingCredits.plus(pendingCredits).gt(threshold)) return false;
  const { paid, granted } = thresholdTopUpCredits(rule, limitsOf(wallet), ongoingCredits, new Dec(pendingCredits));
  if (paid.lte(0) && granted.lte(0)) return false;
  if (!(await recordRuleTopUp(trx, organizationId, rule.id, `threshold:${inboundCents.toString()}`))) return false;
  await topUp(trx, organizationId, wallet, rule, paid, granted, 'threshold', nowMs);
  return true;
}

function limitsOf(wallet: WalletRow): { minCredits: Dec | null; maxCredits: Dec | null } {
  const rate = new Dec(wallet.rate_amount);
  return {
    minCredits: wallet.paid_top_up_min_amount_cents === null ? null : centsToCredits(wallet.paid_top_up_min_amount_cents, rate, wallet.currency),
    maxCredits: wallet.paid_top_up_max_amount_cents === null ? null : centsToCredits(wallet.paid_top_up_max_amount_cents, rate, wallet.currency),
  };
}

/** The rule's transactions on the locked wallet (wallet-transactions.ts), with their webhooks. */
async function topUp(trx: Tx, organizationId: string, wallet: WalletRow, rule: WalletRuleRow, paid: Dec, granted: Dec, source: 'threshold' | 'interval', nowMs: number): Promise<void> {
  const [organization, customer] = await Promise.all([findOrganization(trx, organizationId), findCustomerById(trx, wallet.customer_id)]);
  await applyMovements(trx, organization!, customer!, wallet, {
    paid: paid.gt(0) ? paid.toDecimalPlaces(5, Dec.ROUND_UP) : undefined,
    granted: granted.gt(0) ? granted.toDecimalPlaces(5, Dec.ROUND_UP) : undefined,
    name: rule.transaction_name,
    metadata: rule.transaction_metadata,
    purchaseOrderNumber: rule.purchase_order_number ?? wallet.purchase_order_number,
    // Lago: a target top-up is not held to the limits (its amount was fitted to them above).
    ignoreTopUpLimits: rule.method === 'target' || rule.ignore_paid_top_up_limits,
    source,
    invoiceRequiresSuccessfulPayment: rule.invoice_requires_successful_payment,
  }, nowMs);
}
