/** Signals, updates and queries of the subscription workflow, shared by workflow and client. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { LocalDate } from '../billing/calendar';
import type { SubscriptionTerms } from '../billing/periods';

/** A plan change waiting for the end of the current period (a downgrade). */
export interface PendingPlanChange {
  subscriptionId: string;
  planCode: string;
  terms: SubscriptionTerms;
  /** The billing date at which it takes effect. */
  effectiveDate: LocalDate;
}

/**
 * The notices the workflow sends on its own durable timers: `subscription.trial_ended` at the
 * trial's end, `subscription.termination_alert` 45, 15 and 1 days before `ending_at`.
 */
export interface SubscriptionNotices {
  /** Whether the end of the trial has been recorded (once per subscription, across plan changes). */
  trialEnded: boolean;
  /** Termination alerts falling at or before this instant are done (sent, or due before the subscription was there to send them). */
  alertsThrough: number;
}

/** Everything the workflow carries across continue-as-new (DESIGN.md §4). Ids and dates only. */
export interface SubscriptionWorkflowState {
  organizationId: string;
  subscriptionId: string;
  planCode: string;
  terms: SubscriptionTerms;
  /** The last billing date whose invoice is issued; null until the first boundary. */
  billedThrough: LocalDate | null;
  /** Whether the subscription's start (activation, in-advance first invoice) is done. */
  started: boolean;
  pendingChange?: PendingPlanChange | null;
  /** Seats active now, per persistent metric code (derived from Postgres, the record). */
  seats?: Record<string, number>;
  /**
   * Trial and termination-alert notices. Set by the API when it starts a workflow; absent in runs
   * from before the notices existed, which start them without announcing what is already past.
   */
  notices?: SubscriptionNotices;
  /**
   * The subscription's draft invoices within their grace period (issue 11): refreshed when late
   * usage is signalled, finalized before a termination or an upgrade; each finalizes by itself on
   * its own timer workflow (workflows/invoice-draft.ts). Absent in runs from before drafts.
   */
  drafts?: OpenDraft[];
  /** Continue as new once history reaches this many events (tests lower it). */
  historyLimit?: number;
}

/** A draft invoice and the instant its grace period ends. */
export interface OpenDraft {
  invoiceId: string;
  finalizeAtMs: number;
}

export interface SubscriptionView {
  subscriptionId: string;
  status: 'pending' | 'active' | 'terminated';
  planCode: string;
  billedThrough: LocalDate | null;
  nextBillingDate: LocalDate | null;
  nextBillingAt: string | null;
  pendingChange: { planCode: string; effectiveDate: LocalDate } | null;
  seats: Record<string, number>;
}

export const stateQuery = defineQuery<SubscriptionView>('subscriptionState');

/**
 * Stored events the workflow cares about: ids and instants only. Seats and pay-in-advance charges
 * (`watched`, the default), events whose timestamp falls before the current period (`late`),
 * which the subscription's open drafts take at once, and any event of a subscription with usage
 * thresholds (`thresholds`), which may cross one (progressive billing, issue 15).
 */
export interface UsageSignal {
  events: { transactionId: string; code: string; timestamp: number; late?: boolean; watched?: boolean; thresholds?: boolean }[];
}

export const usageSignal = defineSignal<[UsageSignal]>('usageRecorded');

/** Lago's termination options (`on_termination_credit_note`, `on_termination_invoice`). */
export interface TerminationOptions {
  /** For pay-in-advance plans: credit (default) or refund the unused days, or skip the credit note. */
  onTerminationCreditNote?: 'credit' | 'refund' | 'skip';
  /** `skip`: no final invoice. */
  onTerminationInvoice?: 'generate' | 'skip';
}

export interface TerminateRequest extends TerminationOptions {
  /** The instant the subscription ends (now, from the caller's clock). */
  atMs: number;
}

export interface TerminateResult {
  subscriptionId: string;
  invoiceId: string | null;
  creditNoteId: string | null;
}

export const terminateUpdate = defineUpdate<TerminateResult, [TerminateRequest]>('terminate');

export interface PlanChangeRequest {
  kind: 'upgrade' | 'downgrade';
  /** The new plan's subscription row (created by the API: active for an upgrade, pending for a downgrade). */
  subscriptionId: string;
  planCode: string;
  terms: SubscriptionTerms;
  atMs: number;
}

export interface PlanChangeResult {
  subscriptionId: string;
  kind: 'upgrade' | 'downgrade';
  effectiveDate: LocalDate;
}

export const changePlanUpdate = defineUpdate<PlanChangeResult, [PlanChangeRequest]>('changePlan');

export interface CancelPlanChangeRequest {
  /** The pending subscription row of the plan change (a scheduled downgrade) to cancel. */
  subscriptionId: string;
  /** The instant of the cancellation (now, from the caller's clock). */
  atMs: number;
}

export interface CancelPlanChangeResult {
  /** The subscription that stays on its plan. */
  subscriptionId: string;
  /** The pending subscription now canceled. */
  canceledSubscriptionId: string;
}

/** Drops the pending plan change (`DELETE /subscriptions/:id?status=pending` on a scheduled downgrade). */
export const cancelPlanChangeUpdate = defineUpdate<CancelPlanChangeResult, [CancelPlanChangeRequest]>('cancelPlanChange');

/**
 * `PUT /subscriptions/:external_id`: Lago's editable fields. Absent fields stay as they are;
 * `endingAt: null` clears the automatic termination. Validated by the workflow (its validator
 * answers the caller at once) and written by its activity, so the row and the running workflow
 * change together.
 */
export interface EditSubscriptionRequest extends TerminationOptions {
  /** The subscription row edited: the workflow's current one. */
  subscriptionId: string;
  /** Names this edit (its `subscription.updated` webhook is recorded once). */
  editId: string;
  /** The instant of the request (now, from the caller's clock). */
  atMs: number;
  name?: string | null;
  /** The instant the subscription terminates by itself; null: never. */
  endingAt?: number | null;
  /** A subscription not started yet: when it starts. */
  subscriptionAt?: number;
  consolidateInvoice?: boolean;
  purchaseOrderNumber?: string | null;
}

export interface EditSubscriptionResult {
  subscriptionId: string;
  /** The subscription's terms after the edit, as the database has them. */
  terms: SubscriptionTerms;
  /** A pending plan change's terms after the edit (its end follows the subscription's). */
  pendingTerms: SubscriptionTerms | null;
}

/**
 * A refusal of an edit names the field and Lago's code: its message reads `<field> <code>: <why>`
 * (`ending_at invalid_date: …`), so the API answers 422 for that field.
 */
export function editRefusal(field: string, code: string, why: string): string {
  return `${field} ${code}: ${why}`;
}

export function parseEditRefusal(message: string): { field: string; code: string } | null {
  const match = /^([a-z_]+) ([a-z_]+): /.exec(message);
  return match ? { field: match[1]!, code: match[2]! } : null;
}

export const editSubscriptionUpdate = defineUpdate<EditSubscriptionResult, [EditSubscriptionRequest]>('editSubscription');
