/** `/features` (Lago's features and their privileges) and what plans and subscriptions are entitled to. */
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope, parseInput, parseOptionalEnvelope } from '../validation';
import { pageFrom } from '../pagination';
import { stringParam } from '../query';
import { createFeatureSchema, entitlementsSchema, updateFeatureSchema } from '../schemas/features';
import { serializeFeature } from '../../serializers/feature';
import { serializePlanEntitlement, serializeSubscriptionEntitlement } from '../../serializers/entitlement';
import {
  changePlanEntitlements, createFeature, deleteFeatureByCode, deleteFeaturePrivilege, deletePlanEntitlement, deletePlanEntitlementPrivilege, getFeature,
  getPlanEntitlement, listFeatures, listPlanEntitlements, listSubscriptionEntitlements, patchSubscriptionEntitlements, removeSubscriptionFeature,
  removeSubscriptionPrivilege, updateFeatureByCode, type EntitlementsInput,
} from '../../services/entitlements';

export function featuresRouter({ db }: AppContext): Router {
  const router = Router();
  const code = (req: Request) => String(req.params.code);
  router.post('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'feature', createFeatureSchema);
    res.json({ feature: serializeFeature(await createFeature(db, organizationOf(req).id, input)) });
  }));
  router.get('/', handle(async (req, res) => {
    const { rows, meta } = await listFeatures(db, organizationOf(req).id, pageFrom(req.query), stringParam(req.query, 'search_term'));
    res.json({ features: rows.map(serializeFeature), meta });
  }));
  router.get('/:code', handle(async (req, res) => {
    res.json({ feature: serializeFeature(await getFeature(db, organizationOf(req).id, code(req))) });
  }));
  router.put('/:code', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'feature', updateFeatureSchema);
    res.json({ feature: serializeFeature(await updateFeatureByCode(db, organizationOf(req).id, code(req), input)) });
  }));
  router.delete('/:code', handle(async (req, res) => {
    res.json({ feature: serializeFeature(await deleteFeatureByCode(db, organizationOf(req).id, code(req))) });
  }));
  router.delete('/:code/privileges/:privilegeCode', handle(async (req, res) => {
    res.json({ feature: serializeFeature(await deleteFeaturePrivilege(db, organizationOf(req).id, code(req), String(req.params.privilegeCode))) });
  }));
  return router;
}

/** Lago's `params.fetch(:entitlements, {})`: a missing root is no entitlement; problems are named under `entitlements.<feature>`. */
function entitlementsOf(body: unknown): EntitlementsInput {
  const entitlements = parseOptionalEnvelope(body, 'entitlements', z.unknown()) ?? {};
  return parseInput({ entitlements }, z.object({ entitlements: entitlementsSchema })).entitlements;
}

/** `/plans/:code/entitlements[/:feature_code[/privileges/:privilege_code]]`. */
export function planEntitlementsRouter({ db }: AppContext): Router {
  const router = Router();
  const plan = (req: Request) => String(req.params.code);
  const feature = (req: Request) => String(req.params.featureCode);
  router.get('/:code/entitlements', handle(async (req, res) => {
    res.json({ entitlements: (await listPlanEntitlements(db, organizationOf(req).id, plan(req))).map(serializePlanEntitlement) });
  }));
  router.post('/:code/entitlements', handle(async (req, res) => {
    const input = entitlementsOf(req.body);
    res.json({ entitlements: (await changePlanEntitlements(db, organizationOf(req).id, plan(req), input, 'replace')).map(serializePlanEntitlement) });
  }));
  router.patch('/:code/entitlements', handle(async (req, res) => {
    const input = entitlementsOf(req.body);
    res.json({ entitlements: (await changePlanEntitlements(db, organizationOf(req).id, plan(req), input, 'merge')).map(serializePlanEntitlement) });
  }));
  router.get('/:code/entitlements/:featureCode', handle(async (req, res) => {
    res.json({ entitlement: serializePlanEntitlement(await getPlanEntitlement(db, organizationOf(req).id, plan(req), feature(req))) });
  }));
  router.delete('/:code/entitlements/:featureCode', handle(async (req, res) => {
    res.json({ entitlement: serializePlanEntitlement(await deletePlanEntitlement(db, organizationOf(req).id, plan(req), feature(req))) });
  }));
  router.delete('/:code/entitlements/:featureCode/privileges/:privilegeCode', handle(async (req, res) => {
    const entitlement = await deletePlanEntitlementPrivilege(db, organizationOf(req).id, plan(req), feature(req), String(req.params.privilegeCode));
    res.json({ entitlement: serializePlanEntitlement(entitlement) });
  }));
  return router;
}

/**
 * `/subscriptions/:external_id/entitlements[/:feature_code[/privileges/:privilege_code]]`: every
 * route answers the subscription's entitlements after the change, as Lago's controllers do.
 */
export function subscriptionEntitlementsRouter({ db }: AppContext): Router {
  const router = Router();
  const external = (req: Request) => String(req.params.externalId);
  const status = (req: Request) => stringParam(req.query, 'subscription_status') ?? stringParam(req.query, 'status');
  const feature = (req: Request) => String(req.params.featureCode);
  router.get('/:externalId/entitlements', handle(async (req, res) => {
    const entitlements = await listSubscriptionEntitlements(db, organizationOf(req).id, external(req), status(req));
    res.json({ entitlements: entitlements.map(serializeSubscriptionEntitlement) });
  }));
  router.patch('/:externalId/entitlements', handle(async (req, res) => {
    const input = entitlementsOf(req.body);
    const entitlements = await patchSubscriptionEntitlements(db, organizationOf(req).id, external(req), status(req), input);
    res.json({ entitlements: entitlements.map(serializeSubscriptionEntitlement) });
  }));
  router.delete('/:externalId/entitlements/:featureCode', handle(async (req, res) => {
    const entitlements = await removeSubscriptionFeature(db, organizationOf(req).id, external(req), status(req), feature(req));
    res.json({ entitlements: entitlements.map(serializeSubscriptionEntitlement) });
  }));
  router.delete('/:externalId/entitlements/:featureCode/privileges/:privilegeCode', handle(async (req, res) => {
    const entitlements = await removeSubscriptionPrivilege(db, organizationOf(req).id, external(req), status(req), feature(req), String(req.params.privilegeCode));
    res.json({ entitlements: entitlements.map(serializeSubscriptionEntitlement) });
  }));
  return router;
}
