/**
 * Issue 15 pt 4 and issue 14 pt 6, wallet transactions:
 *
 * - Which inbound transactions (grants, settled purchases, credits given back) each outbound one
 *   (an invoice's draw, voided credits) consumed, and how much of each (Lago's
 *   `wallet_transaction_consumptions`, shown by `/wallet_transactions/:id/consumptions` and
 *   `/fundings`). A row is written in the transaction that draws; `remaining_amount_cents` is what
 *   is left of a settled inbound transaction (null until it settles, and on outbound ones), so the
 *   settled inbound transactions of a wallet together hold its balance. Inbound transactions are
 *   consumed in Lago's order: granted before purchased, then oldest first (Billow gives every
 *   transaction Lago's default priority).
 * - `invoice_requires_successful_payment` on wallets, their recurring rules and transactions.
 *
 * Transactions that predate this migration are backfilled by replaying every wallet's history in
 * that order: each inbound one becomes available when it settled; each settled outbound one
 * consumes what was available then. A wallet whose history does not explain its balance keeps what
 * the replay found (an outbound draw finding too little consumes what there was).
 */
import type { Knex } from 'knex';

interface Replayed {
  id: string;
  organization_id: string;
  wallet_id: string;
  transaction_type: 'inbound' | 'outbound';
  transaction_status: string;
  status: string;
  amount_cents: string;
  settled_at: Date | null;
  created_at: Date;
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('wallet_transactions', (t) => {
    t.bigInteger('remaining_amount_cents');
    t.boolean('invoice_requires_successful_payment').notNullable().defaultTo(false);
    t.check('remaining_amount_cents IS NULL OR (remaining_amount_cents >= 0 AND remaining_amount_cents <= amount_cents)', [], 'wallet_transactions_remaining_within_amount');
    t.check("remaining_amount_cents IS NULL OR transaction_type = 'inbound'", [], 'wallet_transactions_remaining_inbound_only');
  });
  await knex.schema.alterTable('wallets', (t) => {
    t.boolean('invoice_requires_successful_payment').notNullable().defaultTo(false);
  });
  await knex.schema.alterTable('wallet_recurring_rules', (t) => {
    t.boolean('invoice_requires_successful_payment').notNullable().defaultTo(false);
  });

  await knex.schema.createTable('wallet_transaction_consumptions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    // The order the rows were written in (and, within one draw, the order the inbound transactions were consumed in).
    t.bigIncrements('seq', { primaryKey: false });
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('wallet_id').notNullable().references('wallets.id');
    t.uuid('inbound_wallet_transaction_id').notNullable().references('wallet_transactions.id');
    t.uuid('outbound_wallet_transaction_id').notNullable().references('wallet_transactions.id');
    t.bigInteger('consumed_amount_cents').notNullable();
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.check('consumed_amount_cents > 0', [], 'wallet_transaction_consumptions_positive');
    t.unique(['outbound_wallet_transaction_id', 'inbound_wallet_transaction_id'], { indexName: 'wallet_transaction_consumptions_once' });
  });
  await knex.raw('CREATE INDEX wallet_transaction_consumptions_inbound ON wallet_transaction_consumptions (inbound_wallet_transaction_id, seq)');
  // The available inbound transactions of a wallet, in consumption order.
  await knex.raw(`CREATE INDEX wallet_transactions_available_inbound ON wallet_transactions
    (wallet_id, (CASE WHEN transaction_status = 'granted' THEN 0 ELSE 1 END), created_at, id)
    WHERE transaction_type = 'inbound' AND status = 'settled' AND remaining_amount_cents > 0`);

  await replayWalletConsumptions(knex);
}

/**
 * Replays the settled transactions of every wallet (or of the ones given) as above: writes their
 * consumption rows and what is left of each inbound transaction. For wallets with no consumption
 * rows yet (the migration; tests replaying a wallet whose rows they removed).
 */
export async function replayWalletConsumptions(knex: Knex, walletIds?: readonly string[]): Promise<void> {
  let query = knex('wallet_transactions').where({ status: 'settled' });
  if (walletIds) query = query.whereIn('wallet_id', [...walletIds]);
  const rows = (await query
    .select('id', 'organization_id', 'wallet_id', 'transaction_type', 'transaction_status', 'status', 'amount_cents', 'settled_at', 'created_at')
    .orderBy([{ column: 'wallet_id' }, { column: 'created_at' }, { column: 'id' }])) as Replayed[];
  const byWallet = new Map<string, Replayed[]>();
  for (const row of rows) byWallet.set(row.wallet_id, [...(byWallet.get(row.wallet_id) ?? []), row]);

  for (const history of byWallet.values()) {
    const at = (row: Replayed) => (row.settled_at ?? row.created_at).getTime();
    // Events in time order; at the same instant, what comes in before what goes out.
    const events = [...history].sort((x, y) => at(x) - at(y)
      || (x.transaction_type === y.transaction_type ? 0 : x.transaction_type === 'inbound' ? -1 : 1)
      || x.created_at.getTime() - y.created_at.getTime() || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    const remaining = new Map<string, bigint>();
    const available: Replayed[] = [];
    const consumptions: Record<string, unknown>[] = [];
    for (const event of events) {
      if (event.transaction_type === 'inbound') {
        remaining.set(event.id, BigInt(event.amount_cents));
        available.push(event);
        // Lago's consumption order: granted first, then oldest.
        available.sort((x, y) => (x.transaction_status === 'granted' ? 0 : 1) - (y.transaction_status === 'granted' ? 0 : 1)
          || x.created_at.getTime() - y.created_at.getTime() || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
        continue;
      }
      let left = BigInt(event.amount_cents);
      for (const inbound of available) {
        if (left === 0n) break;
        const has = remaining.get(inbound.id)!;
        if (has === 0n) continue;
        const taken = has < left ? has : left;
        remaining.set(inbound.id, has - taken);
        left -= taken;
        consumptions.push({
          organization_id: event.organization_id, wallet_id: event.wallet_id, inbound_wallet_transaction_id: inbound.id,
          outbound_wallet_transaction_id: event.id, consumed_amount_cents: taken.toString(), created_at: event.settled_at ?? event.created_at,
        });
      }
    }
    for (const [id, cents] of remaining) await knex('wallet_transactions').where({ id }).update({ remaining_amount_cents: cents.toString() });
    for (let i = 0; i < consumptions.length; i += 500) await knex('wallet_transaction_consumptions').insert(consumptions.slice(i, i + 500));
  }
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}
