/**
 * The outbox relay: hands committed outbox rows to Temporal. Runs in every worker process (a poll
 * every second; concurrent relays share the work with `FOR UPDATE SKIP LOCKED`). Each batch is
 * claimed, started (up to 20 starts in flight) and marked in one transaction:
 * - a webhook event gets the workflow `webhook/<event id>`, which delivers to each endpoint the
 *   event was recorded with (outbox.ts writes those deliveries with the event, so they are
 *   committed before the workflow reads them) and to any endpoint subscribed since;
 * - a document request gets the workflow `document/<type>/<id>`.
 * A workflow id is started at most once (Temporal refuses a second start, even after the first run
 * closed, within the namespace's retention; the refusal counts as success), so a relay that dies
 * between the start and the commit loses nothing and starts nothing twice.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Db, Tx } from '../db/knex';
import { claimPendingEvents, endpointsFor, ensureWebhooks, markEventsDispatched, type WebhookEventRow } from '../db/webhooks';
import { claimPendingDocumentRequests, markDocumentRequestsDispatched } from '../db/document-requests';
import { logger } from '../runtime/logger';
import { documentWorkflowId, webhookWorkflowId } from '../workflows/ids';
import type { DocumentRequestInput } from './outbox';

export interface RelayDeps {
  db: Db;
  /** What the relay uses of a Temporal client: starting workflows. */
  client: { workflow: Pick<Client['workflow'], 'start'> };
  taskQueue: string;
}

const BATCH = 100;
/** Workflow starts in flight at once: one at a time, a burst of invoices left the relay minutes behind. */
const PARALLEL_STARTS = 20;

/** Runs `work` on every item, at most PARALLEL_STARTS at once. */
async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLEL_STARTS) await Promise.all(items.slice(i, i + PARALLEL_STARTS).map(work));
}

/** Starts a workflow unless its id was started before: the refusal of a second start is success. */
async function startOnce(deps: RelayDeps, workflowType: string, workflowId: string, args: unknown[]): Promise<void> {
  try {
    await deps.client.workflow.start(workflowType, {
      workflowId,
      taskQueue: deps.taskQueue,
      args,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

async function startDocument(deps: RelayDeps, request: DocumentRequestInput): Promise<void> {
  await startOnce(deps, 'documentWorkflow', documentWorkflowId(request.documentType, request.id), [request]);
}

/** One delivery per subscribed endpoint, and the workflow that delivers those not yet succeeded. */
async function startDeliveries(deps: RelayDeps, trx: Tx, event: WebhookEventRow): Promise<void> {
  const endpoints = await endpointsFor(trx, event.organization_id, event.webhook_type);
  const webhooks = await ensureWebhooks(trx, event, endpoints);
  const pending = webhooks.filter((webhook) => webhook.status !== 'succeeded').map((webhook) => webhook.id);
  if (pending.length === 0) return;
  await startOnce(deps, 'webhookWorkflow', webhookWorkflowId(event.id), [
    { organizationId: event.organization_id, eventId: event.id, webhookIds: pending },
  ]);
}

/** Relays up to `limit` pending webhook events; returns how many it handled. */
export async function relayWebhookEvents(deps: RelayDeps, limit = BATCH): Promise<number> {
  return deps.db.transaction(async (trx) => {
    const events = await claimPendingEvents(trx, limit);
    await inParallel(events, (event) => startDeliveries(deps, trx, event));
    await markEventsDispatched(trx, events.map((event) => event.id));
    return events.length;
  });
}

/** Relays up to `limit` pending document requests; returns how many it handled. */
export async function relayDocumentRequests(deps: RelayDeps, limit = BATCH): Promise<number> {
  return deps.db.transaction(async (trx) => {
    const requests = await claimPendingDocumentRequests(trx, limit);
    await inParallel(requests, (request) =>
      startDocument(deps, { organizationId: request.organization_id, documentType: request.document_type, id: request.document_id }));
    await markDocumentRequestsDispatched(trx, requests.map((request) => request.id));
    return requests.length;
  });
}

/** Relays up to `limit` webhook events and up to `limit` document requests; returns how many in all. */
export async function relayOutbox(deps: RelayDeps, limit = BATCH): Promise<number> {
  return (await relayWebhookEvents(deps, limit)) + (await relayDocumentRequests(deps, limit));
}

export interface RunningRelay {
  stop(): Promise<void>;
}

/** Polls the outbox until stopped; a failing poll is logged and tried again at the next tick. */
export function startOutboxRelay(deps: RelayDeps, options: { intervalMs?: number } = {}): RunningRelay {
  const intervalMs = options.intervalMs ?? 1_000;
  const log = logger.child({ component: 'outbox-relay' });
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const tick = async () => {
    try {
      // Drain: keep going while a full batch may have left rows behind.
      while (!stopped && (await relayOutbox(deps)) >= BATCH);
    } catch (error) {
      log.error({ err: error }, 'outbox relay failed; retrying');
    }
    if (!stopped) timer = setTimeout(() => { running = tick(); }, intervalMs);
  };
  running = tick();
  log.info({ intervalMs }, 'outbox relay started');
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
