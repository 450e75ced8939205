/**
 * The wallet top-up workflow's activities (services/credits/recurring-top-ups.ts): when an interval
 * rule tops up next, and that top-up, once per rule and date (a retry finds its key taken).
 */
import { nextIntervalTopUp, runIntervalTopUp } from '../services/credits';
import type { ActivityDeps } from './deps';

export function walletActivities(deps: ActivityDeps) {
  return {
    async nextWalletTopUp(input: { organizationId: string; ruleId: string }): Promise<{ date: string; atMs: number } | null> {
      return nextIntervalTopUp(deps.db, input);
    },
    async runWalletTopUp(input: { organizationId: string; ruleId: string; date: string; nowMs: number }): Promise<boolean> {
      return runIntervalTopUp(deps.db, input);
    },
  };
}
