/**
 * A charge's filters edited as a list, the same way for a plan's charge (charge-resources.ts) and a
 * subscription's override of it (subscriptions/subscription-charges.ts): filters live in their
 * charge's row, so every edit rewrites the whole list.
 */
import type { ChargeFilter } from '../../db/charges';
import type { ChargeView } from '../../db/plans';
import { notFound } from '../../runtime/errors';
import { meta, type Page, type Paginated } from '../../runtime/pagination';
import type { ChargeFilterInput } from './plan-charges';

export interface ChargeFilterView {
  charge: ChargeView;
  filter: ChargeFilter;
}

/** What a filter's update may change; what it omits is kept. */
export type ChargeFilterChanges = Partial<Pick<ChargeFilterInput, 'invoice_display_name' | 'properties' | 'values'>>;

const asInput = (filter: ChargeFilter): ChargeFilterInput => ({ ...filter });

export function filterOf(charge: ChargeView, filterId: string): ChargeFilter {
  const filter = charge.charge.filters.find((candidate) => candidate.id === filterId);
  if (!filter) throw notFound('charge_filter');
  return filter;
}

/** One page of the charge's filters, in the list's order. */
export function filterPage(charge: ChargeView, page: Page): Paginated<ChargeFilterView> {
  const all = charge.charge.filters;
  return { rows: all.slice((page.page - 1) * page.perPage, page.page * page.perPage).map((filter) => ({ charge, filter })), meta: meta(page, all.length) };
}

/** The filters with one more at the end, and its index. */
export function filtersWithAdded(charge: ChargeView, added: ChargeFilterInput): { filters: ChargeFilterInput[]; at: number } {
  return { filters: [...charge.charge.filters.map(asInput), added], at: charge.charge.filters.length };
}

/** The filters with one changed, and its index. */
export function filtersWithUpdate(charge: ChargeView, filterId: string, input: ChargeFilterChanges): { filters: ChargeFilterInput[]; at: number } {
  const current = filterOf(charge, filterId);
  const at = charge.charge.filters.indexOf(current);
  const changed: ChargeFilterInput = {
    id: current.id,
    invoice_display_name: input.invoice_display_name !== undefined ? input.invoice_display_name : current.invoice_display_name,
    properties: input.properties !== undefined ? input.properties : current.properties,
    values: input.values ?? current.values,
  };
  return { filters: charge.charge.filters.map((filter, index) => (index === at ? changed : asInput(filter))), at };
}

/** The filters without one, and its index. */
export function filtersWithout(charge: ChargeView, filterId: string): { filters: ChargeFilterInput[]; removed: ChargeFilter } {
  const removed = filterOf(charge, filterId);
  return { filters: charge.charge.filters.filter((filter) => filter.id !== filterId).map(asInput), removed };
}

/** The filter an edit added: the one of `after` that `before` did not have. */
export function addedFilter(before: ChargeView, after: ChargeView): ChargeFilter {
  const old = new Set(before.charge.filters.map((filter) => filter.id));
  return after.charge.filters.find((filter) => !old.has(filter.id))!;
}
