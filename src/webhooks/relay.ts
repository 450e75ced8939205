/**
 * The outbox relay: hands committed webhook events to Temporal. Runs in every worker process
 * (a poll every second; concurrent relays share the work with `FOR UPDATE SKIP LOCKED`). For
 * each event it creates one delivery per subscribed endpoint and starts the workflow
 * `webhook/<event id>`; `invoice.created` and `credit_note.created` also start the workflow that
 * renders the document (`document/<type>/<id>`); so do one-off and wallet top-up invoices. Starting a workflow twice is harmless (its id
 * is the event's), so a relay that dies between the start and the commit loses nothing.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Db, Tx } from '../db/knex';
import { claimPendingEvents, endpointsFor, ensureWebhooks, markEventDispatched, type WebhookEventRow } from '../db/webhooks';
import { logger } from '../runtime/logger';
import { documentWorkflowId, webhookWorkflowId, type DocumentType } from '../workflows/ids';

export interface RelayDeps {
  db: Db;
  /** What the relay uses of a Temporal client: starting workflows. */
  client: { workflow: Pick<Client['workflow'], 'start'> };
  taskQueue: string;
}

const BATCH = 100;

/** Which events ask for a document to be rendered. */
const DOCUMENT_TRIGGERS: Record<string, DocumentType> = {
  'invoice.created': 'invoice',
  'invoice.one_off_created': 'invoice',
  'invoice.paid_credit_added': 'invoice',
  'credit_note.created': 'credit_note',
};

/** Starts a workflow unless one with its id is running: "already started" is success. */
async function startOnce(deps: RelayDeps, workflowType: string, workflowId: string, args: unknown[]): Promise<void> {
  try {
    await deps.client.workflow.start(workflowType, {
      workflowId,
      taskQueue: deps.taskQueue,
      args,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
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

/** Relays up to `limit` pending events; returns how many it handled. */
export async function relayOutbox(deps: RelayDeps, limit = BATCH): Promise<number> {
  return deps.db.transaction(async (trx) => {
    const events = await claimPendingEvents(trx, limit);
    for (const event of events) {
      await startDeliveries(deps, trx, event);
      const documentType = DOCUMENT_TRIGGERS[event.webhook_type];
      if (documentType && event.object_id) {
        await startOnce(deps, 'documentWorkflow', documentWorkflowId(documentType, event.object_id), [
          { organizationId: event.organization_id, documentType, id: event.object_id },
        ]);
      }
      await markEventDispatched(trx, event.id);
    }
    return events.length;
  });
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
      // Drain: keep going while full batches come back.
      while (!stopped && (await relayOutbox(deps)) === BATCH);
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
