/** `plan.updated` for plans whose entitlements changed, with the plan as the API shows it (as catalog records it). */
import type { Tx } from '../../db/knex';
import { findPlanById, loadPlanViews, type PlanRow } from '../../db/plans';
import { serializePlanView } from '../../serializers/plan';
import { recordWebhookEvent } from '../../webhooks/outbox';

export async function recordPlansUpdated(trx: Tx, organizationId: string, planIds: readonly string[]): Promise<void> {
  const plans: PlanRow[] = [];
  for (const id of planIds) {
    const plan = await findPlanById(trx, organizationId, id);
    if (plan) plans.push(plan);
  }
  for (const view of await loadPlanViews(trx, organizationId, plans)) {
    await recordWebhookEvent(trx, { organizationId, webhookType: 'plan.updated', objectType: 'plan', object: serializePlanView(view) });
  }
}
