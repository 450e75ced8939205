/**
 * Money out: wallets (prepaid credits) and their transactions, credit notes and their items, the
 * credit-note amounts an invoice consumed, and the invoice/fee columns one-off and credit invoices need.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('invoices', (t) => {
    t.jsonb('metadata').notNullable().defaultTo('[]');
  });
  await knex.schema.alterTable('fees', (t) => {
    t.text('description');
    // Loose references: the add-on may be deleted later, the fee keeps its own copy of name and amount.
    t.uuid('add_on_id');
    t.uuid('wallet_transaction_id');
  });

  await knex.schema.createTable('wallets', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('customer_id').notNullable().references('customers.id');
    t.text('status').notNullable().defaultTo('active'); // active | terminated
    t.text('name');
    t.text('code');
    t.text('currency').notNullable();
    // Price of one credit in major units ("1.5" EUR).
    t.decimal('rate_amount', 30, 15).notNullable();
    t.integer('priority').notNullable().defaultTo(50);
    // The settled balance in cents is authoritative; credits_balance is derived from it (5 decimals).
    t.bigInteger('balance_cents').notNullable().defaultTo(0);
    t.decimal('credits_balance', 30, 5).notNullable().defaultTo(0);
    t.bigInteger('consumed_amount_cents').notNullable().defaultTo(0);
    t.decimal('consumed_credits', 30, 5).notNullable().defaultTo(0);
    t.timestamp('expiration_at', { useTz: true });
    t.timestamp('last_balance_sync_at', { useTz: true });
    t.timestamp('last_consumed_credit_at', { useTz: true });
    t.timestamp('terminated_at', { useTz: true });
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('balance_cents >= 0', [], 'wallets_balance_not_negative');
  });
  await knex.raw('CREATE INDEX wallets_customer ON wallets (customer_id, status, priority, created_at)');
  await knex.raw("CREATE UNIQUE INDEX wallets_active_code ON wallets (customer_id, code) WHERE status = 'active' AND code IS NOT NULL");

  await knex.schema.createTable('wallet_transactions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('wallet_id').notNullable().references('wallets.id');
    // The credit invoice of a purchase, or the invoice an outbound transaction paid.
    t.uuid('invoice_id').references('invoices.id');
    t.text('transaction_type').notNullable(); // inbound | outbound
    t.text('transaction_status').notNullable(); // purchased | granted | voided | invoiced
    t.text('status').notNullable(); // pending | settled | failed
    t.text('source').notNullable().defaultTo('manual');
    t.bigInteger('amount_cents').notNullable();
    t.decimal('credit_amount', 30, 5).notNullable();
    t.text('name');
    t.jsonb('metadata').notNullable().defaultTo('[]');
    t.timestamp('settled_at', { useTz: true });
    t.timestamp('failed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('amount_cents >= 0', [], 'wallet_transactions_amount_not_negative');
  });
  await knex.raw('CREATE INDEX wallet_transactions_wallet ON wallet_transactions (wallet_id, created_at)');
  await knex.raw('CREATE INDEX wallet_transactions_invoice ON wallet_transactions (invoice_id) WHERE invoice_id IS NOT NULL');
  // An invoice draws on a wallet at most once: a retried consumption finds the first one.
  await knex.raw("CREATE UNIQUE INDEX wallet_transactions_invoice_draw ON wallet_transactions (wallet_id, invoice_id) WHERE transaction_type = 'outbound' AND invoice_id IS NOT NULL");

  await knex.schema.createTable('credit_notes', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('customer_id').notNullable().references('customers.id');
    t.uuid('invoice_id').notNullable().references('invoices.id');
    // Optional business key (e.g. "termination:<subscription id>") so automatic notes are created once.
    t.text('idempotency_key');
    t.bigInteger('sequential_id').notNullable();
    t.text('number').notNullable();
    t.date('issuing_date').notNullable();
    t.text('credit_status'); // available | consumed | voided; null without a credit part
    t.text('refund_status'); // pending | succeeded | failed; null without a refund part
    t.text('reason').notNullable();
    t.text('description');
    t.text('currency').notNullable();
    t.bigInteger('total_amount_cents').notNullable();
    t.bigInteger('sub_total_excluding_taxes_amount_cents').notNullable();
    t.bigInteger('coupons_adjustment_amount_cents').notNullable().defaultTo(0);
    t.bigInteger('taxes_amount_cents').notNullable();
    t.decimal('precise_taxes_amount_cents', 40, 15).notNullable().defaultTo(0);
    t.decimal('taxes_rate', 10, 5).notNullable().defaultTo(0);
    t.bigInteger('credit_amount_cents').notNullable();
    t.bigInteger('refund_amount_cents').notNullable();
    t.bigInteger('offset_amount_cents').notNullable().defaultTo(0);
    t.bigInteger('balance_amount_cents').notNullable();
    t.jsonb('applied_taxes').notNullable().defaultTo('[]');
    t.timestamp('voided_at', { useTz: true });
    t.timestamp('refunded_at', { useTz: true });
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['invoice_id', 'sequential_id']);
    t.unique(['organization_id', 'idempotency_key']);
    t.check('balance_amount_cents >= 0 AND balance_amount_cents <= credit_amount_cents', [], 'credit_notes_balance_in_range');
    t.check('credit_amount_cents + refund_amount_cents + offset_amount_cents = total_amount_cents', [], 'credit_notes_amounts_add_up');
  });
  await knex.raw('CREATE INDEX credit_notes_customer ON credit_notes (customer_id, credit_status, created_at)');
  await knex.raw('CREATE INDEX credit_notes_invoice ON credit_notes (invoice_id)');

  await knex.schema.createTable('credit_note_items', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('credit_note_id').notNullable().references('credit_notes.id').onDelete('CASCADE');
    t.uuid('fee_id').notNullable().references('fees.id');
    t.bigInteger('amount_cents').notNullable();
    t.bigInteger('coupons_adjustment_amount_cents').notNullable().defaultTo(0);
    t.bigInteger('taxes_amount_cents').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.check('amount_cents > 0', [], 'credit_note_items_amount_positive');
  });
  await knex.raw('CREATE INDEX credit_note_items_fee ON credit_note_items (fee_id)');
  await knex.raw('CREATE INDEX credit_note_items_credit_note ON credit_note_items (credit_note_id)');

  // What each invoice drew from available credit notes (Lago's `credits` on the invoice).
  await knex.schema.createTable('invoice_credits', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('invoice_id').notNullable().references('invoices.id');
    t.uuid('credit_note_id').notNullable().references('credit_notes.id');
    t.bigInteger('amount_cents').notNullable();
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.unique(['invoice_id', 'credit_note_id']);
    t.check('amount_cents > 0', [], 'invoice_credits_amount_positive');
  });
  await knex.raw('CREATE INDEX invoice_credits_credit_note ON invoice_credits (credit_note_id)');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}
