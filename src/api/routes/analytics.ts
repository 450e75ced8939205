/** `GET /analytics/{gross_revenue,invoice_collection,invoiced_usage,mrr,overdue_balance}` (rules: services/analytics/README.md). */
import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseQuery } from '../schemas/query';
import { analyticsQuerySchema } from '../schemas/customer-resources';
import {
  serializeGrossRevenue, serializeInvoiceCollection, serializeInvoicedUsage, serializeMrr, serializeOverdueBalance,
} from '../../serializers/analytics';
import { analytics, type AnalyticsMetric, type AnalyticsRows } from '../../services/analytics';

export function analyticsRouter({ db, clock }: AppContext): Router {
  const router = Router();
  const route = <M extends AnalyticsMetric>(metric: M, root: string, serialize: (row: AnalyticsRows[M][number]) => unknown) => {
    router.get(`/${metric}`, handle(async (req, res) => {
      const query = parseQuery(req.query, analyticsQuerySchema);
      const rows = await analytics(db, organizationOf(req), metric, { currency: query.currency, months: query.months, externalCustomerId: query.external_customer_id }, await clock.now());
      res.json({ [root]: (rows as AnalyticsRows[M][number][]).map(serialize) });
    }));
  };
  route('gross_revenue', 'gross_revenues', serializeGrossRevenue);
  route('invoice_collection', 'invoice_collections', serializeInvoiceCollection);
  route('invoiced_usage', 'invoiced_usages', serializeInvoicedUsage);
  route('mrr', 'mrrs', serializeMrr);
  route('overdue_balance', 'overdue_balances', serializeOverdueBalance);
  return router;
}
