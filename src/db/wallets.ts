/** Wallets (prepaid credits) and their transactions. Every query is scoped by organization. */
import type { Knex } from 'knex';
import type { Db } from './knex';

type Conn = Db | Knex.Transaction;

export type WalletStatus = 'active' | 'terminated';

export interface WalletRow {
  id: string;
  organization_id: string;
  customer_id: string;
  status: WalletStatus;
  name: string | null;
  code: string | null;
  currency: string;
  /** Exact numeric string, major units per credit. */
  rate_amount: string;
  priority: number;
  balance_cents: bigint;
  credits_balance: string;
  consumed_amount_cents: bigint;
  consumed_credits: string;
  expiration_at: Date | null;
  last_balance_sync_at: Date | null;
  last_consumed_credit_at: Date | null;
  terminated_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type WalletTransactionType = 'inbound' | 'outbound';
export type WalletTransactionStatus = 'purchased' | 'granted' | 'voided' | 'invoiced';
export type WalletTransactionSettlement = 'pending' | 'settled' | 'failed';

export interface WalletTransactionRow {
  id: string;
  organization_id: string;
  wallet_id: string;
  invoice_id: string | null;
  transaction_type: WalletTransactionType;
  transaction_status: WalletTransactionStatus;
  status: WalletTransactionSettlement;
  source: string;
  amount_cents: bigint;
  credit_amount: string;
  name: string | null;
  metadata: unknown[];
  settled_at: Date | null;
  failed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type NewWalletTransaction = Pick<WalletTransactionRow, 'wallet_id' | 'transaction_type' | 'transaction_status' | 'status' | 'amount_cents' | 'credit_amount'>
  & Partial<Pick<WalletTransactionRow, 'id' | 'invoice_id' | 'name' | 'metadata' | 'settled_at' | 'failed_at'>>;

export function walletsOf(db: Conn, organizationId: string) {
  return db<WalletRow>('wallets').where('wallets.organization_id', organizationId);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export async function findWallet(db: Conn, organizationId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<WalletRow | undefined> {
  if (!isUuid(id)) return undefined;
  const query = walletsOf(db, organizationId).where({ id });
  return (options.forUpdate ? query.forUpdate() : query).first();
}

export async function insertWallet(db: Conn, fields: Omit<WalletRow, 'id' | 'status' | 'balance_cents' | 'credits_balance' | 'consumed_amount_cents' | 'consumed_credits' | 'last_balance_sync_at' | 'last_consumed_credit_at' | 'terminated_at' | 'created_at' | 'updated_at'>): Promise<WalletRow> {
  const [row] = await db<WalletRow>('wallets').insert(fields as never).returning('*');
  return row!;
}

export async function updateWallet(db: Conn, organizationId: string, id: string, fields: Partial<WalletRow>): Promise<WalletRow> {
  const [row] = await walletsOf(db, organizationId).where({ id }).update({ ...fields, updated_at: db.fn.now() } as never).returning('*');
  return row!;
}

export async function insertWalletTransaction(db: Conn, organizationId: string, transaction: NewWalletTransaction): Promise<WalletTransactionRow> {
  const [row] = await db<WalletTransactionRow>('wallet_transactions')
    .insert({ ...transaction, organization_id: organizationId, metadata: JSON.stringify(transaction.metadata ?? []) } as never)
    .returning('*');
  return row!;
}

export function walletTransactionsOf(db: Conn, organizationId: string) {
  return db<WalletTransactionRow>('wallet_transactions').where('wallet_transactions.organization_id', organizationId);
}
