/** Reading stored events back: one by its transaction id, or a filtered page, newest first. */
import type { Db } from '../../db/knex';
import { findEvent, findEventsPage, type EventListFilter, type EventRow } from '../../db/events';
import { notFound } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';

export async function getEvent(db: Db, organizationId: string, transactionId: string): Promise<EventRow> {
  const event = await findEvent(db, organizationId, transactionId);
  if (!event) throw notFound('event');
  return event;
}

export async function listEvents(db: Db, organizationId: string, filter: EventListFilter, page: Page): Promise<Paginated<EventRow>> {
  return findEventsPage(db, organizationId, filter, page);
}
