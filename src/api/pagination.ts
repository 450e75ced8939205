/** Reading Lago's `page`/`per_page` from the query string. */
import type { Page } from '../runtime/pagination';

export type { Page, Meta } from '../runtime/pagination';

export function pageFrom(query: Record<string, unknown>): Page {
  const page = Math.max(1, Number.parseInt(String(query.page ?? '1'), 10) || 1);
  const perPage = Math.min(1000, Math.max(1, Number.parseInt(String(query.per_page ?? '100'), 10) || 100));
  return { page, perPage };
}
