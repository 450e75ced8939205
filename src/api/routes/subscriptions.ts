import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { createSubscriptionSchema } from '../schemas/subscriptions';
import { serializeSubscription } from '../../serializers/subscription';
import { createSubscription, getSubscription, terminateSubscription } from '../../services/subscriptions/subscriptions';
import { findPlanById } from '../../db/plans';
import { findCustomerById } from '../../db/customers';
import { subscriptionsOf, type SubscriptionRow } from '../../db/subscriptions';
import { pageFrom, paginate } from '../pagination';
import { currentBillingPeriod, planChangeOf } from '../../services/subscriptions/periods';
import type { Db } from '../../db/knex';
import type { OrganizationRow } from '../../db/organizations';

async function present(db: Db, organization: OrganizationRow, subscription: SubscriptionRow, nowMs: number) {
  const [plan, customer, change] = await Promise.all([
    findPlanById(db, organization.id, subscription.plan_id),
    findCustomerById(db, subscription.customer_id),
    planChangeOf(db, organization, subscription, nowMs),
  ]);
  return serializeSubscription(subscription, {
    plan: plan!,
    customer: customer!,
    currentPeriod: currentBillingPeriod(subscription, plan!, customer!, organization, nowMs),
    ...change,
  });
}

export function subscriptionsRouter(ctx: AppContext): Router {
  const { db, clock } = ctx;
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'subscription', createSubscriptionSchema);
    const subscription = await createSubscription(ctx, organization, input);
    res.json({ subscription: await present(db, organization, subscription, await clock.now()) });
  }));
  router.delete('/:externalId', handle(async (req, res) => {
    const organization = organizationOf(req);
    const subscription = await terminateSubscription(ctx, organization, String(req.params.externalId), req.query.status as string | undefined);
    res.json({ subscription: await present(db, organization, subscription, await clock.now()) });
  }));
  router.get('/:externalId', handle(async (req, res) => {
    const organization = organizationOf(req);
    const subscription = await getSubscription(db, organization.id, String(req.params.externalId), req.query.status as string | undefined);
    res.json({ subscription: await present(db, organization, subscription, await clock.now()) });
  }));
  router.get('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const statuses = [req.query.status ?? req.query['status[]'] ?? 'active'].flat().map(String);
    let query = subscriptionsOf(db, organization.id).whereIn('status', statuses).orderBy('created_at', 'desc');
    if (req.query.external_customer_id) {
      query = query.whereIn('customer_id', db('customers').select('id').where({ organization_id: organization.id, external_id: String(req.query.external_customer_id) }));
    }
    if (req.query.plan_code) {
      query = query.whereIn('plan_id', db('plans').select('id').where({ organization_id: organization.id, code: String(req.query.plan_code) }));
    }
    const { rows, meta } = await paginate<SubscriptionRow>(query, pageFrom(req.query));
    const now = await clock.now();
    res.json({ subscriptions: await Promise.all(rows.map((row) => present(db, organization, row, now))), meta });
  }));
  return router;
}
