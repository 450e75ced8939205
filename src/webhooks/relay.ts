/**
 * The outbox relay: hands committed outbox rows to Temporal. Runs in every worker process (a poll
 * every second; concurrent relays share the work with `FOR UPDATE SKIP LOCKED`). Each batch is
 * claimed, started (up to 20 starts in flight) and marked in one transaction:
 * - a webhook event gets the workflow `webhook/<event id>`, which delivers to each endpoint the
 *   event was recorded with (outbox.ts writes those deliveries with the event, so they are
 *   committed before the workflow reads them) and to any endpoint subscribed since;
 * - a document request gets the workflow `document/<type>/<id>` (nothing, when PDFs are rendered on demand);
 * - a workflow request (an invoice's payment workflow) gets the workflow it names; the requests for
 *   an organization's overdue workflow (one per invoice issued with nothing to collect, many per
 *   workflow) get one signal-with-start per workflow and claim: started if it is not running (anew if
 *   an earlier run has finished: it sweeps at once), signalled if it is (it sweeps again if it had
 *   begun), so every invoice is swept after its transaction committed;
 * - a workflow start (a subscription created while Temporal did not answer, or whose API process
 *   died before starting it) gets its `subscription/<organization>/<external id>` workflow, started
 *   with the input stored when the subscription was created (conflict policy USE_EXISTING: a
 *   workflow already running is success).
 * A burst (at least BURST rows in one claim: a close) goes to one workflow for all its webhook events
 * (`webhooks/<digest>`) and one for all its documents (`documents/<digest>`), named by a digest of
 * the rows' ids: one workflow and one activity for the burst's first attempts (each item that fails
 * then goes on alone, with a single item's retries), where one workflow each cost Temporal a start,
 * workflow tasks and an activity per row.
 * The webhook and document workflows (one row's or a burst's) are started on the workers' outbox
 * queue when `outboxTaskQueue` is given (src/worker.ts: a worker of their own in every worker
 * process, so a close's backlog on the main queue does not hold them up; their deliveries run there
 * too), else on `taskQueue` like everything else; payment, overdue and subscription workflows are
 * always on `taskQueue`. A workflow type has one queue, so a workflow id is only ever started on it.
 * A workflow id is started at most once (Temporal refuses a second start, even after the first run
 * closed, within the namespace's retention; the refusal counts as success), so a relay that dies
 * between the start and the commit loses nothing and starts nothing twice.
 */
import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Db, Tx } from '../db/knex';
import { claimPendingEvents, ensureDeliveriesOfEvents, markEventsDispatched, type WebhookEventRow } from '../db/webhooks';
import { claimPendingDocumentRequests, markDocumentRequestsDispatched } from '../db/document-requests';
import { claimPendingWorkflowRequests, markWorkflowRequestDispatched, markWorkflowRequestsDispatched, type WorkflowRequestRow } from '../db/workflow-requests';
import { claimPendingWorkflowStarts, markWorkflowStartDispatched } from '../db/workflow-starts';
import { forEachConcurrently } from '../runtime/concurrency';
import { logger } from '../runtime/logger';
import { throttledLog } from '../runtime/outages';
import { documentBatchWorkflowId, documentWorkflowId, OVERDUE_SWEEP_SIGNAL, webhookBatchWorkflowId, webhookWorkflowId } from '../workflows/ids';
import type { StartSubscriptionWorkflow, SubscriptionWorkflows } from '../workflows/client';
import type { DocumentRequestInput } from './outbox';

