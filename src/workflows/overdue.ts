/**
 * The due date of an organization's invoices with nothing to collect (`overdue/<organization>/<instant>`,
 * services/payments/overdue.ts): an invoice whose customer has no payment provider gets no payment
 * workflow of its own; the outbox asks, in its issuing transaction, for the one workflow of its
 * organization and overdue instant (the start of the day after its due date, in its customer's
 * timezone), and the relay starts it with a signal (signal-with-start: started if it is not running,
 * signalled if it is, started anew if it has finished).
 *
 * It sleeps to the instant (a durable timer), then sweeps: one activity marks every invoice of the
 * organization overdue by then and still owing (`payment_overdue: true`, `invoice.payment_overdue`
 * once each). An invoice issued while the sweep runs, or after it (its transaction committed
 * before the relay signals), signals it: it sweeps again before it ends; once it has ended, the
 * signal starts a new run, which finds its instant past and sweeps at once. Its result says how many
 * invoices it marked.
 *
 * Each signal adds to its history (about one per relay claim: a busy organization issuing invoices
 * due at one instant all day long sends many): past HISTORY_LIMIT events, or when the server
 * suggests it, a run continues as new (before its instant, to sleep on; after, to sweep at once).
 */
import { condition, continueAsNew, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { BillingActivities } from '../activities';
import { OVERDUE_SWEEP_SIGNAL } from './ids';

export interface OverdueWorkflowInput {
  organizationId: string;
  /** The instant its invoices turn overdue (epoch ms). */
  instantMs: number;
  /** Events after which a run continues as new (HISTORY_LIMIT; tests lower it). */
  historyLimit?: number;
}

const HISTORY_LIMIT = 10_000;

/** An invoice due at the workflow's instant was issued (and committed): sweep again if the sweep has begun. */
export const overdueInvoiceIssued = defineSignal(OVERDUE_SWEEP_SIGNAL);

const sweeper = proxyActivities<BillingActivities>({
  // A page of invoices marked per heartbeat; a lost worker is noticed within the heartbeat timeout.
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function overdueWorkflow(input: OverdueWorkflowInput): Promise<string> {
  const { organizationId, instantMs } = input;
  const historyFull = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > (input.historyLimit ?? HISTORY_LIMIT);
  let issued = false;
  setHandler(overdueInvoiceIssued, () => {
    issued = true;
  });
  // A timer to the instant; each signal wakes the condition only to look at the history's length.
  if (instantMs > Date.now() && (await condition(historyFull, instantMs - Date.now()))) return continueAsNew<typeof overdueWorkflow>(input);
  let marked = 0;
  let sweeps = 0;
  do {
    if (sweeps > 0 && historyFull()) return continueAsNew<typeof overdueWorkflow>(input);
    // What was issued before this sweep begins is swept by it; what is signalled during it, by the next.
    issued = false;
    marked += await sweeper.sweepOverdueInvoices({ organizationId, instantMs, nowMs: Date.now() });
    sweeps++;
  } while (issued);
  return `${marked} overdue in ${sweeps} ${sweeps === 1 ? 'sweep' : 'sweeps'}`;
}
