/**
 * Issue 12 (the month-end close's Temporal work): an invoice with nothing to collect at issue (its
 * customer has no payment provider) no longer gets a payment workflow of its own; its due date is
 * kept by one workflow per organization and overdue instant (`overdue/<organization>/<instant>`),
 * which marks every invoice of the organization that is due then and still owes.
 *
 * - `workflow_requests.request_key`: several requests may now ask for the same workflow, one per
 *   invoice (each is relayed after its own transaction commits, so none can be swept before it is
 *   visible); a request is once-only by its organization, workflow id and key ('' for the
 *   workflows requested once, as before).
 * - `invoices_overdue_watch`: the invoices the sweep reads, those finalized, not paid and not yet
 *   overdue, by organization and due date (the others leave the index as they are paid or marked).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workflow_requests', (t) => {
    t.text('request_key').notNullable().defaultTo('');
  });
  await knex.schema.alterTable('workflow_requests', (t) => {
    t.dropUnique(['organization_id', 'workflow_id']);
    t.unique(['organization_id', 'workflow_id', 'request_key']);
  });
  await knex.raw(
    "CREATE INDEX invoices_overdue_watch ON invoices (organization_id, payment_due_date, id) WHERE status = 'finalized' AND NOT payment_overdue AND payment_status <> 'succeeded'",
  );
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}
