/** Runs a list query for one page (Lago's page/per_page) and counts the whole set. */
import type { Knex } from 'knex';
import { meta, type Page, type Paginated } from '../runtime/pagination';

export async function paginate<T>(query: Knex.QueryBuilder, page: Page): Promise<Paginated<T>> {
  const [{ count }] = (await query.clone().clearSelect().clearOrder().count({ count: '*' })) as [{ count: string | number | bigint }];
  const rows = (await query.limit(page.perPage).offset((page.page - 1) * page.perPage)) as T[];
  return { rows, meta: meta(page, Number(count)) };
}
