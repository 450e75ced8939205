/**
 * `GET /api/v1/customers/:external_customer_id/current_usage?external_subscription_id=…&apply_taxes=`
 * (reference/lago-api.md §1.6). Mounted on `/customers` before the customers router and serving
 * only this path. `apply_taxes=false` leaves taxes out; anything else applies them (Lago's default).
 * Aggregates go through one incremental usage cache per app (src/db/usage-cache.ts).
 */
import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { serializeCustomerUsage } from '../../serializers/usage';
import { currentUsage } from '../../services/invoicing';
import { createUsageCache } from '../../services/usage';

export function currentUsageRouter({ db, clock }: AppContext): Router {
  const router = Router();
  const cache = createUsageCache(db);
  router.get('/:externalId/current_usage', handle(async (req, res) => {
    const organization = organizationOf(req);
    const externalSubscriptionId = req.query.external_subscription_id;
    const usage = await currentUsage(db, {
      organizationId: organization.id,
      externalCustomerId: String(req.params.externalId),
      externalSubscriptionId: typeof externalSubscriptionId === 'string' && externalSubscriptionId !== '' ? externalSubscriptionId : undefined,
      atMs: await clock.now(),
      applyTaxes: req.query.apply_taxes !== 'false',
      aggregator: cache,
    });
    res.json({ customer_usage: serializeCustomerUsage(usage) });
  }));
  return router;
}
