import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { createAddOnSchema, updateAddOnSchema } from '../schemas/add-ons';
import { serializeAddOn } from '../../serializers/add-on';
import { addOnViews, createAddOn, deleteAddOnByCode, getAddOnView, updateAddOnByCode } from '../../services/catalog/add-ons';
import { liveAddOns, type AddOnRow } from '../../db/add-ons';
import { pageFrom, paginate } from '../pagination';

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
    const organizationId = organizationOf(req).id;
    const query = liveAddOns(db, organizationId).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]);
    const { rows, meta } = await paginate<AddOnRow>(query, pageFrom(req.query));
    res.json({ add_ons: (await addOnViews(db, organizationId, rows)).map(serializeAddOn), meta });
  }));
  router.delete('/:code', handle(async (req, res) => {
    res.json({ add_on: serializeAddOn(await deleteAddOnByCode(db, organizationOf(req).id, String(req.params.code))) });
  }));
  return router;
}
