/**
 * `GET` and `PUT /api/v1/subscriptions/:external_id/lifetime_usage` (issue 15): the active
 * subscription's lifetime usage, and seeding its historical usage. Mounted on `/subscriptions`,
 * serving only this path.
 */
import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { lifetimeUsageSchema } from '../schemas/lifetime-usage';
import { serializeLifetimeUsage } from '../../serializers/usage-threshold';
import { getLifetimeUsage, updateLifetimeUsage } from '../../services/invoicing';

export function lifetimeUsageRouter({ db, clock }: AppContext): Router {
  const router = Router();
  router.get('/:externalId/lifetime_usage', handle(async (req, res) => {
    const usage = await getLifetimeUsage(db, organizationOf(req).id, String(req.params.externalId), await clock.now());
    res.json({ lifetime_usage: serializeLifetimeUsage(usage) });
  }));
  router.put('/:externalId/lifetime_usage', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'lifetime_usage', lifetimeUsageSchema);
    const usage = await updateLifetimeUsage(db, organizationOf(req).id, String(req.params.externalId), input, await clock.now());
    res.json({ lifetime_usage: serializeLifetimeUsage(usage) });
  }));
  return router;
}
