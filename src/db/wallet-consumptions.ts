/**
 * What each outbound wallet transaction consumed of the wallet's inbound ones (Lago's
 * `wallet_transaction_consumptions`, migration 029). A settled inbound transaction holds
 * `remaining_amount_cents`; an outbound one consumes them, in Lago's order (granted before
 * purchased, then oldest), in the transaction that writes it. Every query is scoped by organization.
 */
import type { Conn, Tx } from './knex';
import { paginate } from './pagination';
import type { Page, Paginated } from '../runtime/pagination';
import type { Cents } from '../billing/money';
import { planDraws } from '../billing/wallet-credits';
import { logger } from '../runtime/logger';

export interface WalletTransactionConsumptionRow {
  id: string;
  seq: bigint;
  organization_id: string;
  wallet_id: string;
  inbound_wallet_transaction_id: string;
  outbound_wallet_transaction_id: string;
  consumed_amount_cents: bigint;
  created_at: Date;
}

/** An outbound transaction just written (settled), whose amount is to be taken from the wallet's inbound ones. */
export interface Draw {
  id: string;
  organization_id: string;
  wallet_id: string;
  amount_cents: bigint;
  /** The instant of the draw: the consumption rows' date. */
  at: Date;
}

/** Lago's consumption order of a wallet's inbound transactions (WalletTransaction.in_consumption_order, every priority being 50). */
const CONSUMPTION_ORDER = "CASE WHEN transaction_status = 'granted' THEN 0 ELSE 1 END, created_at, id";

/**
 * Takes `draw.amount_cents` from the wallet's settled inbound transactions that have something
 * left, in consumption order, locking them: one consumption row per inbound transaction drawn on.
 * The caller holds the wallet's lock. Returns what could not be found (0 when the wallet's inbound
 * transactions hold its balance, as they do for every draw within it).
 */
export async function consumeInboundTransactions(trx: Tx, draw: Draw): Promise<Cents> {
  if (draw.amount_cents <= 0n) return 0n;
  const inbounds = (await trx('wallet_transactions')
    .where({ organization_id: draw.organization_id, wallet_id: draw.wallet_id, transaction_type: 'inbound', status: 'settled' })
    .where('remaining_amount_cents', '>', 0)
    .orderByRaw(CONSUMPTION_ORDER)
    .forUpdate()
    .select('id', 'remaining_amount_cents')) as { id: string; remaining_amount_cents: bigint }[];
  const plan = planDraws(draw.amount_cents, inbounds.map((row) => ({ id: row.id, balanceCents: row.remaining_amount_cents })));
  let taken = 0n;
  for (const part of plan) {
    await trx('wallet_transactions').where({ id: part.id })
      .update({ remaining_amount_cents: trx.raw('remaining_amount_cents - ?', [part.amountCents.toString()]), updated_at: trx.fn.now() });
    await trx('wallet_transaction_consumptions').insert({
      organization_id: draw.organization_id, wallet_id: draw.wallet_id, inbound_wallet_transaction_id: part.id,
      outbound_wallet_transaction_id: draw.id, consumed_amount_cents: part.amountCents.toString(), created_at: draw.at,
    });
    taken += part.amountCents;
  }
  const missing = draw.amount_cents - taken;
  if (missing > 0n) {
    logger.error({ walletId: draw.wallet_id, walletTransactionId: draw.id, missingCents: missing.toString() },
      'wallet draw larger than what its inbound transactions hold: consumption recorded in part');
  }
  return missing;
}

function consumptionsOf(db: Conn, organizationId: string) {
  return db<WalletTransactionConsumptionRow>('wallet_transaction_consumptions').where('wallet_transaction_consumptions.organization_id', organizationId);
}

/** What consumed an inbound transaction, in the order it happened. */
export async function consumptionsOfInboundPage(db: Conn, organizationId: string, inboundId: string, page: Page): Promise<Paginated<WalletTransactionConsumptionRow>> {
  return paginate<WalletTransactionConsumptionRow>(consumptionsOf(db, organizationId).where({ inbound_wallet_transaction_id: inboundId }).orderBy('seq'), page);
}

/** What funded an outbound transaction, in the order its inbound transactions were consumed. */
export async function fundingsOfOutboundPage(db: Conn, organizationId: string, outboundId: string, page: Page): Promise<Paginated<WalletTransactionConsumptionRow>> {
  return paginate<WalletTransactionConsumptionRow>(consumptionsOf(db, organizationId).where({ outbound_wallet_transaction_id: outboundId }).orderBy('seq'), page);
}
