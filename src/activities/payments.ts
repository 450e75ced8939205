/**
 * The payment workflow's activities, one job each (services/payments/collection.ts): the attempt's
 * payment row, the provider's charge (with the attempt's idempotency key, so a retry never charges
 * twice), recording what the provider answered, and the invoice turning overdue at its due date;
 * and the overdue workflow's sweep of an organization's invoices due at one instant.
 */
import { Context, log } from '@temporalio/activity';
import {
  chargeAttempt, configuredProviders, dunningWait, finishDunning, markOverdue, startDunningAttempt, startRequestAttempt, overdueInstant, planRefunds, recordAttempt, recordRefund, sendRefund, startAttempt,
  sweepOverdue,
  type AttemptOutcome, type DunningStart, type PlannedRefunds, type StartedRequestAttempt, type ProviderFactory, type RefundOutcome, type StartedAttempt, type SweepPosition,
} from '../services/payments';
import type { ActivityDeps } from './deps';

export interface PaymentActivityDeps extends ActivityDeps {
  /** The providers' clients; the process default (Stripe, or BILLOW_STRIPE_API_URL) when absent. */
  paymentProviders?: ProviderFactory;
}

export function paymentActivities(deps: PaymentActivityDeps) {
  const providers = () => deps.paymentProviders ?? configuredProviders();
  return {
    async startPaymentAttempt(input: { organizationId: string; invoiceId: string; attempt: number }): Promise<StartedAttempt> {
      const started = await startAttempt(deps.db, input.organizationId, input.invoiceId, input.attempt);
      log.info('payment attempt', { invoiceId: input.invoiceId, attempt: input.attempt, ...started });
      return started;
    },
    async chargePaymentAttempt(input: { organizationId: string; paymentId: string }): Promise<AttemptOutcome> {
      const outcome = await chargeAttempt(deps.db, providers(), input.organizationId, input.paymentId);
      log.info('payment charged', { paymentId: input.paymentId, status: outcome.status, paymentStatus: outcome.paymentStatus });
      return outcome;
    },
    async recordPaymentAttempt(input: { organizationId: string; paymentId: string; outcome: AttemptOutcome; nowMs: number }): Promise<string> {
      return recordAttempt(deps.db, input.organizationId, input.paymentId, input.outcome, input.nowMs);
    },
    async paymentOverdueAt(input: { organizationId: string; invoiceId: string }): Promise<number | null> {
      return overdueInstant(deps.db, input.organizationId, input.invoiceId);
    },
    async startPaymentRequestAttempt(input: { organizationId: string; paymentRequestId: string; attempt: number }): Promise<StartedRequestAttempt> {
      const started = await startRequestAttempt(deps.db, input.organizationId, input.paymentRequestId, input.attempt);
      log.info('payment request attempt', { paymentRequestId: input.paymentRequestId, attempt: input.attempt, ...started });
      return started;
    },
    async dunningWait(input: { organizationId: string; invoiceId: string; attempt: number }): Promise<number | null> {
      return dunningWait(deps.db, input.organizationId, input.invoiceId, input.attempt);
    },
    async startDunningAttempt(input: { organizationId: string; invoiceId: string; attempt: number }): Promise<DunningStart> {
      const started = await startDunningAttempt(deps.db, input.organizationId, input.invoiceId, input.attempt);
      log.info('dunning attempt', { invoiceId: input.invoiceId, attempt: input.attempt, ...started });
      return started;
    },
    async finishDunning(input: { organizationId: string; invoiceId: string }): Promise<boolean> {
      return finishDunning(deps.db, input.organizationId, input.invoiceId);
    },
    async planCreditNoteRefunds(input: { organizationId: string; creditNoteId: string }): Promise<PlannedRefunds> {
      const planned = await planRefunds(deps.db, input.organizationId, input.creditNoteId);
      log.info('credit note refunds planned', { creditNoteId: input.creditNoteId, ...planned });
      return planned;
    },
    async sendCreditNoteRefund(input: { organizationId: string; refundId: string }): Promise<RefundOutcome> {
      const outcome = await sendRefund(deps.db, providers(), input.organizationId, input.refundId);
      log.info('refund sent', { refundId: input.refundId, status: outcome.status });
      return outcome;
    },
    async recordCreditNoteRefund(input: { organizationId: string; refundId: string; outcome: RefundOutcome; nowMs: number }): Promise<string> {
      return recordRefund(deps.db, input.organizationId, input.refundId, input.outcome, input.nowMs);
    },
    async markPaymentOverdue(input: { organizationId: string; invoiceId: string; nowMs: number }): Promise<boolean> {
      return markOverdue(deps.db, input.organizationId, input.invoiceId, input.nowMs);
    },
    /**
     * Every invoice of the organization overdue at `nowMs` and still owing marked (a page per
     * transaction, a heartbeat per page); a retry resumes after the last page heartbeaten, and
     * marks nothing twice in any case. Answers how many it marked.
     */
    async sweepOverdueInvoices(input: { organizationId: string; instantMs: number; nowMs: number }): Promise<number> {
      const context = Context.current();
      const after = (context.info.heartbeatDetails as SweepPosition | undefined) ?? null;
      const marked = await sweepOverdue(deps.db, input.organizationId, input.nowMs, { after, onPage: (position) => context.heartbeat(position) });
      log.info('overdue sweep', { organizationId: input.organizationId, instantMs: input.instantMs, nowMs: input.nowMs, marked, resumed: after !== null });
      return marked;
    },
  };
}
