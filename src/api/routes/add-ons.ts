import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { createAddOnSchema, updateAddOnSchema } from '../schemas/add-ons';
import { serializeAddOn } from '../../serializers/add-on';
import { createAddOn, deleteAddOnByCode, getAddOnView, listAddOns, updateAddOnByCode } from '../../services/catalog';
import { pageFrom } from '../pagination';

export function addOnsRouter({ db }: AppContext): Router {
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'add_on', createAddOnSchema);
    res.json({ add_on: serializeAddOn(await createAddOn(db, organizationOf(req).id, input)) });
  }));
  router.put('/:code', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'add_on', updateAddOnSchema);
    res.json({ add_on: serializeAddOn(await updateAddOnByCode(db, organizationOf(req).id, String(req.params.code), input)) });
  }));
  router.get('/:code', handle(async (req, res) => {
    res.json({ add_on: serializeAddOn(await getAddOnView(db, organizationOf(req).id, String(req.params.code))) });
  }));
  router.get('/', handle(async (req, res) => {
    const { rows, meta } = await listAddOns(db, organizationOf(req).id, pageFrom(req.query));
    res.json({ add_ons: rows.map(serializeAddOn), meta });
  }));
  router.delete('/:code', handle(async (req, res) => {
    res.json({ add_on: serializeAddOn(await deleteAddOnByCode(db, organizationOf(req).id, String(req.params.code))) });
  }));
  return router;
}
