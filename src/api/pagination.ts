/** Lago's `page`/`per_page` pagination and its `meta` block. */
import type { Knex } from 'knex';

export interface Page {
  page: number;
  perPage: number;
}

export function pageFrom(query: Record<string, unknown>): Page {
  const page = Math.max(1, Number.parseInt(String(query.page ?? '1'), 10) || 1);
  const perPage = Math.min(1000, Math.max(1, Number.parseInt(String(query.per_page ?? '100'), 10) || 100));
  return { page, perPage };
}

export interface Meta {
  current_page: number;
  next_page: number | null;
  prev_page: number | null;
  total_pages: number;
  total_count: number;
}

export function meta(page: Page, totalCount: number): Meta {
  if (totalCount === 0) return { current_page: 0, next_page: null, prev_page: null, total_pages: 0, total_count: 0 };
  const totalPages = Math.ceil(totalCount / page.perPage);
  return {
    current_page: page.page,
    next_page: page.page < totalPages ? page.page + 1 : null,
    prev_page: page.page > 1 ? page.page - 1 : null,
    total_pages: totalPages,
    total_count: totalCount,
  };
}

/** Runs a list query for one page and counts the whole set. */
export async function paginate<T>(query: Knex.QueryBuilder, page: Page): Promise<{ rows: T[]; meta: Meta }> {
  const [{ count }] = (await query.clone().clearSelect().clearOrder().count({ count: '*' })) as [{ count: string | number | bigint }];
  const rows = (await query.limit(page.perPage).offset((page.page - 1) * page.perPage)) as T[];
  return { rows, meta: meta(page, Number(count)) };
}
