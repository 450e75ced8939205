/** Signals, updates and queries of the subscription workflow, shared by workflow and client. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { LocalDate } from '../billing/calendar';
import type { SubscriptionTerms } from '../billing/periods';

/** Everything the workflow carries across continue-as-new (DESIGN.md §4). Ids and dates only. */
export interface SubscriptionWorkflowState {
  organizationId: string;
  subscriptionId: string;
  terms: SubscriptionTerms;
  /** The last billing date whose invoice is issued; null until the first boundary. */
  billedThrough: LocalDate | null;
  /** Whether the subscription's start (activation, in-advance first invoice) is done. */
  started: boolean;
}

export interface SubscriptionView {
  subscriptionId: string;
  status: 'pending' | 'active';
  billedThrough: LocalDate | null;
  nextBillingDate: LocalDate;
  nextBillingAt: string;
}

export const stateQuery = defineQuery<SubscriptionView>('subscriptionState');

/** Stored events the workflow cares about (seats, pay-in-advance charges): ids and instants only. */
export interface UsageSignal {
  events: { transactionId: string; code: string; timestamp: number }[];
}

export const usageSignal = defineSignal<[UsageSignal]>('usageRecorded');
