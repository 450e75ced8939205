/**
 * Heartbeats for activities that do not send their own. The subscription workflows give their
 * activities a heartbeat timeout (15 s) so that one whose worker died is retried after 15 s rather
 * than after its 2-minute start-to-close timeout. An activity that never heartbeats is timed out
 * 15 s after it started even while it still runs (a close that waits for its connections on a busy
 * database), and Temporal then runs it a second time beside the first.
 *
 * So, while any activity with a heartbeat timeout runs, the worker beats for it every third of that
 * timeout (the SDK sends at most one beat per 80 % of it): a live activity is never timed out, a dead
 * worker's stops beating. The activities that beat for themselves, after each unit of their work,
 * are left to do so: a beat of the worker's would replace the progress their retry resumes from.
 */
import type { Context } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInterceptors, Next, ActivityInboundCallsInterceptor } from '@temporalio/worker';
import type { BillingActivities } from './index';

/** The share of its heartbeat timeout between two beats. */
const BEATS_PER_TIMEOUT = 3;

/** Activities that heartbeat after each document, page or delivery they finish. */
export const SELF_HEARTBEATING: ReadonlySet<string> = new Set<keyof BillingActivities>(['generateDocuments', 'sweepOverdueInvoices', 'deliverWebhooksOnce']);

export function keepAliveInterceptor(context: Context): ActivityInterceptors {
  return {
    inbound: {
      async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
        const timeoutMs = context.info.heartbeatTimeoutMs;
        if (!timeoutMs || SELF_HEARTBEATING.has(context.info.activityType)) return next(input);
        const beat = setInterval(() => context.heartbeat(), Math.max(100, Math.floor(timeoutMs / BEATS_PER_TIMEOUT)));
        try {
          return await next(input);
        } finally {
          clearInterval(beat);
        }
      },
    },
  };
}
