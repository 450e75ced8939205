/**
 * `/api/v1/events` (reference/lago-api.md §1.5, §7; DESIGN.md §5). Error codes, besides Lago's
 * `value_is_mandatory` / `value_is_invalid` / `invalid_format` / `value_already_exist`:
 * `{"code": ["metric_not_found"]}` and `{"external_subscription_id": ["subscription_not_found"]}`
 * (422, synchronous, where Lago accepts and reports later); batches key them by index
 * (`{"0": {"transaction_id": ["value_already_exist"]}}`), `{"events": ["no_events"]}` for an
 * empty batch and `{"events": ["too_many_events"]}` beyond 100. See docs/usage.md.
 */
import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { pageFrom } from '../pagination';
import { serializeEvent, serializeTracedEvent } from '../../serializers/event';
import { estimateFeesSchema, readBatchEnvelope, readEventEnvelope, readEventListQuery } from '../schemas/events';
import { parseEnvelope } from '../validation';
import { estimateEventFees, traceEvent } from '../../services/invoicing';
import { createEventIngestion, listEvents } from '../../services/usage';
import { checkWallets } from '../../services/credits';
import { alertEvaluatorFor } from '../../services/alerts';

export function eventsRouter({ db, workflows, clock }: AppContext): Router {
  const router = Router();
  const ingestion = createEventIngestion({
    db,
    workflows,
    // Usage alerts are evaluated soon after the events' commit, off the answer's path.
    onStored: (subscriptionIds) => alertEvaluatorFor(db, clock).evaluateSoon(subscriptionIds),
    // Stored usage may bring a wallet's ongoing balance below an alert's threshold or to its threshold rule: checked after each batch.
    afterStored: (organizationId, customerIds, atMs) => checkWallets(db, organizationId, customerIds, atMs),
  });

  router.post('/batch', handle(async (req, res) => {
    const organization = organizationOf(req);
    const stored = await ingestion.ingestBatch(organization.id, readBatchEnvelope(req.body), await clock.now());
    res.json({ events: stored.map(serializeEvent) });
  }));

  router.post('/estimate_fees', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'event', estimateFeesSchema);
    res.json({ fees: await estimateEventFees(db, organization.id, input, await clock.now()) });
  }));

  router.post('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const stored = await ingestion.ingestEvent(organization.id, readEventEnvelope(req.body), await clock.now());
    res.json({ event: serializeEvent(stored) });
  }));

  router.get('/:transactionId', handle(async (req, res) => {
    const organization = organizationOf(req);
    const { event, billing } = await traceEvent(db, organization.id, String(req.params.transactionId));
    res.json({ event: serializeTracedEvent(event, billing) });
  }));

  router.get('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const query = req.query as Record<string, unknown>;
    const { rows, meta } = await listEvents(db, organization.id, readEventListQuery(query), pageFrom(query));
    res.json({ events: rows.map(serializeEvent), meta });
  }));

  return router;
}
