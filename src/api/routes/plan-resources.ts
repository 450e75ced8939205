/**
 * What Lago serves under a plan: its charges and their filters (`/plans/:code/charges[/:charge_code
 * [/filters[/:id]]]`, each change a `PUT /plans` of the charge list: services/catalog/charge-resources.ts)
 * and its metadata (`/plans/:code/metadata[/:key]`).
 */
import { Router, type Request } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { serializeMetadata } from '../../serializers/metadata';
import { parseEnvelope, parseOptionalEnvelope } from '../validation';
import { pageFrom } from '../pagination';
import {
  createChargeFilterSchema, deleteChargeFilterSchema, deleteChargeSchema, planChargeSchema, updateChargeFilterSchema, updatePlanChargeSchema,
} from '../schemas/plan-charges';
import { parseMetadataBody } from '../schemas/metadata';
import { serializeCharge, serializeChargeFilter } from '../../serializers/plan';
import {
  createChargeFilter, createPlanCharge, deleteChargeFilter, deletePlanCharge, getChargeFilter, getPlanCharge, listChargeFilters, listPlanCharges,
  updateChargeFilter, updatePlanCharge, type ChargeFilterView,
} from '../../services/catalog/charge-resources';
import { changePlanMetadata, type MetadataChange } from '../../services/catalog/plan-metadata';

const plan = (req: Request) => String(req.params.code);
const charge = (req: Request) => String(req.params.chargeCode);
const presentFilter = ({ charge: owner, filter }: ChargeFilterView) => serializeChargeFilter(owner, filter);

/**
 * The DELETE routes read Lago's optional `{"charge"|"filter": {"cascade_updates": …}}` (checked by its
 * contract): it asks to cascade to child plans, and Billow has none, so the deletion is the plan's alone.
 */
export function planResourcesRouter({ db }: AppContext): Router {
  const router = Router();

  router.get('/:code/charges', handle(async (req, res) => {
    const { rows, meta } = await listPlanCharges(db, organizationOf(req).id, plan(req), pageFrom(req.query));
    res.json({ charges: rows.map(serializeCharge), meta });
  }));
  router.post('/:code/charges', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'charge', planChargeSchema);
    res.json({ charge: serializeCharge(await createPlanCharge(db, organizationOf(req).id, plan(req), input)) });
  }));
  router.get('/:code/charges/:chargeCode', handle(async (req, res) => {
    res.json({ charge: serializeCharge(await getPlanCharge(db, organizationOf(req).id, plan(req), charge(req))) });
  }));
  router.put('/:code/charges/:chargeCode', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'charge', updatePlanChargeSchema);
    res.json({ charge: serializeCharge(await updatePlanCharge(db, organizationOf(req).id, plan(req), charge(req), input)) });
  }));
  router.delete('/:code/charges/:chargeCode', handle(async (req, res) => {
    parseOptionalEnvelope(req.body, 'charge', deleteChargeSchema);
    res.json({ charge: serializeCharge(await deletePlanCharge(db, organizationOf(req).id, plan(req), charge(req))) });
  }));

  router.get('/:code/charges/:chargeCode/filters', handle(async (req, res) => {
    const { rows, meta } = await listChargeFilters(db, organizationOf(req).id, plan(req), charge(req), pageFrom(req.query));
    res.json({ filters: rows.map(presentFilter), meta });
  }));
  router.post('/:code/charges/:chargeCode/filters', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'filter', createChargeFilterSchema);
    res.json({ filter: presentFilter(await createChargeFilter(db, organizationOf(req).id, plan(req), charge(req), input)) });
  }));
  router.get('/:code/charges/:chargeCode/filters/:id', handle(async (req, res) => {
    res.json({ filter: presentFilter(await getChargeFilter(db, organizationOf(req).id, plan(req), charge(req), String(req.params.id))) });
  }));
  router.put('/:code/charges/:chargeCode/filters/:id', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'filter', updateChargeFilterSchema);
    res.json({ filter: presentFilter(await updateChargeFilter(db, organizationOf(req).id, plan(req), charge(req), String(req.params.id), input)) });
  }));
  router.delete('/:code/charges/:chargeCode/filters/:id', handle(async (req, res) => {
    const input = parseOptionalEnvelope(req.body, 'filter', deleteChargeFilterSchema);
    res.json({ filter: presentFilter(await deleteChargeFilter(db, organizationOf(req).id, plan(req), charge(req), String(req.params.id), input)) });
  }));

  const metadata = (change: (req: Request) => MetadataChange) => handle(async (req, res) => {
    res.json({ metadata: serializeMetadata(await changePlanMetadata(db, organizationOf(req).id, plan(req), change(req))) });
  });
  router.post('/:code/metadata', metadata((req) => ({ kind: 'replace', value: parseMetadataBody(req.body) })));
  router.patch('/:code/metadata', metadata((req) => ({ kind: 'merge', value: parseMetadataBody(req.body) })));
  router.delete('/:code/metadata', metadata(() => ({ kind: 'clear' })));
  router.delete('/:code/metadata/:key', metadata((req) => ({ kind: 'delete_key', key: String(req.params.key) })));
  return router;
}
