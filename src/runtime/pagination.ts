/** Lago's `page`/`per_page` pagination: what a list asks for and the `meta` block it answers. */
export interface Page {
  page: number;
  perPage: number;
}

export interface Meta {
  current_page: number;
  next_page: number | null;
  prev_page: number | null;
  total_pages: number;
  total_count: number;
}

/** One page of a list, with its meta block. */
export interface Paginated<T> {
  rows: T[];
  meta: Meta;
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
