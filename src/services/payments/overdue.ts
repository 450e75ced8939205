/**
 * An organization's overdue sweep (src/workflows/overdue.ts, `overdue/<organization>/<instant>`):
 * the invoices with nothing to collect (their customer has no payment provider) have no payment
 * workflow of their own; the one workflow of their organization and overdue instant sweeps at that
 * instant. A sweep marks every invoice of the organization that is overdue at `nowMs` and still
 * owes (its instant, the start of the day after its due date in its customer's timezone, has come),
 * whoever it was issued for, exactly as an invoice's own payment workflow does (`markOverdueInAll`:
 * under the invoice's row lock, `payment_overdue: true` and `invoice.payment_overdue` once), so an
 * invoice that also has a payment workflow is marked once, by whichever comes first.
 *
 * It reads the organization's invoices still owing and not yet overdue (`invoices_overdue_watch`),
 * a page at a time in (due date, id) order, and marks each page in one transaction; after each
 * page it reports how far it got (the activity heartbeats that, and a retry resumes there). Safe to
 * run again, at any time: an invoice marked already is not marked twice, one not due yet is left.
 */
import type { Db } from '../../db/knex';
import { openInvoicesDueBy, type OpenInvoiceKey } from '../../db/overdue-invoices';
import { openReadMemo } from '../../db/read-memo';
import { localDateOf } from '../../billing/calendar';
import { markOverdueInAll } from './collection';

const PAGE = 100;
const DAY_MS = 86_400_000;

export type SweepPosition = OpenInvoiceKey;

/** Marks the organization's invoices overdue at `nowMs`; answers how many it marked (none marked before). */
export async function sweepOverdue(
  db: Db, organizationId: string, nowMs: number,
  options: { after?: SweepPosition | null; onPage?: (after: SweepPosition) => void; pageSize?: number } = {},
): Promise<number> {
  const pageSize = options.pageSize ?? PAGE;
  // No timezone is a day ahead of UTC: every invoice overdue somewhere at nowMs is due by then (markOverdueInAll checks each one's own instant).
  const dueBy = localDateOf(nowMs + DAY_MS, 'UTC');
  let after = options.after ?? null;
  let marked = 0;
  for (;;) {
    const page = await openInvoicesDueBy(db, organizationId, { dueBy, after, limit: pageSize });
    if (page.length === 0) return marked;
    const ids = page.map((key) => key.id);
    marked += await db.transaction(async (trx) => {
      // A page writes invoices and the outbox only: its invoices' organization, plans and customers are read once.
      openReadMemo(trx);
      const outcome = await markOverdueInAll(trx, organizationId, ids, nowMs);
      return [...outcome.values()].filter((marking) => marking === 'marked').length;
    });
    after = page.at(-1)!;
    options.onPage?.(after);
    if (page.length < pageSize) return marked;
  }
}
