/**
 * Activities for draft invoices (issue 11). Each is idempotent: refreshing writes the same
 * computation again, finalizing a draft already finalized (or deleted) does nothing.
 */
import { log } from '@temporalio/activity';
import { finalizeDraftById, refreshDraftById } from '../services/invoicing';
import type { ActivityDeps } from './deps';

export function draftActivities({ db }: ActivityDeps) {
  return {
    /** Computes the subscription's open drafts again: usage that reached their periods since is included. */
    async refreshDrafts(input: { organizationId: string; invoiceIds: string[] }): Promise<void> {
      for (const invoiceId of input.invoiceIds) {
        const invoice = await refreshDraftById(db, input.organizationId, invoiceId);
        log.info('draft refreshed', { invoiceId, status: invoice?.status ?? null, totalAmountCents: invoice?.total_amount_cents.toString() ?? null });
      }
    },

    /** The end of a draft's grace period (`atMs`): it is computed again, numbered, drawn and announced, once. */
    async finalizeDraft(input: { organizationId: string; invoiceId: string; atMs: number }): Promise<{ status: string | null; number: string | null }> {
      const invoice = await finalizeDraftById(db, input.organizationId, input.invoiceId, input.atMs);
      log.info('draft finalized', { invoiceId: input.invoiceId, status: invoice?.status ?? null, number: invoice?.number ?? null });
      return { status: invoice?.status ?? null, number: invoice?.number ?? null };
    },
  };
}
