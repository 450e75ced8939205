/**
 * The subscription workflow's part in drafts (issue 11), as small functions its loop calls. A
 * period closed within a grace period is a draft: the workflow keeps it (id and the end of its
 * grace period) across continue-as-new, and
 * - wakes at the end of its grace period to finalize it (a durable timer: the loop's condition
 *   times out at the earliest of the boundary, a notice and a draft's end);
 * - refreshes it through an activity as soon as the API signals late usage (an event timestamped
 *   before the current period), not on a polling clock;
 * - finalizes it first when the subscription terminates or is upgraded (the termination's credit
 *   note needs a finalized invoice).
 * Finalizing is idempotent (a draft finalized through the API, or deleted, is left as it is), so a
 * worker dying in the middle of it never numbers the invoice twice.
 *
 * Guarded by `patched()`: these act only when the subscription has drafts, which histories
 * recorded before them never have, so they replay unchanged.
 */
import { patched, proxyActivities } from '@temporalio/workflow';
import type { BillingActivities } from '../activities';
import type { SubscriptionWorkflowState, UsageSignal } from './messages';

const activities = proxyActivities<BillingActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** patched(): draft invoices kept, finalized on their timers, refreshed on late usage, finalized before an end (issue 11). */
export const DRAFTS = 'draft-invoices-within-grace-period';

/** What closePeriod answers about its invoice (older results have no status: finalized). */
interface ClosedInvoice {
  invoiceId: string;
  status?: string;
  finalizeAtMs?: number | null;
}

/** Whether this run has drafts to look after (marking the patch when it does). */
function hasDrafts(state: SubscriptionWorkflowState): boolean {
  return (state.drafts?.length ?? 0) > 0 && patched(DRAFTS);
}

/** A period closed as a draft: kept until the end of its grace period. */
export function keepDraft(state: SubscriptionWorkflowState, invoice: ClosedInvoice | null): void {
  if (!invoice || invoice.status !== 'draft' || typeof invoice.finalizeAtMs !== 'number') return;
  if (!patched(DRAFTS)) return;
  const others = (state.drafts ?? []).filter((draft) => draft.invoiceId !== invoice.invoiceId);
  state.drafts = [...others, { invoiceId: invoice.invoiceId, finalizeAtMs: invoice.finalizeAtMs }];
}

/** The earliest end of a grace period, or null without drafts. */
export function nextDraftEndAt(state: SubscriptionWorkflowState): number | null {
  if (!hasDrafts(state)) return null;
  return Math.min(...state.drafts!.map((draft) => draft.finalizeAtMs));
}

/** Finalizes the drafts whose grace period has ended, each at the instant it ended. */
export async function finalizeEndedDrafts(state: SubscriptionWorkflowState): Promise<void> {
  if (!hasDrafts(state)) return;
  for (const draft of state.drafts!.filter((entry) => entry.finalizeAtMs <= Date.now())) {
    await activities.finalizeDraft({ organizationId: state.organizationId, invoiceId: draft.invoiceId, atMs: draft.finalizeAtMs });
    state.drafts = state.drafts!.filter((entry) => entry.invoiceId !== draft.invoiceId);
  }
}

/** Splits a batch of signalled usage: the events to record (seats, in-advance charges) and whether any is late. */
export function sortUsage(events: UsageSignal['events']) {
  const watched = events.filter((event) => event.watched !== false).map(({ transactionId, code, timestamp }) => ({ transactionId, code, timestamp }));
  return { watched, late: events.some((event) => event.late === true) };
}

/** Late usage arrived: the drafts are computed again at once (the latest one also bills late usage of finalized periods). */
export async function refreshDrafts(state: SubscriptionWorkflowState): Promise<void> {
  if (!hasDrafts(state)) return;
  await activities.refreshDrafts({ organizationId: state.organizationId, invoiceIds: state.drafts!.map((draft) => draft.invoiceId) });
}

/** Before a termination or an upgrade: the drafts are finalized now, dated today. */
export async function finalizeDraftsNow(state: SubscriptionWorkflowState): Promise<void> {
  if (!hasDrafts(state)) return;
  for (const draft of state.drafts!) {
    await activities.finalizeDraft({ organizationId: state.organizationId, invoiceId: draft.invoiceId, atMs: Math.min(Date.now(), draft.finalizeAtMs) });
  }
  state.drafts = [];
}
