/**
 * Usage thresholds (progressive billing, issue 15; reference/lago-api.md §4): a plan's, or a
 * subscription's own (which replace its plan's). Each has an amount of lifetime usage > 0, an
 * optional display name, and `recurring`; at most one is recurring (422
 * `usage_thresholds: ["multiple_recurring_thresholds"]` otherwise, as Lago's validation names it).
 * Sending thresholds replaces the owner's; the replaced ones are kept (soft-deleted) because the
 * crossings already billed name them.
 */
import type { Tx } from '../../db/knex';
import { replaceThresholds } from '../../db/usage-thresholds';
import type { Problems } from '../../runtime/errors';

export interface UsageThresholdInput {
  amount_cents: bigint;
  threshold_display_name?: string | null;
  recurring?: boolean | null;
}

/** Records in `problems` what makes the thresholds unusable: more than one recurring. */
export function checkUsageThresholds(thresholds: readonly UsageThresholdInput[] | null | undefined, problems: Problems): void {
  if ((thresholds ?? []).filter((threshold) => threshold.recurring === true).length > 1) problems.add('usage_thresholds', 'multiple_recurring_thresholds');
}

/** Replaces the owner's thresholds with these (none for null). */
export async function writeUsageThresholds(
  trx: Tx, organizationId: string, owner: { planId: string } | { subscriptionId: string }, thresholds: readonly UsageThresholdInput[] | null | undefined,
): Promise<void> {
  await replaceThresholds(trx, organizationId, owner, (thresholds ?? []).map((threshold) => ({
    amount_cents: threshold.amount_cents,
    threshold_display_name: threshold.threshold_display_name ?? null,
    recurring: threshold.recurring === true,
  })));
}
