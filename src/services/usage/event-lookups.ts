/**
 * What ingestion resolves an event against: its metric (by code) and its active subscription (by
 * external id). Found ones are cached for a few seconds per process (`LOOKUP_TTL_MS`): a new
 * metric or subscription takes events at once, while one deleted or terminated less than that ago
 * may still take events: a terminated subscription's are billed by its final late-usage check
 * (workflows/invoice-draft.ts), a minute after its end.
 */
import type { Db } from '../../db/knex';
import { findBillableMetricsByCodes, type BillableMetricRow } from '../../db/billable-metrics';
import { ExpressionError, parseExpression, type ExpressionNode } from '../../billing/expressions';
import { findEventOwners } from '../../db/event-owners';
import { TtlCache } from '../../runtime/ttl-cache';
import { subscriptionTerms } from '../../billing/subscription-terms';
import type { SubscriptionTerms } from '../../billing/periods';

export const LOOKUP_TTL_MS = 3_000;

export interface MetricLookup {
  id: string;
  recurring: boolean;
  aggregationType: string;
  /** The metric's expression, parsed once per lookup, and the property its result is stored in. */
  expression: { tree: ExpressionNode; fieldName: string } | null;
}

function expressionOf(row: BillableMetricRow): MetricLookup['expression'] {
  if (!row.expression || !row.field_name) return null;
  try {
    return { tree: parseExpression(row.expression), fieldName: row.field_name };
  } catch (error) {
    // Stored expressions were parsed when written; one that no longer parses is a defect, never ignored silently.
    if (error instanceof ExpressionError) throw new Error(`Billable metric ${row.id} has an expression that does not parse: ${error.message}`);
    throw error;
  }
}

export interface SubscriptionLookup {
  id: string;
  customerId: string;
  /** Metrics with a pay-in-advance charge in the subscription's plan. */
  inAdvanceMetricIds: Set<string>;
  /** Its periods' terms: an event before the current period is late usage. */
  terms: SubscriptionTerms;
  /** Usage thresholds apply to it (progressive billing): every event may cross one. */
  progressiveBilling: boolean;
}

export interface EventLookups {
  /** Live metrics by code, for the codes that have one. */
  metrics(organizationId: string, codes: Set<string>): Promise<Map<string, MetricLookup>>;
  /** Active subscriptions by external id, for the ids that have one. */
  subscriptions(organizationId: string, externalIds: Set<string>): Promise<Map<string, SubscriptionLookup>>;
  clear(): void;
}

const cacheKey = (organizationId: string, name: string) => `${organizationId}\u0000${name}`;

/** `names` resolved from the cache, the missing ones through `load` (which caches what it finds). */
async function lookUp<V>(
  cache: TtlCache<V>,
  organizationId: string,
  names: Set<string>,
  load: (missing: string[]) => Promise<[string, V][]>,
): Promise<Map<string, V>> {
  const found = new Map<string, V>();
  const missing: string[] = [];
  for (const name of names) {
    const cached = cache.get(cacheKey(organizationId, name));
    if (cached) found.set(name, cached);
    else missing.push(name);
  }
  if (missing.length > 0) {
    for (const [name, value] of await load(missing)) {
      cache.set(cacheKey(organizationId, name), value);
      found.set(name, value);
    }
  }
  return found;
}

export function createEventLookups(db: Db): EventLookups {
  const metrics = new TtlCache<MetricLookup>(LOOKUP_TTL_MS);
  const subscriptions = new TtlCache<SubscriptionLookup>(LOOKUP_TTL_MS);
  return {
    metrics: (organizationId, codes) =>
      lookUp(metrics, organizationId, codes, async (missing) =>
        (await findBillableMetricsByCodes(db, organizationId, missing)).map((row) => [row.code, { id: row.id, recurring: row.recurring, aggregationType: row.aggregation_type, expression: expressionOf(row) }]),
      ),
    subscriptions: (organizationId, externalIds) =>
      lookUp(subscriptions, organizationId, externalIds, async (missing) =>
        (await findEventOwners(db, organizationId, missing)).map((row) => [row.external_id, {
          id: row.id,
          customerId: row.customer_id,
          inAdvanceMetricIds: new Set(row.in_advance_metric_ids),
          terms: subscriptionTerms(row, row, row.timezone),
          progressiveBilling: row.progressive_billing === true,
        }]),
      ),
    clear() {
      metrics.clear();
      subscriptions.clear();
    },
  };
}
