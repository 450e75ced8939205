/** Wallets' recurring top-up rules and the threshold crossings that fired them. Every query is scoped by organization. */
import type { Conn, Tx } from './knex';
import type { Cents } from '../billing/money';

export interface WalletRuleRow {
  id: string;
  organization_id: string;
  wallet_id: string;
  status: 'active' | 'terminated';
  trigger: 'threshold' | 'interval';
  method: 'fixed' | 'target';
  interval: string | null;
  /** Exact decimal strings (5 decimals), in credits. */
  threshold_credits: string | null;
  paid_credits: string;
  granted_credits: string;
  target_ongoing_balance: string | null;
  grants_target_top_up: boolean | null;
  ignore_paid_top_up_limits: boolean;
  /** Lago's setting, kept on the transactions the rule makes. */
  invoice_requires_successful_payment: boolean;
  started_at: Date | null;
  expiration_at: Date | null;
  transaction_name: string | null;
  transaction_metadata: { key: string; value: string }[];
  purchase_order_number: string | null;
  terminated_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type NewWalletRule = Omit<WalletRuleRow, 'id' | 'organization_id' | 'wallet_id' | 'status' | 'terminated_at' | 'created_at' | 'updated_at'>;

function rulesOf(db: Conn, organizationId: string) {
  return db<WalletRuleRow>('wallet_recurring_rules').where('wallet_recurring_rules.organization_id', organizationId);
}

export async function insertWalletRule(db: Conn, organizationId: string, walletId: string, rule: NewWalletRule): Promise<WalletRuleRow> {
  const [row] = await db<WalletRuleRow>('wallet_recurring_rules')
    .insert({ ...rule, organization_id: organizationId, wallet_id: walletId, transaction_metadata: JSON.stringify(rule.transaction_metadata) } as never)
    .returning('*');
  return row!;
}

export async function updateWalletRule(db: Conn, organizationId: string, id: string, fields: Partial<NewWalletRule>): Promise<WalletRuleRow> {
  const values: Record<string, unknown> = { ...fields, updated_at: db.fn.now() };
  if (fields.transaction_metadata) values.transaction_metadata = JSON.stringify(fields.transaction_metadata);
  const [row] = await rulesOf(db, organizationId).where({ id }).update(values as never).returning('*');
  return row!;
}

export async function terminateWalletRules(db: Conn, organizationId: string, walletId: string, at: Date): Promise<void> {
  await rulesOf(db, organizationId).where({ wallet_id: walletId, status: 'active' }).update({ status: 'terminated', terminated_at: at, updated_at: db.fn.now() } as never);
}

/** The active rules of the wallets, by wallet id (one each at most). */
export async function activeRulesOfWallets(db: Conn, organizationId: string, walletIds: readonly string[]): Promise<Map<string, WalletRuleRow>> {
  if (walletIds.length === 0) return new Map();
  const rows = await rulesOf(db, organizationId).whereIn('wallet_id', [...new Set(walletIds)]).where({ status: 'active' });
  return new Map(rows.map((row) => [row.wallet_id, row]));
}

/**
 * The customers among `customerIds` with an active wallet that has an active threshold rule
 * effective at `asOf` (started, not expired): those whose ongoing balance an event may push below it.
 */
export async function customersWithThresholdRules(db: Conn, organizationId: string, customerIds: readonly string[], asOf: Date): Promise<string[]> {
  if (customerIds.length === 0) return [];
  const rows = (await db('wallet_recurring_rules as r')
    .join('wallets as w', 'w.id', 'r.wallet_id')
    .where({ 'r.organization_id': organizationId, 'r.status': 'active', 'r.trigger': 'threshold', 'w.status': 'active' })
    .whereIn('w.customer_id', [...new Set(customerIds)])
    .where((q) => q.whereNull('r.started_at').orWhere('r.started_at', '<=', asOf))
    .where((q) => q.whereNull('r.expiration_at').orWhere('r.expiration_at', '>', asOf))
    .where((q) => q.whereNull('w.expiration_at').orWhere('w.expiration_at', '>', asOf))
    .distinct('w.customer_id')) as { customer_id: string }[];
  return rows.map((row) => row.customer_id);
}

/** The customer's active wallets with an active threshold rule effective at `asOf`, with their rule. */
export async function thresholdRulesOfCustomer(db: Conn, organizationId: string, customerId: string, asOf: Date): Promise<WalletRuleRow[]> {
  return rulesOf(db, organizationId)
    .join('wallets as w', 'w.id', 'wallet_recurring_rules.wallet_id')
    .where({ 'wallet_recurring_rules.status': 'active', 'wallet_recurring_rules.trigger': 'threshold', 'w.status': 'active', 'w.customer_id': customerId })
    .where((q) => q.whereNull('wallet_recurring_rules.started_at').orWhere('wallet_recurring_rules.started_at', '<=', asOf))
    .where((q) => q.whereNull('wallet_recurring_rules.expiration_at').orWhere('wallet_recurring_rules.expiration_at', '>', asOf))
    .select('wallet_recurring_rules.*');
}

/** What a wallet holds in pending purchases (credits), and all it was ever given that did not fail (cents). */
export async function walletInflows(db: Conn, organizationId: string, walletId: string): Promise<{ pendingCredits: string; inboundCents: Cents }> {
  const [row] = (await db('wallet_transactions')
    .where({ organization_id: organizationId, wallet_id: walletId, transaction_type: 'inbound' })
    .whereNot('status', 'failed')
    .select(db.raw("COALESCE(SUM(credit_amount) FILTER (WHERE status = 'pending'), 0)::text AS pending"))
    .select(db.raw('COALESCE(SUM(amount_cents), 0)::bigint AS inbound'))) as { pending: string; inbound: string | bigint }[];
  return { pendingCredits: row!.pending, inboundCents: BigInt(row!.inbound) };
}

/** Records a top-up of the rule under its key (a threshold crossing, an interval date); false when it was recorded already (it topped up once). */
export async function recordRuleTopUp(trx: Tx, organizationId: string, ruleId: string, key: string): Promise<boolean> {
  const rows = await trx('wallet_rule_top_ups')
    .insert({ organization_id: organizationId, rule_id: ruleId, top_up_key: key })
    .onConflict(['rule_id', 'top_up_key']).ignore()
    .returning('id');
  return rows.length > 0;
}

export async function findWalletRule(db: Conn, organizationId: string, id: string): Promise<WalletRuleRow | undefined> {
  return rulesOf(db, organizationId).where({ id }).first();
}

/** The latest `interval:<date>` key the rule topped up under, as the date; null before its first. */
export async function lastIntervalTopUpDate(db: Conn, organizationId: string, ruleId: string): Promise<string | null> {
  const [row] = (await db('wallet_rule_top_ups')
    .where({ organization_id: organizationId, rule_id: ruleId })
    .where('top_up_key', 'like', 'interval:%')
    .max({ key: 'top_up_key' })) as { key: string | null }[];
  return row?.key ? row.key.slice('interval:'.length) : null;
}
