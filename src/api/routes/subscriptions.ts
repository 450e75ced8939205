import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { pageFrom } from '../pagination';
import { stringParam } from '../query';
import { createSubscriptionSchema } from '../schemas/subscriptions';
import { createSubscription, getSubscription, listSubscriptions, presentSubscription, terminateSubscription } from '../../services/subscriptions';

export function subscriptionsRouter(ctx: AppContext): Router {
  const { db, clock } = ctx;
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'subscription', createSubscriptionSchema);
    const subscription = await createSubscription(ctx, organizationOf(req), input);
    res.json({ subscription: await presentSubscription(db, subscription, await clock.now()) });
  }));
  router.delete('/:externalId', handle(async (req, res) => {
    const subscription = await terminateSubscription(ctx, organizationOf(req), String(req.params.externalId), stringParam(req.query, 'status'));
    res.json({ subscription: await presentSubscription(db, subscription, await clock.now()) });
  }));
  router.get('/:externalId', handle(async (req, res) => {
    const subscription = await getSubscription(db, organizationOf(req).id, String(req.params.externalId), stringParam(req.query, 'status'));
    res.json({ subscription: await presentSubscription(db, subscription, await clock.now()) });
  }));
  router.get('/', handle(async (req, res) => {
    const statuses = [req.query.status ?? req.query['status[]'] ?? 'active'].flat().map(String);
    const { rows, meta } = await listSubscriptions(db, organizationOf(req).id, {
      statuses,
      externalCustomerId: req.query.external_customer_id ? String(req.query.external_customer_id) : undefined,
      planCode: req.query.plan_code ? String(req.query.plan_code) : undefined,
    }, pageFrom(req.query));
    const now = await clock.now();
    res.json({ subscriptions: await Promise.all(rows.map((row) => presentSubscription(db, row, now))), meta });
  }));
  return router;
}
