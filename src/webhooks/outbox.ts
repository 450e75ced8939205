/**
 * The transactional outbox. A service that changes something a webhook reports calls
 * `recordWebhookEvent(trx, ...)` inside the same transaction; one that finalizes a document calls
 * `requestDocument(trx, ...)`; one that creates a subscription calls `requestWorkflowStart(trx, ...)`;
 * one that needs an invoice collected asks for its payment workflow (`requestCollection`): the event
 * or request exists if and only if the change committed. The relay (relay.ts) hands committed rows
 * to Temporal.
 */
import type { Conn } from '../db/knex';
import { insertWebhookEventWithDeliveries } from '../db/webhooks';
import { insertDocumentRequest } from '../db/document-requests';
import { insertWorkflowRequest } from '../db/workflow-requests';
import { overdueWorkflowId, paymentWorkflowId, refundWorkflowId, type DocumentType, type Payable } from '../workflows/ids';
import { insertWorkflowStart } from '../db/workflow-starts';
import type { StartSubscriptionWorkflow } from '../workflows/client';
import { isWebhookType, type WebhookType } from './event-types';

export interface WebhookEventInput {
  organizationId: string;
  webhookType: WebhookType;
  /** The payload key of the object, e.g. `invoice`, `subscription`, `credit_note`. */
  objectType: string;
  /** The object as the API serializes it (the same serializer as the REST endpoint). */
  object: Record<string, unknown>;
  /**
   * A business key making the event once-only (e.g. `invoice.generated:<id>`): a second call with
   * the same key records nothing. Use it when the calling code may run twice (activity retries).
   */
  idempotencyKey?: string;
}

/**
 * Records a webhook event in the caller's transaction, with one delivery per endpoint subscribed
 * to it now: the deliveries commit with the event, so the delivery workflow the relay starts finds
 * them on its first attempt. Returns the event id, or null when an event with the same idempotency
 * key exists already.
 */
export async function recordWebhookEvent(trx: Conn, input: WebhookEventInput): Promise<string | null> {
  if (!isWebhookType(input.webhookType)) throw new Error(`Unknown webhook type ${String(input.webhookType)}`);
  return insertWebhookEventWithDeliveries(trx, {
    organization_id: input.organizationId,
    webhook_type: input.webhookType,
    object_type: input.objectType,
    object_id: typeof input.object.lago_id === 'string' ? input.object.lago_id : null,
    idempotency_key: input.idempotencyKey ?? null,
    payload: {
      webhook_type: input.webhookType,
      object_type: input.objectType,
      organization_id: input.organizationId,
      [input.objectType]: input.object,
    },
  });
}

export interface DocumentRequestInput {
  organizationId: string;
  documentType: DocumentType;
  /** The invoice's or credit note's id. */
  id: string;
}

/**
 * Asks, in the caller's transaction, for the PDF of a finalized invoice or credit note: once
 * committed, the relay starts `document/<type>/<id>`. Once per document: returns the request id,
 * or null when the document was requested already.
 */
export async function requestDocument(trx: Conn, input: DocumentRequestInput): Promise<string | null> {
  return insertDocumentRequest(trx, { organization_id: input.organizationId, document_type: input.documentType, document_id: input.id });
}

/**
 * Asks, in the caller's transaction, for the payment workflow of an invoice (`payment/invoice/<id>`):
 * once committed, the relay starts it. Once per payable.
 */
export async function requestCollection(trx: Conn, input: { organizationId: string; payable: Payable; attempt?: number }): Promise<string | null> {
  return insertWorkflowRequest(trx, {
    organization_id: input.organizationId,
    workflow_type: 'paymentWorkflow',
    workflow_id: paymentWorkflowId(input.payable, input.attempt),
    args: [{ organizationId: input.organizationId, payable: input.payable, ...(input.attempt && input.attempt > 1 ? { attempt: input.attempt } : {}) }],
  });
}

/** What an overdue workflow is started with (`OverdueWorkflowInput` in workflows/overdue.ts, a floor above). */
export interface OverdueSweepInput {
  organizationId: string;
  /** The instant its invoices turn overdue (epoch ms). */
  instantMs: number;
}

/**
 * Asks, in the caller's transaction, for the overdue workflow of the invoice's organization and
 * overdue instant (`overdue/<organization>/<instant>`), for an invoice with nothing to collect: one
 * row per invoice (once per invoice), relayed after its transaction commits, so the workflow sweeps
 * with the invoice visible (or again, if it had begun). Many invoices share the workflow.
 */
export async function requestOverdueSweep(trx: Conn, input: { organizationId: string; invoiceId: string; instantMs: number }): Promise<string | null> {
  const args: OverdueSweepInput = { organizationId: input.organizationId, instantMs: input.instantMs };
  return insertWorkflowRequest(trx, {
    organization_id: input.organizationId,
    workflow_type: 'overdueWorkflow',
    workflow_id: overdueWorkflowId(input.organizationId, input.instantMs),
    request_key: `invoice:${input.invoiceId}`,
    args: [args],
  });
}

/**
 * Asks, in the caller's transaction, for the refund workflow of a credit note with a refund
 * (`refund/credit_note/<id>`): once committed, the relay starts it. Once per credit note.
 */
export async function requestRefund(trx: Conn, input: { organizationId: string; creditNoteId: string }): Promise<string | null> {
  return insertWorkflowRequest(trx, {
    organization_id: input.organizationId,
    workflow_type: 'refundWorkflow',
    workflow_id: refundWorkflowId(input.creditNoteId),
    args: [{ organizationId: input.organizationId, creditNoteId: input.creditNoteId }],
  });
}

export interface WorkflowStartInput {
  organizationId: string;
  subscriptionId: string;
  workflowId: string;
  /** What the workflow is started with. */
  input: StartSubscriptionWorkflow;
}

/**
 * Records, in the caller's transaction, that the subscription's workflow must be started: once
 * committed, the API starts it at once (and marks the row) or, when Temporal does not answer, the
 * relay does it later. Once per subscription: returns the row id, or null when it exists already.
 */
export async function requestWorkflowStart(trx: Conn, input: WorkflowStartInput): Promise<string | null> {
  return insertWorkflowStart(trx, {
    organization_id: input.organizationId,
    subscription_id: input.subscriptionId,
    workflow_id: input.workflowId,
    input: input.input,
  });
}
