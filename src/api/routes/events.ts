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
import { badRequest, invalidField, notFound, validationErrors } from '../errors';
import { pageFrom, paginate } from '../pagination';
import { serializeEvent } from '../../serializers/event';
import { parseEventTimestamp } from '../schemas/events';
import { createEventIngestion, EventValidationError, MAX_BATCH_EVENTS } from '../../services/usage/events';
import { findEvent, listEventsQuery, type EventListFilter, type EventRow } from '../../db/events';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function queryText(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalidField(name, 'value_is_invalid');
  return value;
}

function queryInstant(query: Record<string, unknown>, name: string): number | undefined {
  const value = queryText(query, name);
  if (value === undefined) return undefined;
  const parsed = parseEventTimestamp(value);
  if ('error' in parsed) throw invalidField(name, 'invalid_date');
  return parsed.ms;
}

export function eventsRouter({ db, workflows, clock }: AppContext): Router {
  const router = Router();
  const ingestion = createEventIngestion({ db, workflows });

  router.post('/batch', handle(async (req, res) => {
    const organization = organizationOf(req);
    const events = isRecord(req.body) ? req.body.events : undefined;
    if (!Array.isArray(events)) throw badRequest('param is missing or the value is empty: events');
    if (events.length === 0) throw invalidField('events', 'no_events');
    if (events.length > MAX_BATCH_EVENTS) throw invalidField('events', 'too_many_events');
    let stored: EventRow[];
    try {
      stored = await ingestion.ingest(organization.id, events, await clock.now());
    } catch (error) {
      if (error instanceof EventValidationError) throw validationErrors(Object.fromEntries([...error.errors].sort(([a], [b]) => a - b).map(([index, fields]) => [String(index), fields])));
      throw error;
    }
    res.json({ events: stored.map(serializeEvent) });
  }));

  router.post('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const event = isRecord(req.body) ? req.body.event : undefined;
    if (!isRecord(event) || Object.keys(event).length === 0) throw badRequest('param is missing or the value is empty: event');
    let stored: EventRow[];
    try {
      stored = await ingestion.ingest(organization.id, [event], await clock.now());
    } catch (error) {
      if (error instanceof EventValidationError) throw validationErrors(error.errors.get(0) ?? {});
      throw error;
    }
    res.json({ event: serializeEvent(stored[0]!) });
  }));

  router.get('/:transactionId', handle(async (req, res) => {
    const organization = organizationOf(req);
    const event = await findEvent(db, organization.id, String(req.params.transactionId));
    if (!event) throw notFound('event');
    res.json({ event: serializeEvent(event) });
  }));

  router.get('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const query = req.query as Record<string, unknown>;
    const filter: EventListFilter = {
      code: queryText(query, 'code'),
      externalSubscriptionId: queryText(query, 'external_subscription_id'),
      fromMs: queryInstant(query, 'timestamp_from'),
      toMs: queryInstant(query, 'timestamp_to'),
    };
    const { rows, meta } = await paginate<EventRow>(listEventsQuery(db, organization.id, filter), pageFrom(query));
    res.json({ events: rows.map(serializeEvent), meta });
  }));

  return router;
}
