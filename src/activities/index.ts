/**
 * The activities the worker registers, built around their dependencies. Workflows import only
 * the type (`import type`), as in Temporal's samples.
 */
import type { ActivityDeps } from './deps';
import { invoicingActivities } from './invoicing';
import { documentActivities } from './documents';
import { webhookActivities } from './webhooks';
import { lifecycleActivities } from './lifecycle';
import { usageActivities } from './usage';
import { paymentActivities } from './payments';
import { draftActivities } from './drafts';
import { walletActivities } from './wallets';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...invoicingActivities(deps),
    ...documentActivities(deps),
    ...webhookActivities(deps),
    ...lifecycleActivities(deps),
    ...usageActivities(deps),
    ...paymentActivities(deps),
    ...draftActivities(deps),
    ...walletActivities(deps),
  };
}

export type BillingActivities = ReturnType<typeof createActivities>;