export interface RelayDeps {
  db: Db;
  /** What the relay uses of a Temporal client: starting workflows (and signal-with-start, for overdue workflows). */
  client: { workflow: Pick<Client['workflow'], 'start'> & Partial<Pick<Client['workflow'], 'signalWithStart'>> };
  taskQueue: string;
  /** The task queue of the webhook and document workflows (the workers' outbox queue); `taskQueue` when absent. */
  outboxTaskQueue?: string;
  /** Starts subscription workflows (the same gateway as the API's); without it, workflow starts are left to a relay that has one. */
  subscriptions?: Pick<SubscriptionWorkflows, 'start'>;
  /**
   * Renders a requested document in this process instead of starting its document workflow (the
   * sandbox: an activity on the time-skipping server holds its clock while it runs). A request
   * whose rendering fails stays pending and is tried again at the next tick.
   */
  renderDocument?: (request: DocumentRequestInput) => Promise<void>;
  /**
   * With `renderDocument`: whether documents wait for now (the sandbox, while its clock is being
   * advanced: the advance's caller waits for billing, not for PDFs, and rendering would take a
   * quarter of the machine from it). Asked before each claim, so rendering yields within one.
   */
  documentsHeld?: () => Promise<boolean>;
  /** The task queue of the documents' rendering activities (the workers' documents queue); the workflows' own when absent. */
  documentsTaskQueue?: string;
  /**
   * PDFs are rendered only when downloaded (`BILLOW_PDF_GENERATION=on_demand`): a document request
   * is marked handled and nothing is started; the download renders it (and records `*.generated`).
   */
  pdfOnDemand?: boolean;
}

const BATCH = 100;
/** Workflow starts in flight at once: one at a time, a burst of invoices left the relay minutes behind. */
const PARALLEL_STARTS = 20;
/** Documents the sandbox claims at once, and renders at once (the renderer's pool of pages). */
const RENDER_CLAIM = 4;
const RENDER_CONCURRENCY = 2;

/** What a webhook workflow is started with (`WebhookWorkflowInput` in workflows/webhook.ts, a floor above). */
interface WebhookWorkflowInput {
  organizationId: string;
  eventId: string;
  webhookIds: string[];
}

/** From this many rows in one claim, one workflow takes them all. */
const BURST = 10;

/** The same rows, in any order, give the same digest (a relay that dies after the start and claims them again starts nothing new). */
const digestOf = (ids: readonly string[]) => createHash('sha256').update([...ids].sort().join(',')).digest('hex').slice(0, 32);

/** The workflow types started on the outbox queue (when the relay is given one). */
const OUTBOX_WORKFLOWS: ReadonlySet<string> = new Set(['webhookWorkflow', 'webhookBatchWorkflow', 'documentWorkflow', 'documentBatchWorkflow']);

/** The queue a workflow type is started on: always the same for a type, so an id is started on one queue only. */
const taskQueueOf = (deps: RelayDeps, workflowType: string) =>
  (OUTBOX_WORKFLOWS.has(workflowType) ? deps.outboxTaskQueue ?? deps.taskQueue : deps.taskQueue);

