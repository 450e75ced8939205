/**
 * One interval top-up rule of a wallet (`wallet-top-up/<rule id>`, asked for through the outbox
 * when the rule is set): a durable timer to the rule's next anniversary, then its top-up (once per
 * date, by its key), again and again. The rule is read at every turn: changed, it is followed;
 * terminated or expired (or its wallet terminated), the workflow ends. It continues as new every
 * few top-ups so its history stays short. Everything it learns is in Postgres.
 */
import { continueAsNew, proxyActivities, sleep } from '@temporalio/workflow';
import type { BillingActivities } from '../activities';

export interface WalletTopUpWorkflowInput {
  organizationId: string;
  ruleId: string;
}

const database = proxyActivities<BillingActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** Top-ups per run before continuing as new. */
const TOP_UPS_PER_RUN = 24;

export async function walletTopUpWorkflow(input: WalletTopUpWorkflowInput): Promise<string> {
  for (let done = 0; done < TOP_UPS_PER_RUN; done++) {
    const next = await database.nextWalletTopUp(input);
    if (next === null) return 'ended';
    if (next.atMs > Date.now()) await sleep(next.atMs - Date.now());
    await database.runWalletTopUp({ ...input, date: next.date, nowMs: Date.now() });
  }
  return continueAsNew<typeof walletTopUpWorkflow>(input);
}