/** Starts a workflow unless its id was started before: the refusal of a second start is success. */
async function startOnce(deps: RelayDeps, workflowType: string, workflowId: string, args: unknown[]): Promise<void> {
  try {
    await deps.client.workflow.start(workflowType, {
      workflowId,
      taskQueue: taskQueueOf(deps, workflowType),
      args,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

async function startDocument(deps: RelayDeps, request: DocumentRequestInput): Promise<void> {
  const input = deps.documentsTaskQueue ? { ...request, activityTaskQueue: deps.documentsTaskQueue } : request;
  await startOnce(deps, 'documentWorkflow', documentWorkflowId(request.documentType, request.id), [input]);
}

/** One delivery per subscribed endpoint; for each event, what is left to deliver (those not yet succeeded), if anything. */
async function deliveriesOf(trx: Tx, events: WebhookEventRow[]): Promise<WebhookWorkflowInput[]> {
  const pending = new Map<string, string[]>();
  for (const webhook of await ensureDeliveriesOfEvents(trx, events.map((event) => event.id))) {
    if (webhook.status !== 'succeeded') pending.set(webhook.event_id, [...(pending.get(webhook.event_id) ?? []), webhook.id]);
  }
  return events.flatMap((event) => {
    const webhookIds = pending.get(event.id);
    return webhookIds ? [{ organizationId: event.organization_id, eventId: event.id, webhookIds }] : [];
  });
}

/** Relays up to `limit` pending webhook events; returns how many it handled. */
export async function relayWebhookEvents(deps: RelayDeps, limit = BATCH): Promise<number> {
  return deps.db.transaction(async (trx) => {
    const events = await claimPendingEvents(trx, limit);
    const deliveries = await deliveriesOf(trx, events);
    if (deliveries.length >= BURST) {
      await startOnce(deps, 'webhookBatchWorkflow', webhookBatchWorkflowId(digestOf(deliveries.map((input) => input.eventId))), [{ events: deliveries }]);
    } else {
      await forEachConcurrently(deliveries, PARALLEL_STARTS, (input) => startOnce(deps, 'webhookWorkflow', webhookWorkflowId(input.eventId), [input]));
    }
    await markEventsDispatched(trx, events.map((event) => event.id));
    return events.length;
  });
}

/** Relays up to `limit` pending document requests; returns how many it handled (a failed rendering is not). */
export async function relayDocumentRequests(deps: RelayDeps, limit = BATCH): Promise<number> {
  return deps.db.transaction(async (trx) => {
    const requests = await claimPendingDocumentRequests(trx, limit);
    if (deps.pdfOnDemand) {
      await markDocumentRequestsDispatched(trx, requests.map((request) => request.id));
      return requests.length;
    }
    if (!deps.renderDocument) {
      const documents = requests.map((request) => ({ organizationId: request.organization_id, documentType: request.document_type, id: request.document_id }));
      if (documents.length >= BURST) {
        const batch = deps.documentsTaskQueue ? { documents, activityTaskQueue: deps.documentsTaskQueue } : { documents };
        await startOnce(deps, 'documentBatchWorkflow', documentBatchWorkflowId(digestOf(requests.map((request) => request.id))), [batch]);
      } else {
        await forEachConcurrently(documents, PARALLEL_STARTS, (document) => startDocument(deps, document));
      }
      await markDocumentRequestsDispatched(trx, requests.map((request) => request.id));
      return requests.length;
    }
    // The sandbox renders in-process, on the renderer's pages at once; a failed rendering stays pending for the next tick.
    const renderDocument = deps.renderDocument;
    const rendered: string[] = [];
    await forEachConcurrently(requests, RENDER_CONCURRENCY, async (request) => {
      const input = { organizationId: request.organization_id, documentType: request.document_type, id: request.document_id };
      try {
        await renderDocument(input);
        rendered.push(request.id);
      } catch (error) {
        logger.warn({ err: error, ...input }, 'document rendering failed; trying again at the next tick');
      }
    });
    await markDocumentRequestsDispatched(trx, rendered);
    return rendered.length;
  });
}

/**
 * Starts the subscription workflows of up to `limit` pending workflow starts; returns how many it
 * handled. A subscription that ended meanwhile (it cannot without its workflow, but the relay
 * checks) gets nothing started.
 */
export async function relayWorkflowStarts(deps: RelayDeps, limit = BATCH): Promise<number> {
  const gateway = deps.subscriptions;
  if (!gateway) return 0;
  const log = logger.child({ component: 'outbox-relay' });
  return deps.db.transaction(async (trx) => {
    const starts = await claimPendingWorkflowStarts(trx, limit);
    await forEachConcurrently(starts, PARALLEL_STARTS, async (row) => {
      if (row.status === 'active' || row.status === 'pending') {
        await gateway.start(row.input as StartSubscriptionWorkflow);
        log.info({ subscriptionId: row.subscription_id, workflowId: row.workflow_id, requestedAt: row.created_at.toISOString() }, 'subscription workflow started by the relay');
      } else {
        log.warn({ subscriptionId: row.subscription_id, workflowId: row.workflow_id, status: row.status }, 'subscription ended before its workflow started: nothing to start');
      }
      await markWorkflowStartDispatched(trx, row.id);
    });
    return starts.length;
  });
}

/** Relays up to `limit` rows of each outbox (workflow starts, webhook events, document requests); returns how many in all. */
export async function relayOutbox(deps: RelayDeps, limit = BATCH): Promise<number> {
  // Documents rendered in this process have a loop of their own (startOutboxRelay).
  const documents = deps.renderDocument ? 0 : await relayDocumentRequests(deps, limit);
  return (await relayWorkflowStarts(deps, limit)) + (await relayWebhookEvents(deps, limit)) + documents;
}

/** The workflow type whose requests (one per invoice) share one workflow per organization and instant (workflows/overdue.ts). */
const OVERDUE_WORKFLOW = 'overdueWorkflow';

/**
 * Starts the workflow if it is not running (a new run if an earlier one closed), or signals it if it
 * is: the relay's requests for one overdue workflow, however many, are one call.
 */
async function signalWithStart(deps: RelayDeps, request: WorkflowRequestRow): Promise<void> {
  const { workflow } = deps.client;
  if (!workflow.signalWithStart) throw new Error(`the relay's client cannot signal-with-start ${request.workflow_id}`);
  await workflow.signalWithStart(request.workflow_type, {
    workflowId: request.workflow_id,
    taskQueue: deps.taskQueue,
    args: request.args,
    signal: OVERDUE_SWEEP_SIGNAL,
    signalArgs: [],
  });
}

/** Relays up to `limit` pending workflow requests (invoices' payment workflows, overdue workflows); returns how many it handled. */
export async function relayWorkflowRequests(deps: RelayDeps, limit = BATCH): Promise<number> {
  return deps.db.transaction(async (trx) => {
    const requests = await claimPendingWorkflowRequests(trx, limit);
    const overdue = new Map<string, WorkflowRequestRow[]>();
    const others: WorkflowRequestRow[] = [];
    for (const request of requests) {
      if (request.workflow_type !== OVERDUE_WORKFLOW) others.push(request);
      else overdue.set(request.workflow_id, [...(overdue.get(request.workflow_id) ?? []), request]);
    }
    await forEachConcurrently(others, PARALLEL_STARTS, async (request) => {
      await startOnce(deps, request.workflow_type, request.workflow_id, request.args);
      await markWorkflowRequestDispatched(trx, request.id);
    });
    await forEachConcurrently([...overdue.values()], PARALLEL_STARTS, async (group) => {
      await signalWithStart(deps, group[0]!);
      await markWorkflowRequestsDispatched(trx, group.map((request) => request.id));
    });
    return requests.length;
  });
}

export interface RunningRelay {
  stop(): Promise<void>;
}

/**
 * Polls the outbox until stopped; a failing poll is logged and tried again at the next tick. Where
 * documents are rendered in this process (the sandbox), they are polled by a loop of their own, a
 * few at a time: a rendering never holds up the workflow starts, webhooks and overdue requests.
 */
export function startOutboxRelay(deps: RelayDeps, options: { intervalMs?: number } = {}): RunningRelay {
  const intervalMs = options.intervalMs ?? 1_000;
  const log = logger.child({ component: 'outbox-relay' });
  // Drain: keep going while a full batch may have left rows behind.
  const loops = [pollLoop(log, 'relay', intervalMs, async () => (await relayOutbox(deps)) + (await relayWorkflowRequests(deps)) >= BATCH)];
  if (deps.renderDocument) {
    loops.push(pollLoop(log, 'documents', intervalMs, async () => !(await deps.documentsHeld?.()) && (await relayDocumentRequests(deps, RENDER_CLAIM)) >= RENDER_CLAIM));
  }
  log.info({ intervalMs }, 'outbox relay started');
  return {
    async stop() {
      await Promise.all(loops.map((loop) => loop.stop()));
    },
  };
}

/** Runs `step` every `intervalMs`, again at once while it answers true (more may be pending), until stopped. */
function pollLoop(log: typeof logger, name: string, intervalMs: number, step: () => Promise<boolean>): RunningRelay {
  // Down for a while, a loop fails every interval: one line per 30 s, and one when it works again.
  const failures = throttledLog(log, { intervalMs: 30_000 });
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const tick = async () => {
    try {
      while (!stopped && (await step()));
      failures.recovered(name, `outbox ${name} loop works again`);
    } catch (error) {
      failures.failure(name, { err: error }, `outbox ${name} loop failed; retrying every interval`);
    }
    if (!stopped) timer = setTimeout(() => { running = tick(); }, intervalMs);
  };
  running = tick();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
